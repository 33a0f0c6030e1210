#pragma once

#include <system_error>

namespace gale::http {

/// Errors of the sans-I/O protocol code. Bad input gives one of these as a
/// value, never an exception.
enum class errc {
  invalid_url = 1,          ///< not an absolute URI (RFC 3986)
  invalid_scheme,           ///< the scheme has characters it may not have
  invalid_host,             ///< empty, malformed or bracketed host
  invalid_port,             ///< not digits, or above 65535
  invalid_character,        ///< a character no URI component may hold
  invalid_percent_encoding, ///< '%' not followed by two hex digits
};

/// The category of `gale::http::errc`; its name is "gale.http".
const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

} // namespace gale::http

template <>
struct std::is_error_code_enum<gale::http::errc> : std::true_type {};
