#pragma once

#include "gale/http_messages.hpp"
#include "gale/requester.hpp"

#include <caf/actor_cast.hpp>
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
class client {
public:
  client(caf::actor_system& sys, http_client_actor actor)
    : client(std::make_shared<requester>(sys), std::move(actor)) {}

  client(std::shared_ptr<requester> req, http_client_actor actor)
    : requester_(std::move(req)), actor_(std::move(actor)) {}

  template <class Token>
  auto fetch(std::string url, Token&& token) const {
    io::http_request req;
    req.url = std::move(url);
    return fetch(std::move(req), std::forward<Token>(token));
  }

  template <class Token>
  auto fetch(io::http_request req, Token&& token) const {
    auto dest = caf::actor_cast<caf::strong_actor_ptr>(actor_);
    auto id = requester_->next_op_id();
    auto wait = deadline(req);
    return requester_->async_request_forwarding_cancel<response>(
      dest, wait, caf::make_message(fetch_atom_v, id, std::move(req)),
      [weak = std::weak_ptr<requester>{requester_}, dest, id] {
        if (auto r = weak.lock())
          r->tell(dest, caf::make_message(cancel_atom_v, id));
      },
      std::forward<Token>(token));
  }

  const http_client_actor& actor() const noexcept { return actor_; }
  requester& get_requester() const noexcept { return *requester_; }

private:
  /// The client enforces the request's own timeouts on the loop; the
  /// requester waits a little longer, so that it only fires when the actor
  /// cannot answer at all.
  static gale::timeout deadline(const io::http_request& r) {
    using std::chrono::milliseconds;
    if (r.request_timeout <= milliseconds::zero())
      return caf::infinite;
    auto queued = r.connect_timeout > milliseconds::zero()
                    ? std::min(r.connect_timeout, r.request_timeout)
                    : r.request_timeout;
    return queued + r.request_timeout + std::chrono::seconds{5};
  }

  std::shared_ptr<requester> requester_;
  http_client_actor actor_;
};

} // namespace gale::http
