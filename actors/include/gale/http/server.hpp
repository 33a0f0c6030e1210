#pragma once

#include "gale/http_messages.hpp"
#include "gale/requester.hpp"

#include <gale/io/http_server.hpp>

#include <asio/async_result.hpp>
#include <asio/awaitable.hpp>
#include <asio/use_awaitable.hpp>

#include <caf/actor.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

/// The three ways to write an HTTP server's handler. Each gives an
/// `io::http_handler` for `io_client::serve`:
///
/// - a callback (`io::http_handler` itself): runs on the server's loop, the
///   fast path; it answers through the exchange, now or later;
/// - a coroutine on the loop (`from_coroutine`): `co_await` anything that
///   completes on the loop, `co_return` the response;
/// - an actor (`from_actor`): the request arrives as an `http::request`
///   message, the reply (`http::response` or `streamed_response`) is the
///   answer. The actor may be remote.
namespace gale::http {

/// A handler coroutine: it may stream through the exchange (`begin`,
/// `co_await async_write_piece`, `end`); otherwise its result is the answer.
using coroutine_handler =
  std::function<asio::awaitable<response>(io::exchange_ptr)>;

/// Runs `handler` as a coroutine on the server's loop for each request; an
/// exception becomes a 500.
io::http_handler from_coroutine(coroutine_handler handler);

/// Sends each request to `handler_actor` through `req` and answers with
/// its reply: 503 when the actor is down, 504 when it does not answer
/// within `timeout`, 500 for any other error.
io::http_handler from_actor(std::shared_ptr<requester> req,
                            caf::actor handler_actor,
                            std::chrono::milliseconds timeout);

/// Writes `pieces` one after another, each once the previous one left
/// (flow control), then ends the answer. `begin` must have been called.
void write_pieces(io::exchange_ptr x, std::vector<std::string> pieces);

/// Writes one piece of a streamed answer; resumes once it left.
inline asio::awaitable<void> async_write_piece(io::exchange_ptr x,
                                               std::string piece) {
  return asio::async_initiate<decltype(asio::use_awaitable), void()>(
    [x, piece = std::move(piece)](auto handler) mutable {
      auto h = std::make_shared<decltype(handler)>(std::move(handler));
      x->write(std::move(piece), [h] { std::move (*h)(); });
    },
    asio::use_awaitable);
}

/// A plain-text answer for `status` (its reason phrase as the body).
response status_page(int status);

} // namespace gale::http
