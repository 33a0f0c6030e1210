#pragma once

#include "gale/detail/local_http_client.hpp"
#include "gale/http_messages.hpp"
#include "gale/requester.hpp"

#include <gale/io/detail/completion.hpp>

#include <asio/async_result.hpp>
#include <asio/system_executor.hpp>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/node_id.hpp>
#include <caf/make_message.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace gale::http {

/// Fetches through an HTTP client actor (Tornado's AsyncHTTPClient): one
/// initiating function whose last argument, an Asio completion token,
/// picks the style.
///
/// ```
/// client.fetch(url, [](std::error_code ec, http::response r) { ... });
/// auto f = client.fetch(url, gale::use_future);
/// auto r = co_await client.fetch(url, asio::use_awaitable);
/// auto r = client.fetch(url, gale::use_blocking);
/// client.fetch(url, gale::to_actor(self, fetched_atom::value));
/// ```
///
/// Completion: `void(std::error_code, http::response)`. A non-2xx status
/// is `http::make_status_error(status)`, and the response still comes with
/// it where the style can carry both (callback, queue, to_actor); see
/// `io::http_request::raise_error`. Cancelling through the token's
/// cancellation slot stops the fetch on the loop (`errc::cancelled`),
/// whether it is in flight or still queued. Copies share one requester.
/// With an actor in another process, a request with callbacks (body
/// producer, header or streaming callbacks) fails with
/// `errc::invalid_argument`: they cannot cross.
class client {
public:
  client(caf::actor_system& sys, http_client_actor actor)
    : client(std::make_shared<requester>(sys), std::move(actor)) {}

  client(std::shared_ptr<requester> req, http_client_actor actor)
    : requester_(std::move(req)), actor_(std::move(actor)),
      local_(detail::local_http_client_of(actor_)) {}

  template <class Token>
  auto fetch(std::string url, Token&& token) const {
    io::http_request req;
    req.url = std::move(url);
    return fetch(std::move(req), std::forward<Token>(token));
  }

  template <class Token>
  auto fetch(io::http_request req, Token&& token) const {
    if (local_)
      return fetch_locally(std::move(req), std::forward<Token>(token));
    return fetch_by_message(std::move(req), std::forward<Token>(token));
  }

  const http_client_actor& actor() const noexcept { return actor_; }
  requester& get_requester() const noexcept { return *requester_; }

private:
  /// A fetch on a local actor's loop, started there directly: the same
  /// outcomes as through the actor, without a hop through a CAF worker.
  /// Before the actor's loop runs (or after it stopped) it goes the
  /// message way, which answers the same.
  template <class Token>
  auto fetch_locally(io::http_request req, Token&& token) const {
    return asio::async_initiate<Token, void(std::error_code, response)>(
      [self = *this](auto handler, io::http_request req) {
        {
          std::shared_lock lock{self.local_->mutex};
          if (self.local_->client) {
            self.local_->client->async_fetch(
              std::move(req),
              detail::local_completion<decltype(handler)>{std::move(handler)});
            return;
          }
        }
        self.fetch_by_message(std::move(req), std::move(handler));
      },
      token, std::move(req));
  }

  template <class Token>
  auto fetch_by_message(io::http_request req, Token&& token) const {
    auto dest = caf::actor_cast<caf::strong_actor_ptr>(actor_);
    if (dest && dest->node() != requester_->system().node()
        && has_callbacks(req))
      return refuse_callbacks(std::forward<Token>(token));
    auto id = requester_->next_op_id();
    return requester_->async_request_forwarding_cancel<response>(
      dest, caf::infinite, caf::make_message(fetch_atom_v, id, std::move(req)),
      [weak = std::weak_ptr<requester>{requester_}, dest, id] {
        if (auto r = weak.lock())
          r->tell(dest, caf::make_message(cancel_atom_v, id));
      },
      std::forward<Token>(token));
  }

  /// Callbacks cannot leave their process (they are not serialized): a
  /// request that needs them fails rather than losing its body or its
  /// stream on the way to a remote actor.
  static bool has_callbacks(const io::http_request& req) {
    return req.body_producer || req.header_callback
           || req.header_line_callback || req.streaming_callback
           || req.async_streaming_callback;
  }

  template <class Token>
  static auto refuse_callbacks(Token&& token) {
    return io::detail::initiate<std::error_code, response>(
      std::forward<Token>(token), asio::system_executor{}, [](auto done) {
        done.complete_posted(make_error_code(gale::errc::invalid_argument),
                             response{});
      });
  }

  // No requester deadline: the client enforces the request's own timeouts
  // on the loop, and a receiver that dies (or whose node is lost) fails its
  // requests with actor_down. A deadline here would cost a wake-up of
  // CAF's clock thread per fetch.
  std::shared_ptr<requester> requester_;
  http_client_actor actor_;
  std::shared_ptr<detail::local_http_client> local_;
};

} // namespace gale::http
