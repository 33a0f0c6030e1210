#pragma once

#include "gale/atoms.hpp"
#include "gale/queue.hpp"

#include <gale/io/http_server.hpp>

#include <asio/awaitable.hpp>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include <functional>
#include <mutex>
#include <set>
#include <string>

/// WebSocket connections handled by actors, and broadcast to many.
namespace gale::http {

using ws_open_atom = caf::atom_constant<caf::atom("ws_open")>;
using ws_message_atom = caf::atom_constant<caf::atom("ws_msg")>;
using ws_closed_atom = caf::atom_constant<caf::atom("ws_closed")>;

/// Handlers that turn a WebSocket connection into messages to an actor:
/// `(ws_open, socket)`, `(ws_msg, socket, text_or_bytes, binary)` and
/// `(ws_closed, socket, code, reason)`, where `socket` is the connection's
/// `io::websocket_ptr`; the actor answers through it
/// (`socket->send_text(...)`, thread-safe). The socket handle only works
/// in the server's process.
io::websocket_handlers to_actor(caf::actor handler);

/// As `to_actor`, with an actor of its own per connection: `spawn` makes
/// it when the connection opens (it then gets the messages above) and the
/// actor is sent an exit after `ws_closed`.
io::websocket_handlers
actor_per_connection(std::function<caf::actor(io::websocket_ptr)> spawn);

/// What a WebSocket coroutine receives: a message, or the end of the
/// connection (`closed`, with the peer's code and reason), after which
/// nothing more comes.
struct websocket_event {
  std::string message;
  bool binary = false;
  bool closed = false;
  std::uint16_t code = 0;
  std::string reason;
};

using websocket_inbox = queue<websocket_event>;

/// A coroutine per connection, on the connection's loop: `body(socket,
/// inbox)` starts when the connection opens and reads what arrives with
/// `co_await inbox->async_pop(asio::use_awaitable)`; it answers through
/// `socket`. Its exceptions close the connection with 1011. The inbox
/// holds at most `inbox_size` messages: while it is full the connection
/// reads nothing more (`websocket::pause_reading`), so a sender faster than
/// the coroutine waits instead of growing the server's memory; the
/// closing event always gets in.
io::websocket_handlers coroutine_per_connection(
  std::function<asio::awaitable<void>(io::websocket_ptr,
                                      std::shared_ptr<websocket_inbox>)>
    body,
  std::size_t inbox_size = 64);

/// A set of WebSocket connections to send to at once (a chat room).
/// Thread-safe; closed connections leave by themselves on the next send.
class websocket_group {
public:
  void add(io::websocket_ptr ws);
  void remove(const io::websocket_ptr& ws);
  std::size_t size() const;
  /// Sends `text` to every member; returns how many got it.
  std::size_t broadcast_text(const std::string& text);
  std::size_t broadcast_binary(const std::string& bytes);

private:
  template <class Send>
  std::size_t each(Send send);

  mutable std::mutex mutex_;
  std::set<io::websocket_ptr> members_;
};

} // namespace gale::http

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gale::io::websocket_ptr)
