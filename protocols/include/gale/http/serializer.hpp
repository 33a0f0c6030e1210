#pragma once

#include "gale/http/message.hpp"

#include <string>
#include <string_view>
#include <system_error>

/// Serializing HTTP/1.1 messages into a buffer the caller owns. Every
/// function validates before it writes: on error `out` is left as it was,
/// so a header holding CR or LF (a response-splitting attempt) is refused
/// before any byte could be sent.
namespace gale::http {

/// Appends the request line and header section of `req`. Framing: a request
/// without Content-Length or Transfer-Encoding whose body is non-empty, or
/// whose method is POST, PUT or PATCH, gets a Content-Length. For a body
/// sent separately, set Content-Length or Transfer-Encoding yourself.
std::error_code serialize_head(const request& req, std::string& out);

/// Appends `req` whole: head and body (chunk-encoded when its
/// Transfer-Encoding ends in "chunked"). A Content-Length that differs from
/// the body is `content_length_mismatch`.
std::error_code serialize(const request& req, std::string& out);

/// Appends the status line and header section of `res`. A response that
/// may have a body and has no Content-Length or Transfer-Encoding gets a
/// Content-Length.
std::error_code serialize_head(const response& res, std::string& out);

/// Appends `res` whole. 1xx, 204 and 304 responses never carry a body.
std::error_code serialize(const response& res, std::string& out);

/// Appends one chunk of chunked transfer coding ("1a\r\n...\r\n"). An
/// empty `data` appends nothing: only `append_last_chunk` ends a body.
void append_chunk(std::string_view data, std::string& out);

/// Appends the last chunk and the trailer section ("0\r\n...\r\n").
std::error_code append_last_chunk(const fields& trailers, std::string& out);

} // namespace gale::http
