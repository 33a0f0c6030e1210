#pragma once

#include "gale/ws/codec.hpp"
#include "gale/ws/deflate.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace gale::ws {

/// What `session::next` found.
enum class session_event {
  need_more, ///< feed more bytes
  message,   ///< a whole message: `payload()`, `binary()`
  ping,      ///< a ping, already answered: `payload()`
  pong,      ///< a pong (`awaiting_pong` cleared): `payload()`
  closed,    ///< the peer closed, or broke the protocol: `code`, `reason`
};

/// One end of an open WebSocket (RFC 6455 sections 5 to 7) without I/O:
/// bytes in, messages out, and the frames to send in `out`.
///
/// Theory of operation: `feed` hands over what arrived; each `next` reads
/// frames until a whole message, a ping or pong (reported for the owner's
/// hooks), the end, or the need for more bytes. The session answers
/// control frames itself: a ping gets its pong, a close
/// gets the same code back (RFC 6455 5.5.1), and a protocol violation
/// closes with the code it calls for (1002, 1007, 1009). `send` and
/// `close` append frames to `out`, masked with fresh random keys on the
/// client side (RFC 6455 10.3: OpenSSL's generator, not a seeded PRNG) and
/// deflated once permessage-deflate is on. The connection writes `out`
/// and ends once `done()`.
class session {
public:
  enum class role { client, server };

  session(role r, std::uint64_t max_message);

  void feed(std::string_view bytes) { reader_.feed(bytes); }

  /// permessage-deflate was agreed on: data messages go both ways deflated.
  void enable_deflate();

  session_event next();

  /// The message of the last `message` event, or the payload of the last
  /// `ping` or `pong`; valid until the next call.
  std::string_view payload() const noexcept { return reader_.payload(); }
  bool binary() const noexcept { return reader_.type() == opcode::binary; }

  /// Queues a data or control frame (nothing once our close went out).
  void send(opcode op, std::string_view payload);

  /// Queues a ping with `payload`; false (nothing queued) for a payload
  /// over 125 bytes, which RFC 6455 5.5 forbids, or once our close went out.
  bool ping(std::string_view payload);

  /// Queues our close frame (once); the reason is cut to fit 123 bytes.
  void close(std::uint16_t code, std::string_view reason);

  /// Both closes went out and in, and nothing is left to write.
  bool done() const noexcept {
    return close_sent && close_received && out.empty();
  }

  std::string out; ///< frames waiting to be written
  bool close_sent = false;
  bool close_received = false;
  bool awaiting_pong = false; ///< set by the owner's pings
  std::uint16_t code = 1006;  ///< what the end reports (1006: no close frame)
  std::string reason;

private:
  void append(opcode op, std::string_view payload, bool rsv1 = false);
  masking_key next_mask();

  reader reader_;
  bool client_;
  std::optional<message_deflater> deflater_;
  /// Client only: random bytes for masking keys, refilled in batches.
  struct key_pool {
    std::array<std::uint8_t, 256> bytes;
    std::size_t used = 256;
  };
  std::unique_ptr<key_pool> keys_;
};

} // namespace gale::ws
