#pragma once

// The WebSocket protocol as both ends speak it once the handshake is done:
// protocols/'s session (frames, control frames, closing), and the
// handlers it feeds. The connection around it does the I/O; server and
// client share this.

#include <gale/io/http_server.hpp>
#include <gale/ws/session.hpp>

#include <string>

namespace gale::io::detail {

class ws_protocol : public ws::session {
public:
  /// `client`: frames we send are masked, frames we read must not be.
  ws_protocol(bool client, std::uint64_t max_message)
    : session(client ? role::client : role::server, max_message) {}

  /// Hands complete messages to `handlers`. Stops when more bytes are
  /// needed (true: read on) or when nothing more may be read (false: a
  /// close arrived, or a violation). `alive()` says whether the connection
  /// survived a handler; `on_pong()` runs for every pong, before its hook.
  template <class Alive, class OnPong>
  bool pump(const websocket_ptr& self, const websocket_handlers& handlers,
            Alive alive, OnPong on_pong) {
    for (;;) {
      switch (next()) {
      case ws::session_event::need_more: return true;
      case ws::session_event::message:
        if (handlers.on_message)
          handlers.on_message(self, std::string{payload()}, binary());
        if (!alive())
          return false;
        break;
      case ws::session_event::ping:
        if (handlers.on_ping)
          handlers.on_ping(self, std::string{payload()});
        if (!alive())
          return false;
        break;
      case ws::session_event::pong:
        on_pong();
        if (handlers.on_pong)
          handlers.on_pong(self, std::string{payload()});
        if (!alive())
          return false;
        break;
      case ws::session_event::closed: return false;
      }
    }
  }
};

} // namespace gale::io::detail
