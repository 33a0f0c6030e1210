#pragma once

#include <gale/io/detail/completion.hpp>
#include <gale/io/http_server.hpp>

#include <asio/async_result.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

namespace gale::io {

/// Sends a WebSocket message (text, or binary with `binary`) in any style
/// (a callback, `asio::use_future`, `asio::use_awaitable`, gale's tokens):
/// Tornado's write_message future. Completion: `void(std::error_code)` on
/// the token's associated executor (the connection's loop when it has
/// none), once the message left for the network or with the error
/// `websocket::send` names (`stream_errc::closed`, `buffer_full`). Wait
/// for it before the next send and a slow reader cannot make memory grow.
template <asio::completion_token_for<void(std::error_code)> Token>
auto async_send(websocket_ptr ws, std::string message, bool binary,
                Token&& token) {
  return detail::initiate<std::error_code>(
    std::forward<Token>(token), ws->executor(),
    [ws, message = std::move(message),
     binary](detail::completion<std::error_code> done) mutable {
      // `sent` may run inside `send` (a closed connection): the completion
      // is then posted, never run inside this initiation.
      auto pending =
        std::make_shared<detail::completion<std::error_code>>(std::move(done));
      auto initiating = std::make_shared<std::atomic<bool>>(true);
      ws->send(std::move(message), binary,
               [pending, initiating](std::error_code ec) {
                 if (initiating->load())
                   pending->complete_posted(ec);
                 else
                   pending->complete(ec);
               });
      initiating->store(false);
    });
}

} // namespace gale::io
