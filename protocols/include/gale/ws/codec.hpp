#pragma once

#include <array>
#include <memory>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

/// WebSocket (RFC 6455) framing without I/O: frames in, messages out, and
/// frames for messages to send.
namespace gale::ws {

enum class opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

/// Protocol violations a peer can commit; each maps to the close code the
/// connection is then closed with (`close_code_for`).
enum class errc {
  reserved_bits = 1,       ///< RSV1-3 set without an extension (1002)
  unknown_opcode,          ///< opcodes 3-7 and 11-15 (1002)
  fragmented_control,      ///< a control frame without FIN (1002)
  control_too_long,        ///< a control frame over 125 bytes (1002)
  unexpected_continuation, ///< a continuation with no message begun (1002)
  expected_continuation,   ///< a new data frame inside a fragmented one (1002)
  unmasked_frame,          ///< a client's frame without a mask (1002)
  masked_frame,            ///< a server's frame with a mask (1002)
  invalid_length,        ///< a non-minimal or 64-bit-overflowing length (1002)
  invalid_close_payload, ///< a close payload of 1 byte (1002)
  invalid_close_code,    ///< a close code no peer may send (1002)
  invalid_utf8,          ///< a text message or close reason (1007)
  message_too_big,       ///< over the reader's `max_message` (1009)
  // the client's opening handshake
  bad_upgrade,    ///< the answer is no WebSocket upgrade (or another protocol)
  invalid_accept, ///< Sec-WebSocket-Accept does not match the key sent
  invalid_compressed_data, ///< permessage-deflate data zlib rejects (1007)
};

const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

/// The close code for a protocol error: 1002, 1007 or 1009.
std::uint16_t close_code_for(std::error_code ec) noexcept;

/// True for the close codes a peer may send (RFC 6455 section 7.4).
bool is_valid_close_code(std::uint16_t code) noexcept;

/// Incremental UTF-8 validation (RFC 3629: no overlongs, no surrogates,
/// nothing above U+10FFFF), across pieces split anywhere.
class utf8_validator {
public:
  /// False as soon as the text seen so far cannot be UTF-8.
  bool feed(std::string_view bytes) noexcept;
  /// True when the text seen ends on a character boundary.
  bool complete() const noexcept { return needed_ == 0; }
  void reset() noexcept { *this = {}; }

private:
  int needed_ = 0;          // continuation bytes still expected
  std::uint8_t low_ = 0x80; // the range the next one must be in
  std::uint8_t high_ = 0xBF;
};

using masking_key = std::array<std::uint8_t, 4>;

/// Appends one frame. `mask` masks the payload (a client must, a server
/// must not). Control frames must have FIN and at most 125 bytes.
void append_frame(std::string& out, opcode op, std::string_view payload,
                  bool fin = true,
                  std::optional<masking_key> mask = std::nullopt,
                  bool rsv1 = false);

/// Appends a close frame with `code` and `reason` (truncated to fit 125).
void append_close(std::string& out, std::uint16_t code, std::string_view reason,
                  std::optional<masking_key> mask = std::nullopt);

/// What `reader::next` found.
enum class event {
  need_more, ///< feed more bytes
  message,   ///< a whole text or binary message: `type()`, `payload()`
  ping,      ///< `payload()` holds the ping's data
  pong,      ///< `payload()` holds the pong's data
  close,     ///< the peer closes: `close_code()` (1005: none), `close_reason()`
  error,     ///< `error()` says why; close with `close_code_for(error())`
};

/// Turns a byte stream into messages: unmasks, reassembles fragments
/// (control frames may come between them), validates text as UTF-8 and
/// enforces `max_message`. Feed it any split of the bytes.
class reader {
public:
  enum class role {
    server, ///< reads a client's frames: they must be masked
    client, ///< reads a server's frames: they must not be
    any,    ///< either (tests, tools)
  };

  explicit reader(role r, std::uint64_t max_message = 16 * 1024 * 1024)
    : role_(r), max_message_(max_message) {}

  void feed(std::string_view bytes) { buffer_.append(bytes); }

  /// Accept messages compressed with permessage-deflate (RSV1 on their
  /// first frame), once the handshake agreed on it.
  void enable_deflate();

  event next();

  opcode type() const noexcept { return type_; }
  std::string_view payload() const noexcept { return payload_; }
  std::uint16_t close_code() const noexcept { return close_code_; }
  std::string_view close_reason() const noexcept { return close_reason_; }
  std::error_code error() const noexcept { return error_; }

private:
  event fail(errc e);

  role role_;
  std::uint64_t max_message_;
  std::string buffer_;
  std::size_t pos_ = 0;
  std::string message_;     ///< fragments so far
  bool in_message_ = false; ///< a fragmented message has begun
  opcode message_type_ = opcode::text;
  utf8_validator utf8_;
  bool compressed_ = false; ///< the message being read is deflated
  std::shared_ptr<class message_inflater> inflater_;
  opcode type_ = opcode::text;
  std::string payload_;
  std::uint16_t close_code_ = 0;
  std::string close_reason_;
  std::error_code error_;
};

/// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key (RFC 6455 4.2.2).
std::string accept_key(std::string_view client_key);

} // namespace gale::ws

template <>
struct std::is_error_code_enum<gale::ws::errc> : std::true_type {};
