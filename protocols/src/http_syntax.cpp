// The grammar of HTTP/1.1's lines (RFC 9112): whole lines, and lines that
// have not ended yet, checked so that input that can no longer become
// valid fails at its first bad byte.

#include "http_syntax.hpp"

#include "ascii.hpp"

#include "gale/http/error.hpp"
#include "gale/http/fields.hpp"

#include <algorithm>

namespace gale::http::detail {

/// Visible ASCII, as a request target must be (RFC 9112 3.2).
bool is_target_char(char c) {
  auto byte = static_cast<unsigned char>(c);
  return byte > 0x20 && byte < 0x7F;
}

/// Text that may hold SP, HTAB, VCHAR and obs-text but no control.
bool is_text(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && c != '\t') || byte == 0x7F;
  });
}

/// "HTTP/1.x" as 10 or 11; anything else is an error.
std::error_code parse_version(std::string_view s, int& out) {
  if (s.size() != 8 || s.substr(0, 5) != "HTTP/" || !is_digit(s[5])
      || s[6] != '.' || !is_digit(s[7]))
    return errc::invalid_version;
  if (s[5] != '1')
    return errc::invalid_version;
  out = s[7] == '0' ? 10 : 11;
  return {};
}

/// Whether `v` can still become "HTTP/1.x" as more bytes arrive.
std::error_code version_prefix(std::string_view v) {
  static constexpr std::string_view shape = "HTTP/1.";
  if (v.size() > 8)
    return errc::invalid_version;
  for (std::size_t i = 0; i < v.size(); ++i) {
    bool ok = i < shape.size() ? v[i] == shape[i] : is_digit(v[i]);
    if (!ok)
      return errc::invalid_version;
  }
  return {};
}

std::error_code partial_request_line(std::string_view s) {
  auto sp1 = s.find(' ');
  auto method = s.substr(0, sp1);
  if (!std::all_of(method.begin(), method.end(), is_token_char) || sp1 == 0)
    return errc::invalid_method;
  if (sp1 == std::string_view::npos)
    return {};
  auto rest = s.substr(sp1 + 1);
  auto sp2 = rest.find(' ');
  auto target = rest.substr(0, sp2);
  if (!std::all_of(target.begin(), target.end(), is_target_char) || sp2 == 0)
    return errc::invalid_target;
  if (sp2 == std::string_view::npos)
    return {};
  return version_prefix(rest.substr(sp2 + 1));
}

std::error_code partial_status_line(std::string_view s) {
  auto sp = s.find(' ');
  if (auto ec = version_prefix(s.substr(0, sp)))
    return ec;
  if (sp == std::string_view::npos)
    return {};
  auto rest = s.substr(sp + 1);
  for (std::size_t i = 0; i < rest.size() && i < 3; ++i)
    if (!is_digit(rest[i]))
      return errc::invalid_status;
  if (rest.size() > 3 && rest[3] != ' ')
    return errc::invalid_status;
  if (rest.size() > 4 && !is_text(rest.substr(4)))
    return errc::invalid_start_line;
  return {};
}

std::error_code partial_field(std::string_view s) {
  if (s.empty())
    return {};
  if (s.front() == ' ' || s.front() == '\t')
    return errc::obs_fold;
  auto colon = s.find(':');
  auto name = s.substr(0, colon);
  if (!std::all_of(name.begin(), name.end(), is_token_char) || colon == 0)
    return errc::invalid_field_name;
  if (colon != std::string_view::npos && !is_text(s.substr(colon + 1)))
    return errc::invalid_field_value;
  return {};
}

/// chunk-ext (RFC 9112 7.1.1): every ';' followed by a name, every '='
/// by a token or a complete quoted string; optional whitespace (BWS) after
/// ';' and around '=', none between the size and the first ';'. With
/// `partial`, `ext` may stop anywhere a longer input could still be valid.
bool valid_chunk_ext(std::string_view ext, bool partial) {
  std::size_t i = 0;
  auto at_end = [&] { return i == ext.size(); };
  auto skip_bws = [&] {
    while (!at_end() && (ext[i] == ' ' || ext[i] == '\t'))
      ++i;
  };
  auto token_run = [&] {
    auto start = i;
    while (!at_end() && is_token_char(ext[i]))
      ++i;
    return i > start;
  };
  while (!at_end()) {
    if (ext[i++] != ';')
      return false;
    skip_bws();
    if (!token_run())
      return partial && at_end();
    skip_bws();
    if (at_end())
      return true;
    if (ext[i] != '=')
      continue;
    ++i;
    skip_bws();
    if (at_end())
      return partial;
    if (ext[i] == '"') {
      ++i;
      bool closed = false;
      while (!at_end() && !closed) {
        char c = ext[i++];
        if (c == '\\') {
          if (at_end())
            return partial;
          ++i;
        } else if (c == '"') {
          closed = true;
        } else if (!is_text(std::string_view{&c, 1})) {
          return false;
        }
      }
      if (!closed)
        return partial;
    } else if (!token_run()) {
      return false;
    }
    skip_bws();
  }
  return true;
}

std::error_code partial_chunk_line(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && hex_value(s[i]) >= 0)
    ++i;
  if (i == s.size())
    return {};
  if (i == 0 || !valid_chunk_ext(s.substr(i), true))
    return errc::invalid_chunk_size;
  return {};
}

} // namespace gale::http::detail
