#pragma once

// Character classes over ASCII for the protocol code. Plain functions: the
// locale must not change what a URI or a header is. Internal to protocols/.

namespace gale::http::detail {

inline bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

/// 0-15 for a hex digit, else -1.
inline int hex_value(char c) noexcept {
  if (is_digit(c))
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

inline char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

} // namespace gale::http::detail
