#pragma once

#include "gale/io/detail/owning_handler.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <system_error>

namespace gale::io {

using steady_clock = std::chrono::steady_clock;

/// Waits `duration` on `ex` without blocking the loop. Completion signature
/// `void(std::error_code)`: success, or `asio::error::operation_aborted` when
/// cancelled through the token's cancellation slot.
template <class Token>
auto async_sleep(const asio::any_io_executor& ex,
                 steady_clock::duration duration, Token&& token) {
  return asio::async_initiate<Token, void(std::error_code)>(
    [ex, duration](auto handler) {
      auto timer = std::make_shared<asio::steady_timer>(ex, duration);
      auto& ref = *timer;
      ref.async_wait(
        detail::owning_handler<decltype(handler),
                               std::shared_ptr<asio::steady_timer>>{
          std::move(handler), std::move(timer)});
    },
    token);
}

/// A callback scheduled on a loop; lets its owner cancel it before it runs.
/// Copies refer to the same callback. Thread-safe.
class timer_handle {
public:
  timer_handle() = default;

  /// Cancels the callback if it has not run yet. Safe from any thread: the
  /// cancellation is posted to the timer's loop.
  void cancel() const;

  /// True when this handle refers to a scheduled callback.
  explicit operator bool() const noexcept { return state_ != nullptr; }

  struct state;

private:
  friend timer_handle call_at(const asio::any_io_executor&,
                              steady_clock::time_point, std::function<void()>);
  friend timer_handle periodic(const asio::any_io_executor&,
                               steady_clock::duration, std::function<void()>);
  explicit timer_handle(std::shared_ptr<state> s) : state_(std::move(s)) {}
  std::shared_ptr<state> state_;
};

/// Runs `callback` on the loop at `when` (Tornado's IOLoop.call_at).
timer_handle call_at(const asio::any_io_executor& ex,
                     steady_clock::time_point when,
                     std::function<void()> callback);

/// Runs `callback` on the loop after `delay` (Tornado's IOLoop.call_later).
timer_handle call_later(const asio::any_io_executor& ex,
                        steady_clock::duration delay,
                        std::function<void()> callback);

/// Runs `callback` every `interval` until cancelled (Tornado's
/// PeriodicCallback). When the loop falls behind, missed ticks are skipped
/// rather than run in a burst. Precondition: `interval > 0`.
timer_handle periodic(const asio::any_io_executor& ex,
                      steady_clock::duration interval,
                      std::function<void()> callback);

} // namespace gale::io
