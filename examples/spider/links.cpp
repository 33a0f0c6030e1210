#include "links.hpp"

#include <cctype>
#include <cstdint>

namespace spider {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i]))
        != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// A numeric reference after "&#" at `s` ("38;", "x26;"); its length, or 0.
std::size_t numeric_reference(std::string_view s, std::string& out) {
  bool hex = !s.empty() && (s[0] == 'x' || s[0] == 'X');
  std::size_t i = hex ? 1 : 0, start = i;
  std::uint32_t cp = 0;
  for (; i < s.size() && i - start < 8; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (std::isdigit(c))
      cp = cp * (hex ? 16 : 10) + (c - '0');
    else if (hex && std::isxdigit(c))
      cp = cp * 16 + (std::tolower(c) - 'a' + 10);
    else
      break;
  }
  if (i == start)
    return 0;
  append_utf8(out, cp);
  return i < s.size() && s[i] == ';' ? i + 1 : i;
}

// Decodes the references an attribute value most often holds: &amp; &lt;
// &gt; &quot; &apos; and numeric ones; others stay as written.
std::string decode(std::string_view v) {
  static constexpr std::pair<std::string_view, char> named[] = {
    {"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] != '&') {
      out += v[i];
      continue;
    }
    auto rest = v.substr(i + 1);
    if (!rest.empty() && rest[0] == '#') {
      if (auto n = numeric_reference(rest.substr(1), out)) {
        i += n + 1;
        continue;
      }
    }
    bool done = false;
    for (auto [name, c] : named)
      if (rest.starts_with(name)) {
        out += c;
        i += name.size();
        done = true;
        break;
      }
    if (!done)
      out += '&';
  }
  return out;
}

// Reads a start tag's attributes from `pos` (after its name) up to its '>';
// the href value if there is one. `pos` ends after the tag.
bool tag_href(std::string_view html, std::size_t& pos, std::string& href) {
  bool found = false;
  while (pos < html.size()) {
    while (pos < html.size() && (is_space(html[pos]) || html[pos] == '/'))
      ++pos;
    if (pos >= html.size() || html[pos] == '>')
      break;
    auto name_start = pos;
    while (pos < html.size() && !is_space(html[pos]) && html[pos] != '='
           && html[pos] != '>' && html[pos] != '/')
      ++pos;
    auto name = html.substr(name_start, pos - name_start);
    while (pos < html.size() && is_space(html[pos]))
      ++pos;
    if (pos >= html.size() || html[pos] != '=')
      continue; // an attribute without a value
    ++pos;
    while (pos < html.size() && is_space(html[pos]))
      ++pos;
    std::string_view value;
    if (pos < html.size() && (html[pos] == '"' || html[pos] == '\'')) {
      char quote = html[pos++];
      auto end = html.find(quote, pos);
      if (end == std::string_view::npos)
        end = html.size();
      value = html.substr(pos, end - pos);
      pos = end < html.size() ? end + 1 : end;
    } else {
      auto start = pos;
      while (pos < html.size() && !is_space(html[pos]) && html[pos] != '>')
        ++pos;
      value = html.substr(start, pos - start);
    }
    if (!found && iequals(name, "href")) {
      href = decode(value);
      found = true;
    }
  }
  if (pos < html.size())
    ++pos; // the '>'
  return found;
}

// Skips to after the end tag `</name`, case-insensitively.
std::size_t skip_raw_text(std::string_view html, std::size_t pos,
                          std::string_view name) {
  while ((pos = html.find("</", pos)) != std::string_view::npos) {
    pos += 2;
    if (iequals(html.substr(pos, name.size()), name))
      return pos + name.size();
  }
  return html.size();
}

} // namespace

std::vector<std::string> find_links(std::string_view html) {
  std::vector<std::string> links;
  std::size_t pos = 0;
  while ((pos = html.find('<', pos)) != std::string_view::npos) {
    ++pos;
    if (html.substr(pos).starts_with("!--")) {
      auto end = html.find("-->", pos + 3);
      pos = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    if (pos >= html.size()
        || !std::isalpha(static_cast<unsigned char>(html[pos])))
      continue; // an end tag, a declaration, or a lone '<'
    auto name_start = pos;
    while (pos < html.size() && !is_space(html[pos]) && html[pos] != '>'
           && html[pos] != '/')
      ++pos;
    auto name = html.substr(name_start, pos - name_start);
    std::string href;
    if (tag_href(html, pos, href))
      links.push_back(std::move(href));
    if (iequals(name, "script") || iequals(name, "style"))
      pos = skip_raw_text(html, pos, name);
  }
  return links;
}

} // namespace spider
