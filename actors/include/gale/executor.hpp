#pragma once

#include "gale/detail/reply_slot.hpp"
#include "gale/error.hpp"

#include <gale/io/executor.hpp>

#include <caf/delegated.hpp>
#include <caf/make_message.hpp>

#include <memory>
#include <type_traits>
#include <utility>

/// Actors that answer a request with work run off their own thread.
namespace gale {

/// In a message handler: runs `f()` on `pool` and answers the current
/// request with what it returns, or with the error it throws
/// (`to_caf_error(exception)`: a `gale::error` keeps its code, any other
/// exception is `errc::actor_error` with its `what()`). Return what this
/// returns from the handler; the actor goes on handling messages meanwhile,
/// so a requester (`gale::ask`, `request(...).then`, a blocking call) waits
/// while the actor does not. The answer is sent from the pool's thread,
/// never touching the actor.
template <class Self, class F>
requires std::invocable<F&>
auto reply_in_executor(Self* self, const asio::any_io_executor& pool, F f) {
  using R = std::invoke_result_t<F&>;
  auto reply = std::make_shared<detail::reply_slot>(
    detail::reply_slot::for_current_message(self));
  if constexpr (std::is_void_v<R>)
    io::run_in_executor(pool, std::move(f), [reply](std::exception_ptr ep) {
      if (ep)
        reply->deliver(to_caf_error(std::move(ep)));
      else
        reply->deliver(caf::make_message());
    });
  else
    io::run_in_executor(pool, std::move(f),
                        [reply](std::exception_ptr ep, R value) {
                          if (ep)
                            reply->deliver(to_caf_error(std::move(ep)));
                          else
                            reply->deliver(caf::make_message(std::move(value)));
                        });
  return caf::delegated<R>{};
}

/// As above, on `io::default_pool()`.
template <class Self, class F>
requires std::invocable<F&>
auto reply_in_executor(Self* self, F f) {
  return reply_in_executor(
    self, asio::any_io_executor{io::default_pool().get_executor()},
    std::move(f));
}

} // namespace gale
