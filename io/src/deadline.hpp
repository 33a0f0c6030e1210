#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <utility>

namespace gale::io::detail {

/// A steady timer for one deadline at a time. Cancelling in Asio cannot
/// recall an expiry whose handler is already queued; the generation count
/// makes such a late handler a no-op. The wait refers to this object:
/// `on_expiry` must keep its owner alive.
class deadline {
public:
  explicit deadline(const asio::any_io_executor& ex) : timer_(ex) {}

  template <class F>
  void arm(std::chrono::milliseconds after, F on_expiry) {
    auto generation = ++generation_;
    timer_.expires_after(after);
    timer_.async_wait(
      [this, generation, on_expiry = std::move(on_expiry)](auto ec) mutable {
        if (!ec && generation == generation_)
          on_expiry();
      });
  }

  void cancel() {
    ++generation_;
    timer_.cancel();
  }

private:
  asio::steady_timer timer_;
  unsigned generation_ = 0;
};

/// A deadline that moves with every request of a connection. Moving it, or
/// disarming it, costs no timer operation: the timer wakes at the time it
/// was set for, finds the deadline moved, and sleeps on to it. Only a
/// deadline earlier than the pending wake-up restarts the timer.
class moving_deadline {
public:
  using clock = std::chrono::steady_clock;

  explicit moving_deadline(const asio::any_io_executor& ex) : timer_(ex) {}

  /// What runs once the deadline passes. It must keep its owner alive: a
  /// pending wait holds a copy (the owner's `stop` ends the cycle).
  void set_action(std::function<void()> action) { action_ = std::move(action); }

  void arm(std::chrono::milliseconds after) {
    due_ = clock::now() + after;
    if (action_ && (!waiting_ || due_ < wakes_at_))
      wait(due_);
  }

  void disarm() noexcept { due_ = never; }

  /// Ends the wait and drops the action.
  void stop() {
    due_ = never;
    action_ = nullptr;
    waiting_ = false;
    ++generation_;
    timer_.cancel();
  }

private:
  static constexpr clock::time_point never = clock::time_point::max();

  void wait(clock::time_point at) {
    waiting_ = true;
    wakes_at_ = at;
    auto generation = ++generation_;
    timer_.expires_at(at);
    timer_.async_wait([this, generation, keep = action_](std::error_code ec) {
      if (ec || generation != generation_)
        return;
      waiting_ = false;
      if (due_ == never)
        return;
      if (clock::now() < due_)
        return wait(due_);
      due_ = never;
      keep();
    });
  }

  asio::steady_timer timer_;
  std::function<void()> action_;
  clock::time_point due_ = never;
  clock::time_point wakes_at_{};
  unsigned generation_ = 0;
  bool waiting_ = false;
};

} // namespace gale::io::detail
