#pragma once

// The waiters of one of gale's locks: asynchronous ones (a completion) and
// blocked threads, in the order they came, all under the owner's mutex.

#include "gale/detail/waiters.hpp"

#include <chrono>
#include <condition_variable>
#include <list>
#include <memory>
#include <mutex>
#include <optional>

namespace gale::detail {

/// A thread blocked in a wait, woken through the owner's condition
/// variable once one of these is set.
struct blocked_thread {
  bool served = false; ///< notified, the event set, or a permit handed over
  bool gone = false;   ///< the owner was destroyed
};

template <class... Args>
struct lock_waiter : waiter<Args...> {
  blocked_thread* thread = nullptr; ///< a blocked thread; else `done` waits
};

template <class... Args>
class wait_list {
public:
  using entry = lock_waiter<Args...>;
  using list = std::list<entry>;
  using time_point = std::chrono::steady_clock::time_point;

  bool empty() const noexcept { return waiters_.empty(); }

  /// Adds an asynchronous waiter; `make_abandon(id)` gives what its
  /// timeout or cancellation calls (with the error), which must lock the
  /// owner and `remove(id)`. Lock held.
  template <class MakeAbandon>
  void add(io::detail::completion<Args...>& done,
           std::chrono::steady_clock::duration timeout,
           MakeAbandon make_abandon) {
    auto& w = waiters_.emplace_back();
    w.id = ++next_id_;
    w.done = std::move(done);
    watch(w, timeout, make_abandon(w.id));
  }

  /// Blocks the calling thread, which holds `guard`, until it is served,
  /// the owner goes, or `deadline` passes (none: no limit); whether it
  /// was served. A thread that gave up leaves no entry behind.
  bool block(std::unique_lock<std::mutex>& guard, std::condition_variable& cv,
             std::optional<time_point> deadline) {
    blocked_thread me;
    auto& w = waiters_.emplace_back();
    w.id = ++next_id_;
    w.thread = &me;
    auto id = w.id;
    auto woken = [&] { return me.served || me.gone; };
    if (deadline)
      cv.wait_until(guard, *deadline, woken);
    else
      cv.wait(guard, woken);
    if (!woken())
      unlink(waiters_, id);
    return me.served;
  }

  /// Serves up to `n` of the longest waiting and says how many: blocked
  /// threads are marked (notify the condition variable afterwards),
  /// asynchronous waiters moved to `out`, to complete once the lock is
  /// released. Lock held.
  std::size_t serve(std::size_t n, list& out) {
    std::size_t served = 0;
    for (; served < n && !waiters_.empty(); ++served) {
      if (auto* t = waiters_.front().thread) {
        t->served = true;
        waiters_.pop_front();
      } else {
        out.splice(out.end(), waiters_, waiters_.begin());
      }
    }
    return served;
  }

  /// The waiter `id`, in the list returned, when it still waits. Lock held.
  list remove(std::uint64_t id) { return unlink(waiters_, id); }

  /// Every waiter: blocked threads are marked gone, the asynchronous ones
  /// returned. Lock held.
  list close() {
    for (auto& w : waiters_)
      if (w.thread)
        w.thread->gone = true;
    waiters_.remove_if([](const entry& w) { return w.thread != nullptr; });
    return std::move(waiters_);
  }

private:
  list waiters_;
  std::uint64_t next_id_ = 0;
};

/// What `wait_list::add` wants for the waiters of `st` (a state with
/// `mutex` and `waiters`): a waiter's timeout or cancellation removes it,
/// if it still waits, and `fail(removed, why)` completes it after unlocking.
template <class State, class Fail>
auto abandoner(const std::shared_ptr<State>& st, Fail fail) {
  return [weak = std::weak_ptr{st}, fail](std::uint64_t id) {
    return [weak, fail, id](errc why) {
      auto s = weak.lock();
      if (!s)
        return;
      std::unique_lock guard{s->mutex};
      auto gone = s->waiters.remove(id);
      guard.unlock();
      fail(gone, why);
    };
  };
}

} // namespace gale::detail
