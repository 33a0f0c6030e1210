#include "gale/http/url.hpp"

#include "ascii.hpp"
#include "uri_chars.hpp"

#include "gale/http/error.hpp"

#include <algorithm>

namespace gale::http {

namespace {

using detail::hex_value;
using detail::is_alpha;
using detail::is_digit;
using detail::is_sub_delim;
using detail::is_unreserved;
using detail::lower;
using detail::pct_triplet_at;

/// Checks that `s` holds only pct-encoded triplets and characters for which
/// `allowed` holds.
template <class Pred>
std::error_code check_chars(std::string_view s, Pred allowed) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (!pct_triplet_at(s, i))
        return errc::invalid_percent_encoding;
      i += 2;
    } else if (!allowed(s[i])) {
      return errc::invalid_character;
    }
  }
  return {};
}

bool is_pchar(char c) {
  return is_unreserved(c) || is_sub_delim(c) || c == ':' || c == '@';
}

bool valid_ipv4(std::string_view s) {
  int octets = 0;
  std::size_t i = 0;
  while (true) {
    std::size_t start = i;
    int value = 0;
    while (i < s.size() && is_digit(s[i]) && i - start < 3)
      value = value * 10 + (s[i++] - '0');
    auto len = i - start;
    if (len == 0 || value > 255 || (len > 1 && s[start] == '0'))
      return false;
    ++octets;
    if (i == s.size())
      return octets == 4;
    if (s[i] != '.' || octets == 4)
      return false;
    ++i;
  }
}

bool valid_ipv6(std::string_view s) {
  if (s.empty())
    return false;
  int groups = 0;
  bool compressed = false;
  std::size_t i = 0;
  if (s.substr(0, 2) == "::") {
    compressed = true;
    i = 2;
  } else if (s[0] == ':') {
    return false;
  }
  while (i < s.size()) {
    std::size_t j = i;
    while (j < s.size() && hex_value(s[j]) >= 0)
      ++j;
    if (j < s.size() && s[j] == '.') { // a trailing dotted IPv4 address
      if (!valid_ipv4(s.substr(i)))
        return false;
      groups += 2;
      break;
    }
    if (j == i || j - i > 4)
      return false;
    ++groups;
    i = j;
    if (i == s.size())
      break;
    if (s[i] != ':')
      return false;
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (compressed)
        return false;
      compressed = true;
      ++i;
    } else if (i == s.size()) {
      return false; // a single trailing colon
    }
  }
  return compressed ? groups < 8 : groups == 8;
}

bool requires_host(std::string_view scheme) {
  return scheme == "http" || scheme == "https" || scheme == "ws"
         || scheme == "wss";
}

std::error_code parse_port(std::string_view s,
                           std::optional<std::uint16_t>& out) {
  if (s.empty()) {
    out.reset(); // "host:" means the default port
    return {};
  }
  unsigned long value = 0;
  for (char c : s) {
    if (!is_digit(c))
      return errc::invalid_port;
    value = value * 10 + static_cast<unsigned long>(c - '0');
    if (value > 65535)
      return errc::invalid_port;
  }
  out = static_cast<std::uint16_t>(value);
  return {};
}

std::error_code parse_authority(std::string_view a, url& out) {
  if (auto at = a.rfind('@'); at != std::string_view::npos) {
    auto info = a.substr(0, at);
    if (auto ec = check_chars(info, [](char c) {
          return is_unreserved(c) || is_sub_delim(c) || c == ':';
        }))
      return ec;
    out.userinfo = std::string{info};
    a.remove_prefix(at + 1);
  }
  std::string_view host;
  std::string_view port;
  bool has_port = false;
  if (!a.empty() && a.front() == '[') {
    auto close = a.find(']');
    if (close == std::string_view::npos)
      return errc::invalid_host;
    host = a.substr(1, close - 1);
    if (!valid_ipv6(host))
      return errc::invalid_host;
    out.host_is_ipv6 = true;
    auto rest = a.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':')
        return errc::invalid_host;
      port = rest.substr(1);
      has_port = true;
    }
  } else {
    auto colon = a.rfind(':');
    host = a.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = a.substr(colon + 1);
      has_port = true;
    }
    if (auto ec = check_chars(
          host, [](char c) { return is_unreserved(c) || is_sub_delim(c); }))
      return ec == errc::invalid_character ? make_error_code(errc::invalid_host)
                                           : ec;
  }
  out.host.resize(host.size());
  std::transform(host.begin(), host.end(), out.host.begin(), lower);
  if (out.host.empty() && requires_host(out.scheme))
    return errc::invalid_host;
  if (has_port)
    return parse_port(port, out.port);
  return {};
}

} // namespace

std::uint16_t url::effective_port() const noexcept {
  if (port)
    return *port;
  if (scheme == "http" || scheme == "ws")
    return 80;
  if (scheme == "https" || scheme == "wss")
    return 443;
  return 0;
}

std::string url::authority() const {
  // Appended piece by piece: g++ 12 at -O3 reports a false -Wrestrict for
  // "[" + host + "]".
  std::string out;
  out.reserve(host.size() + 8);
  if (host_is_ipv6)
    out.push_back('[');
  out.append(host);
  if (host_is_ipv6)
    out.push_back(']');
  if (port) {
    out.push_back(':');
    out.append(std::to_string(*port));
  }
  return out;
}

std::string url::target() const {
  std::string out = path.empty() ? "/" : path;
  if (query)
    out += "?" + *query;
  return out;
}

std::string url::to_string() const {
  std::string out = scheme + ":";
  if (has_authority) {
    out += "//";
    if (!userinfo.empty())
      out += userinfo + "@";
    out += authority();
  }
  out += path;
  if (query)
    out += "?" + *query;
  if (fragment)
    out += "#" + *fragment;
  return out;
}

std::error_code parse_url(std::string_view text, url& out) {
  out = url{};
  // scheme ":"
  auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0)
    return errc::invalid_url;
  auto scheme = text.substr(0, colon);
  if (!is_alpha(scheme.front()))
    return errc::invalid_scheme;
  for (char c : scheme)
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.')
      return errc::invalid_scheme;
  out.scheme.resize(scheme.size());
  std::transform(scheme.begin(), scheme.end(), out.scheme.begin(), lower);
  auto rest = text.substr(colon + 1);
  // "//" authority
  if (rest.substr(0, 2) == "//") {
    rest.remove_prefix(2);
    auto end = rest.find_first_of("/?#");
    out.has_authority = true;
    if (auto ec = parse_authority(rest.substr(0, end), out))
      return ec;
    rest =
      end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  } else if (requires_host(out.scheme)) {
    return errc::invalid_host;
  }
  // path, "?" query, "#" fragment: each split off the end in turn
  auto query_char = [](char c) { return is_pchar(c) || c == '/' || c == '?'; };
  for (auto [mark, part] :
       {std::pair{'#', &out.fragment}, std::pair{'?', &out.query}}) {
    auto at = rest.find(mark);
    if (at == std::string_view::npos)
      continue;
    auto text = rest.substr(at + 1);
    if (auto ec = check_chars(text, query_char))
      return ec;
    *part = std::string{text};
    rest = rest.substr(0, at);
  }
  if (auto ec =
        check_chars(rest, [](char c) { return is_pchar(c) || c == '/'; }))
    return ec;
  out.path = std::string{rest};
  return {};
}

} // namespace gale::http
