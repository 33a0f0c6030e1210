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

/// Reads the next piece of a request's body in any style (a callback,
/// `asio::use_future`, `asio::use_awaitable`, gale's tokens): Tornado's
/// data_received, pulled. Completion: `void(std::error_code, std::string)`
/// on the token's associated executor (the server's loop when it has
/// none): the next piece, empty once the body is complete, or the error
/// `http_exchange::read_body` names. Nothing more of the body is read from
/// the client until the next call: a consumer that awaits its own work
/// before reading on bounds the server's memory.
template <asio::completion_token_for<void(std::error_code, std::string)> Token>
auto async_read_body(exchange_ptr x, Token&& token) {
  return detail::initiate<std::error_code, std::string>(
    std::forward<Token>(token), x->executor(),
    [x](detail::completion<std::error_code, std::string> done) mutable {
      // `got` may run inside `read_body` (bytes were buffered already):
      // the completion is then posted, never run inside this initiation.
      auto pending =
        std::make_shared<detail::completion<std::error_code, std::string>>(
          std::move(done));
      auto initiating = std::make_shared<std::atomic<bool>>(true);
      x->read_body(
        [pending, initiating](std::error_code ec, std::string piece) {
          pending->complete_or_post(initiating->load(), ec, std::move(piece));
        });
      initiating->store(false);
    });
}

} // namespace gale::io
