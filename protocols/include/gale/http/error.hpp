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
  invalid_method,           ///< the method is not a token
  invalid_target,           ///< empty, or holds spaces, controls or non-ASCII
  invalid_field_name,       ///< a header or trailer name is not a token
  invalid_field_value,      ///< a value holds CR, LF or another control
  invalid_status,           ///< a status code outside 100..999
  invalid_version,          ///< an HTTP version other than 1.0 and 1.1
  content_length_mismatch,  ///< Content-Length differs from the body size
};

/// The category of `gale::http::errc`; its name is "gale.http".
const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

} // namespace gale::http

template <>
struct std::is_error_code_enum<gale::http::errc> : std::true_type {};
