#pragma once

#include "gale/error.hpp"
#include "gale/http_messages.hpp"

#include <gale/http/error.hpp>
#include <gale/io/http_client.hpp>

#include <asio/associated_cancellation_slot.hpp>
#include <asio/associated_executor.hpp>

#include <memory>
#include <shared_mutex>
#include <utility>

namespace gale::detail {

/// The way into a local I/O actor's HTTP client without a message: for
/// `http::client` in the same process, which then starts fetches on the
/// loop directly (no hop through a CAF worker) with the same outcomes.
/// `client` is null until the actor's loop runs and after it stopped; the
/// actor clears it under the exclusive lock before tearing the loop down.
struct local_http_client {
  std::shared_mutex mutex;
  io::http_client* client = nullptr;
};

/// The local way into `actor`'s HTTP client, or null for a remote actor.
std::shared_ptr<local_http_client>
local_http_client_of(const http_client_actor& actor);

/// Wraps a completion handler of a direct fetch: gives the io/ layer's
/// codes the actor layer's meaning (cancelled, actor_down), as a reply
/// from the actor would.
template <class Handler>
struct local_completion {
  Handler handler;

  void operator()(std::error_code ec, http::response res) {
    if (ec == asio::error::operation_aborted)
      ec = errc::cancelled;
    else if (ec == http::errc::client_closed)
      ec = errc::actor_down;
    std::move(handler)(ec, std::move(res));
  }
};

} // namespace gale::detail

namespace asio {

template <class Handler, class Executor>
struct associated_executor<gale::detail::local_completion<Handler>, Executor> {
  using type = associated_executor_t<Handler, Executor>;
  static type get(const gale::detail::local_completion<Handler>& h,
                  const Executor& ex = Executor()) noexcept {
    return get_associated_executor(h.handler, ex);
  }
};

template <class Handler, class Slot>
struct associated_cancellation_slot<gale::detail::local_completion<Handler>,
                                    Slot> {
  using type = associated_cancellation_slot_t<Handler, Slot>;
  static type get(const gale::detail::local_completion<Handler>& h,
                  const Slot& s = Slot()) noexcept {
    return get_associated_cancellation_slot(h.handler, s);
  }
};

} // namespace asio
