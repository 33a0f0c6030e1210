#pragma once

// The WebSocket protocol as both ends speak it once the handshake is done:
// what to do with each event the reader finds (answer pings, echo a close,
// close with the right code on a violation) and the frames waiting to be
// written. The connection around it does the I/O; server and client share
// this.

#include <gale/io/http_server.hpp>
#include <gale/ws/codec.hpp>
#include <gale/ws/deflate.hpp>

#include <optional>
#include <random>
#include <string>

namespace gale::io::detail {

class ws_protocol {
public:
  /// `client`: frames we send are masked, frames we read must not be.
  ws_protocol(bool client, std::uint64_t max_message)
    : reader_(client ? ws::reader::role::client : ws::reader::role::server,
              max_message),
      client_(client) {
    if (client)
      rng_.emplace(std::random_device{}());
  }

  void feed(std::string_view bytes) { reader_.feed(bytes); }

  /// permessage-deflate was agreed on: data messages go both ways deflated.
  void enable_deflate() {
    reader_.enable_deflate();
    deflater_.emplace();
  }

  /// Hands complete messages to `handlers`; answers control frames. Stops
  /// when more bytes are needed (true: read on) or when nothing more may
  /// be read (false: a close arrived, or a violation). `alive()` says
  /// whether the connection survived a handler.
  template <class Alive>
  bool pump(const websocket_ptr& self, const websocket_handlers& handlers,
            Alive alive) {
    for (;;) {
      switch (reader_.next()) {
      case ws::event::need_more: return true;
      case ws::event::message:
        if (handlers.on_message)
          handlers.on_message(self, std::string{reader_.payload()},
                              reader_.type() == ws::opcode::binary);
        if (!alive())
          return false;
        break;
      case ws::event::ping: send(ws::opcode::pong, reader_.payload()); break;
      case ws::event::pong: awaiting_pong = false; break;
      case ws::event::close:
        close_received = true;
        code = reader_.close_code();
        reason = std::string{reader_.close_reason()};
        if (!close_sent) { // echo the code, as RFC 6455 5.5.1 asks
          if (code == 1005)
            append(ws::opcode::close, {});
          else
            close(code, {});
          close_sent = true;
        }
        return false;
      case ws::event::error:
        code = ws::close_code_for(reader_.error());
        reason = reader_.error().message();
        close(code, reason);
        close_received = true; // nothing more is read
        return false;
      }
    }
  }

  void send(ws::opcode op, std::string_view payload) {
    if (close_sent)
      return;
    if (deflater_ && (op == ws::opcode::text || op == ws::opcode::binary))
      append(op, deflater_->compress(payload), true);
    else
      append(op, payload);
  }

  /// Our close frame (once).
  void close(std::uint16_t c, std::string_view why) {
    if (close_sent)
      return;
    std::string payload;
    payload.push_back(static_cast<char>(c >> 8));
    payload.push_back(static_cast<char>(c & 0xFF));
    payload.append(why.substr(0, 123));
    append(ws::opcode::close, payload);
    close_sent = true;
  }

  /// Both closes went out and in: the connection may end.
  bool done() const noexcept {
    return close_sent && close_received && out.empty();
  }

  std::string out; ///< frames waiting to be written
  bool close_sent = false;
  bool close_received = false;
  bool awaiting_pong = false;
  std::uint16_t code = 1006; ///< what on_close reports
  std::string reason;

private:
  void append(ws::opcode op, std::string_view payload, bool rsv1 = false) {
    std::optional<ws::masking_key> mask;
    if (client_) {
      auto bits = (*rng_)();
      mask = ws::masking_key{static_cast<std::uint8_t>(bits),
                             static_cast<std::uint8_t>(bits >> 8),
                             static_cast<std::uint8_t>(bits >> 16),
                             static_cast<std::uint8_t>(bits >> 24)};
    }
    ws::append_frame(out, op, payload, true, mask, rsv1);
  }

  ws::reader reader_;
  bool client_;
  std::optional<std::mt19937> rng_; ///< masks: a client's only
  std::optional<ws::message_deflater> deflater_;
};

} // namespace gale::io::detail
