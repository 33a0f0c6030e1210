#pragma once

#include "gale/http_messages.hpp"
#include "gale/requester.hpp"

#include <gale/io/detail/completion.hpp>
#include <gale/io/http_server.hpp>

#include <asio/async_result.hpp>
#include <asio/awaitable.hpp>
#include <asio/use_awaitable.hpp>

#include <caf/actor.hpp>

#include <atomic>
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
/// within `timeout`, 500 for any other error. A `streamed_response` with
/// `more` set goes on in rounds: the actor is asked for each next round
/// with `response_pieces_wanted` once the one before was written (no
/// deadline; `gone` when the client left). A request whose body is
/// streamed (`io::http_server_options::stream_request_body`) arrives as a
/// `streamed_request` and its body as `request_body_piece` requests (up
/// to 256 KiB each), each sent once the actor replied to the one before
/// (backpressure); the
/// timeout then runs from the body's end, and the server's body limits
/// apply.
io::http_handler from_actor(std::shared_ptr<requester> req,
                            caf::actor handler_actor,
                            std::chrono::milliseconds timeout);

/// Writes `pieces` one after another, each once the previous one left
/// (flow control), then ends the answer. `begin` must have been called.
void write_pieces(io::exchange_ptr x, std::vector<std::string> pieces);

/// Writes one piece of a streamed answer; completes once it left (flow
/// control), on the token's associated executor: a coroutine resumes where
/// it runs, not on the server's loop. Completion: `void()`.
template <class Token = asio::use_awaitable_t<>>
auto async_write_piece(io::exchange_ptr x, std::string piece,
                       Token&& token = {}) {
  return io::detail::initiate<>(
    std::forward<Token>(token), x->executor(),
    [x, piece = std::move(piece)](io::detail::completion<> done) mutable {
      // `written` may run inside `write` (the connection is gone, say):
      // then the completion is posted, not run inside this initiation.
      auto pending =
        std::make_shared<io::detail::completion<>>(std::move(done));
      auto initiating = std::make_shared<std::atomic<bool>>(true);
      x->write(std::move(piece), [pending, initiating] {
        if (initiating->load())
          pending->complete_posted();
        else
          pending->complete();
      });
      initiating->store(false);
    });
}

} // namespace gale::http
