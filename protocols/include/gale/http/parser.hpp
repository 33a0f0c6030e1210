#pragma once

#include "gale/http/error.hpp"
#include "gale/http/fields.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace gale::http {

/// Limits a parser enforces; each breach is an error of its own.
struct parser_limits {
  std::size_t max_start_line = 8 * 1024;
  std::size_t max_header_bytes = 64 * 1024; ///< the whole header section
  std::size_t max_fields = 128;
  std::uint64_t max_body = 8 * 1024 * 1024; ///< decoded body bytes

  /// Defaults for a server reading requests: bodies up to 1 MiB.
  static parser_limits for_requests() {
    parser_limits l;
    l.max_body = 1024 * 1024;
    return l;
  }

  /// Defaults for a client reading responses: bodies up to 8 MiB.
  static parser_limits for_responses() { return {}; }
};

/// What `parser::next` found.
enum class parser_event {
  need_more, ///< feed more bytes (or feed_eof)
  head,      ///< the start line and header section are complete
  body,      ///< `body()` holds the next piece of decoded body
  end,       ///< the message is complete; `trailers()` holds any trailers
  error,     ///< `error()` says why; close the connection
};

/// An incremental HTTP/1.1 parser for requests or responses (RFC 9112):
/// bytes in, events out, no I/O.
///
/// Theory of operation: `feed` appends bytes to an internal buffer; each
/// `next` consumes as much as one event needs and returns it, so any split
/// of the input gives the same events. A message is: `head`, zero or more
/// `body` pieces, `end`. Then the next message begins (keep-alive and
/// pipelining), unless the message ended the connection (`keep_alive()`
/// false: further bytes are an error) or switched protocols (`upgrade()`:
/// parsing stops and `remaining()` holds the bytes that follow, unparsed).
///
/// Framing follows RFC 9112 section 6.3: no body for responses to HEAD, for
/// 1xx, 204 and 304; chunked when Transfer-Encoding ends in chunked; else
/// Content-Length; else nothing for requests and "until the connection
/// closes" for responses. Strict where safety needs it: bare CR or LF,
/// obs-fold in requests (a response's folded header line is joined to the
/// field before it with one space, RFC 9112 5.2, except onto
/// Content-Length or Transfer-Encoding), invalid tokens, several
/// Content-Length fields, Content-Length with Transfer-Encoding, and
/// malformed chunk sizes are errors. After an error the parser stays in it.
class parser {
public:
  enum class role { request, response };

  /// A parser with its role's default limits (`for_requests`,
  /// `for_responses`).
  explicit parser(role r)
    : parser(r, r == role::request ? parser_limits::for_requests()
                                   : parser_limits::for_responses()) {}

  parser(role r, parser_limits limits);

  /// Appends bytes to parse.
  void feed(std::string_view bytes);

  /// The peer closed the connection: ends a body delimited by the close,
  /// and makes a message cut short an error (`truncated_message`).
  void feed_eof();

  /// Parses the next event out of the buffered bytes.
  parser_event next();

  /// For response parsers: the method of the request the next response
  /// answers (HEAD means no body; CONNECT with 2xx switches protocols).
  void set_request_method(std::string_view method) { request_method_ = method; }

  // -- the current message, valid from its head event on -------------------

  const std::string& method() const noexcept { return method_; }
  const std::string& target() const noexcept { return target_; }
  int status() const noexcept { return status_; }
  const std::string& reason() const noexcept { return reason_; }
  /// 11 for HTTP/1.1, 10 for HTTP/1.0.
  int version() const noexcept { return version_; }
  const fields& headers() const noexcept { return headers_; }
  const fields& trailers() const noexcept { return trailers_; }
  /// The body piece of the last `body` event; valid until the next call.
  std::string_view body() const noexcept { return body_; }
  /// Whether the connection may carry another message after this one.
  bool keep_alive() const noexcept { return keep_alive_; }
  /// Whether this message switches protocols (CONNECT, Upgrade, 101).
  bool upgrade() const noexcept { return upgrade_; }
  /// Whether the body is delimited by the connection's end.
  bool body_until_close() const noexcept {
    return state_ == state::until_close;
  }

  std::error_code error() const noexcept { return error_; }

  /// From the head event until the message's end: its body may hold at
  /// most `max` bytes instead of the limits' `max_body` (a server whose
  /// handler decides per request). A declared Content-Length above it is
  /// `body_too_large` at once, and the parser stays failed.
  std::error_code limit_body(std::uint64_t max);

  /// After an upgrade: the bytes that followed the message, unparsed.
  std::string_view remaining() const noexcept;

  /// Bytes consumed from everything fed so far.
  std::uint64_t consumed() const noexcept { return consumed_before_ + pos_; }

private:
  enum class state {
    start_line,
    fields,
    length,
    chunk_size,
    chunk_data,
    chunk_crlf,
    trailers,
    until_close,
    done,
    next_message,
    closed,
    upgraded,
    failed,
  };

  parser_event fail(std::error_code ec);
  /// The next line without its CRLF, or nullopt-like empty `found`.
  bool take_line(std::string_view& line, std::size_t limit,
                 std::error_code& ec);
  std::error_code partial_line_error(std::string_view partial) const;
  std::error_code check_framing_field(std::string_view name,
                                      std::string_view value);
  std::error_code parse_start_line(std::string_view line);
  std::error_code parse_field(std::string_view line, fields& into);
  /// Whether `line` continues the last response header (obs-fold).
  bool unfolds(std::string_view line) const noexcept;
  std::error_code decide_framing();
  parser_event finish_head();
  /// The event when `take_line` found no complete line: its error (a line
  /// over the limit reported as `too_long`), truncation at EOF (always
  /// inside a message, else only if bytes are pending), or need_more.
  parser_event no_line(std::error_code ec, errc too_long, bool mid_message);
  /// One line of a header or trailer section into `into`: an event to
  /// return, or nothing to go on (`ended` at the section's empty line).
  std::optional<parser_event> section_line(fields& into, bool& ended);
  parser_event take_body(std::uint64_t max);
  void start_message();
  bool is_interim_response() const noexcept;

  role role_;
  parser_limits limits_;
  std::string buffer_;
  std::size_t pos_ = 0;
  std::uint64_t consumed_before_ = 0;
  bool eof_ = false;
  state state_ = state::start_line;
  std::error_code error_;

  std::string method_;
  std::string target_;
  int status_ = 0;
  std::string reason_;
  int version_ = 11;
  fields headers_;
  fields trailers_;
  std::string_view body_;
  std::string request_method_;
  std::uint64_t remaining_ = 0;
  std::optional<std::uint64_t> content_length_;
  std::uint64_t body_bytes_ = 0;
  std::uint64_t body_limit_ = 0; ///< this message's; see limit_body
  std::size_t header_bytes_ = 0;
  bool keep_alive_ = true;
  bool upgrade_ = false;
};

} // namespace gale::http
