#pragma once

#include <gale/io/detail/completion.hpp>
#include <gale/io/http_server.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <system_error>

namespace gale::io {

/// A message as `websocket_reader` gives it.
struct websocket_message {
  std::string data;
  bool binary = false;
};

/// A WebSocket read message by message, Tornado's
/// WebSocketClientConnection.read_message: pass `handlers()` to
/// `async_connect_websocket` (or to `http_exchange::accept_websocket`), then
/// await `async_read_message` in any style.
///
/// ```
/// auto reader = std::make_shared<gale::io::websocket_reader>(ex);
/// auto ws = co_await gale::io::async_connect_websocket(
///   ex, url, {}, reader->handlers(), asio::use_awaitable);
/// auto m = co_await reader->async_read_message(asio::use_awaitable);
/// ```
///
/// At most `capacity` messages wait unread: beyond, the connection pauses
/// reading (`websocket::pause_reading`) until one is read, so a fast
/// sender cannot grow memory. Make it with `std::make_shared`; the
/// handlers hold it weakly.
class websocket_reader : public std::enable_shared_from_this<websocket_reader> {
public:
  /// `ex`: the loop the connection runs on (the one given to
  /// `async_connect_websocket`).
  explicit websocket_reader(asio::any_io_executor ex,
                            std::size_t capacity = 16);

  /// The handlers that feed this reader (`on_open`, `on_message`,
  /// `on_close`).
  websocket_handlers handlers();

  /// The next message, in arrival order. Completion: `void(std::error_code,
  /// websocket_message)` on the token's associated executor: the message;
  /// once the connection has ended and every message was read,
  /// `stream_errc::closed` (the socket's `close_code()` and
  /// `close_reason()` say how it ended); `stream_errc::already_reading`
  /// when another read waits. Thread-safe.
  template <
    asio::completion_token_for<void(std::error_code, websocket_message)> Token>
  auto async_read_message(Token&& token) {
    return detail::initiate<std::error_code, websocket_message>(
      std::forward<Token>(token), ex_,
      [self = shared_from_this()](
        detail::completion<std::error_code, websocket_message> done) {
        self->start_read(std::move(done));
      });
  }

  /// The connection, once open (null before). Read it on the loop.
  const websocket_ptr& socket() const noexcept { return ws_; }
  /// Messages received and not read yet (at most `capacity`). On the loop.
  std::size_t unread() const noexcept { return unread_.size(); }

private:
  void start_read(detail::completion<std::error_code, websocket_message> done);
  void on_message(websocket_message m);
  void on_close();

  asio::any_io_executor ex_;
  std::size_t capacity_;
  websocket_ptr ws_;
  std::deque<websocket_message> unread_;
  detail::completion<std::error_code, websocket_message> waiting_;
  bool paused_ = false;
  bool closed_ = false;
};

} // namespace gale::io
