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

  /// Cancels the callback if it has not run yet; harmless after it ran.
  /// Safe from any thread. On the timer's own loop (from another callback)
  /// it takes effect at once: a callback that was due in the same pass of
  /// the loop does not run either. From another thread the cancellation is
  /// posted to the loop, so a callback already running or about to run
  /// there may still run once.
  void cancel() const;

  /// True when this handle refers to a scheduled callback.
  explicit operator bool() const noexcept { return state_ != nullptr; }

  struct state;

protected:
  explicit timer_handle(std::shared_ptr<state> s) : state_(std::move(s)) {}
  std::shared_ptr<state> state_;

private:
  friend timer_handle call_at(const asio::any_io_executor&,
                              steady_clock::time_point, std::function<void()>);
};

/// A periodic callback (Tornado's PeriodicCallback): `cancel()` or `stop()`
/// stops it, `start()` starts it again, one interval from then. Copies refer
/// to the same callback. Thread-safe, with `cancel()`'s rules for when a
/// stop takes effect.
class periodic_handle : public timer_handle {
public:
  periodic_handle() = default;

  /// As `cancel()`.
  void stop() const { cancel(); }

  /// Starts a stopped callback again: the next tick is one interval (with
  /// its jitter) from now. No-op while it runs.
  void start() const;

  /// True from `periodic()` or `start()` until `stop()` (or `cancel()`).
  bool is_running() const noexcept;

private:
  friend periodic_handle periodic(const asio::any_io_executor&,
                                  steady_clock::duration, std::function<void()>,
                                  double);
  using timer_handle::timer_handle;
};

/// Runs `callback` on the loop at `when` (Tornado's IOLoop.call_at).
timer_handle call_at(const asio::any_io_executor& ex,
                     steady_clock::time_point when,
                     std::function<void()> callback);

/// Runs `callback` on the loop after `delay` (Tornado's IOLoop.call_later).
timer_handle call_later(const asio::any_io_executor& ex,
                        steady_clock::duration delay,
                        std::function<void()> callback);

/// Runs `callback` every `interval` until stopped (Tornado's
/// PeriodicCallback). Ticks keep to the grid that starts one interval after
/// the call: when a callback overruns, or the loop falls behind, the ticks
/// missed are skipped as whole cycles rather than run in a burst. `jitter`
/// (0 to 1) varies each interval at random by up to `jitter / 2` of it,
/// either way, so that many periodic callbacks started together spread out.
/// Preconditions: `interval > 0`, `0 <= jitter <= 1` (else
/// `std::invalid_argument`).
periodic_handle periodic(const asio::any_io_executor& ex,
                         steady_clock::duration interval,
                         std::function<void()> callback, double jitter = 0);

} // namespace gale::io
