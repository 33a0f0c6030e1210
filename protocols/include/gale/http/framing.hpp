#pragma once

#include "gale/http/fields.hpp"

#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>

namespace gale::http {

/// How a message's body is delimited (RFC 9112 section 6.3).
enum class body_framing {
  none,        ///< no body at all
  length,      ///< `length` bytes (Content-Length)
  chunked,     ///< chunked transfer coding, then trailers
  until_close, ///< a response whose body ends with the connection
};

/// The framing of one message, and what it means for the connection.
struct framing {
  body_framing body = body_framing::none;
  std::uint64_t length = 0; ///< for `length`
  bool keep_alive = true;   ///< another message may follow on the connection
  bool upgrade = false;     ///< the message switches protocols
};

/// What the framing decision looks at: a message's head.
struct message_head {
  bool is_request = true;
  std::string_view method; ///< requests
  int status = 0;          ///< responses
  int version = 11;        ///< 10 or 11
  const fields& headers;
  std::string_view request_method; ///< responses: the request's method
  std::optional<std::uint64_t> content_length; ///< parsed, if present
};

/// Decides the framing of `head`, a pure function of it (h11's
/// `_body_framing`): no body for CONNECT requests and for responses to
/// HEAD, 1xx, 204, 304 and successful CONNECT; chunked when
/// Transfer-Encoding ends in a single chunked. A request whose final coding
/// is not chunked, or that applies chunked twice, is
/// `errc::invalid_transfer_encoding` (answered 400); one with another
/// coding before the final chunked is `errc::unsupported_transfer_coding`
/// (501: the server decodes chunked alone); a response without a final
/// chunked lasts until the close. Else Content-Length (over `max_body`:
/// `errc::body_too_large`); else nothing for requests and until the close
/// for responses.
std::error_code decide_framing(const message_head& head, std::uint64_t max_body,
                               framing& out);

} // namespace gale::http
