#pragma once

// Character classes of RFC 3986, section 2 and appendix A. Plain functions
// over ASCII: the locale must not change what a URI is. Internal to
// protocols/.

#include "ascii.hpp"

#include <cstddef>
#include <string_view>

namespace gale::http::detail {

inline bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

inline bool is_unreserved(char c) {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_'
         || c == '~';
}

inline bool is_sub_delim(char c) {
  return std::string_view{"!$&'()*+,;="}.find(c) != std::string_view::npos;
}

/// True when `s[i]` starts a valid "%HH" triplet.
inline bool pct_triplet_at(std::string_view s, std::size_t i) {
  return s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0
         && hex_value(s[i + 2]) >= 0;
}

} // namespace gale::http::detail
