#pragma once

// Waiters of gale's queue and locks: each with its own id, so that a
// timeout or a cancellation removes exactly it and leaves no residue.

#include "gale/error.hpp"

#include <gale/io/detail/completion.hpp>

#include <asio/cancellation_type.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>

namespace gale::detail {

/// A waiter's timeout: a timer on the waiter's own executor, touched only
/// there once started (stopping it is posted).
using waiter_timer = std::shared_ptr<asio::steady_timer>;

inline void stop_timer(const waiter_timer& t) {
  if (t)
    asio::post(t->get_executor(), [t] { t->cancel(); });
}

template <class... Args>
struct waiter {
  std::uint64_t id = 0;
  io::detail::completion<Args...> done;
  waiter_timer timer;
};

/// Arms the waiter's cancellation slot and timeout (`timeout` zero: none);
/// either calls `abandon_it(errc::cancelled or errc::timed_out)`, which
/// must find the waiter by id (it may be gone). Called with the owner's
/// lock held, after the waiter joined its list.
template <class W, class Abandon>
void watch(W& w, std::chrono::steady_clock::duration timeout,
           Abandon abandon_it) {
  auto slot = w.done.cancellation_slot();
  if (slot.is_connected())
    slot.assign(
      [abandon_it](asio::cancellation_type) { abandon_it(errc::cancelled); });
  if (timeout <= timeout.zero())
    return;
  w.timer = std::make_shared<asio::steady_timer>(w.done.executor(), timeout);
  w.timer->async_wait([abandon_it](std::error_code ec) {
    if (!ec)
      abandon_it(errc::timed_out);
  });
}

/// Moves the waiter `id` from `list` into the list returned (empty when it
/// is gone already). Waiters move by splicing: they never move in memory.
template <class List>
List unlink(List& list, std::uint64_t id) {
  List gone;
  auto i = std::find_if(list.begin(), list.end(),
                        [id](const auto& w) { return w.id == id; });
  if (i != list.end())
    gone.splice(gone.end(), list, i);
  return gone;
}

} // namespace gale::detail
