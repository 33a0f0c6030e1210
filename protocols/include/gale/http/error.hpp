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
  // parsing HTTP/1.1 (RFC 9112)
  invalid_start_line,         ///< a request or status line of the wrong shape
  invalid_line_ending,        ///< a bare CR, or LF without CR
  obs_fold,                   ///< a header line continued by whitespace
  invalid_content_length,     ///< not a decimal number, or too large
  conflicting_content_length, ///< several Content-Length fields
  content_length_with_transfer_encoding, ///< both framings: smuggling shape
  /// a request whose last coding is not chunked, or chunked twice (400)
  invalid_transfer_encoding,
  invalid_chunk_size,       ///< chunk size not hex, overflowing, or padded
  invalid_chunk_framing,    ///< chunk data not followed by CRLF
  start_line_too_long,      ///< above parser_limits::max_start_line
  header_section_too_large, ///< above parser_limits::max_header_bytes
  too_many_fields,          ///< above parser_limits::max_fields
  body_too_large,           ///< above parser_limits::max_body
  data_after_close,         ///< bytes after a message that ends the connection
  truncated_message,        ///< the input ended inside a message
  // content coding
  invalid_compressed_data,   ///< gzip or deflate data zlib cannot decode
  decompressed_too_large,    ///< the decoded body exceeds its limit (bomb)
  truncated_compressed_data, ///< the body ended inside the compressed stream
  // the client (io/)
  unsupported_scheme, ///< a URL whose scheme is neither http nor https
  connect_timeout,    ///< no connection within connect_timeout
  request_timeout,    ///< no complete response within request_timeout
  queue_timeout,      ///< still queued behind max_clients at the deadline
  too_many_redirects, ///< more redirects than max_redirects
  connection_closed,  ///< the server closed before the response began
  proxy_refused,      ///< the proxy answered CONNECT with a non-2xx status
  client_closed,      ///< the client shut down while the fetch was pending
  /// a request with a transfer coding before its final chunked (501)
  unsupported_transfer_coding,
  /// an https body delimited by the close ended without TLS close_notify
  tls_truncated,
  /// an HTTP/1.1 request without a Host field, with several, or with an
  /// invalid one (400)
  invalid_host_field,
};

/// The category of `gale::http::errc`; its name is "gale.http".
const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

/// The status a server answers a malformed request with, before it closes
/// the connection: 413 for a body over the limit, 431 for a header section
/// over it (or too many fields), 414 for a start line over it, 501 for a
/// transfer coding before the final chunked (`unsupported_transfer_coding`:
/// the server decodes chunked alone), 400 for anything else (a final coding
/// that is not chunked included).
int status_for(std::error_code parse_error) noexcept;

/// The category of "the server answered with a non-2xx status" errors; an
/// error's value is the status code itself, its message "HTTP 404 Not
/// Found". Its name is "gale.http.status".
const std::error_category& status_category() noexcept;

/// The error a response with `status` raises (see `status_category`).
inline std::error_code make_status_error(int status) noexcept {
  return {status, status_category()};
}

} // namespace gale::http

template <>
struct std::is_error_code_enum<gale::http::errc> : std::true_type {};
