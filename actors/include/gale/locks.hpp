#pragma once

#include "gale/error.hpp"

#include <gale/io/detail/completion.hpp>

#include <asio/system_executor.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <system_error>
#include <utility>

/// Tornado's tornado.locks for coroutines, threads, loops and actors alike:
/// `event`, `condition`, `semaphore`, `bounded_semaphore` and `lock`.
///
/// Each is thread-safe. An asynchronous wait (`async_wait`,
/// `async_acquire`) takes any completion token (a callback, `use_awaitable`,
/// `gale::use_future`, `gale::on_actor(self)`), an optional timeout
/// (`errc::timed_out`) and the token's cancellation slot
/// (`errc::cancelled`); a waiter that gives up leaves nothing behind.
/// Completions run through the token's executor, never inside the call
/// that completes them. Blocking forms with a limit are for threads that
/// are not loops. Waiters are served first come, first served. Destroying
/// one fails its waiters with `errc::cancelled`.
namespace gale {

namespace detail {
struct event_state;
struct condition_state;
struct semaphore_state;
using wait_duration = std::chrono::steady_clock::duration;
using wait_done = io::detail::completion<std::error_code>;
void start_wait(const std::shared_ptr<event_state>&, wait_duration, wait_done&);
void start_wait(const std::shared_ptr<condition_state>&, wait_duration,
                wait_done&);
} // namespace detail

/// A flag that coroutines wait for (Tornado's `Event`): set, every waiter
/// goes on, and so does every later one until it is cleared.
class event {
public:
  using duration = detail::wait_duration;

  event();
  event(const event&) = delete;
  event& operator=(const event&) = delete;
  ~event();

  bool is_set() const;
  /// Sets the flag and completes every waiter.
  void set();
  /// Clears the flag: later waits wait again.
  void clear();

  /// Completes once the flag is set (at once when it is), for at most
  /// `timeout` when given. Signature `void(std::error_code)`.
  template <class Token>
  auto async_wait(Token&& token) {
    return async_wait(duration::zero(), std::forward<Token>(token));
  }
  template <class Token>
  auto async_wait(duration timeout, Token&& token) {
    return io::detail::initiate<std::error_code>(
      std::forward<Token>(token), asio::system_executor{},
      [st = state_, timeout](auto done) {
        detail::start_wait(st, timeout, done);
      });
  }

  /// Blocks until the flag is set.
  void wait();
  /// Blocks up to `limit`; whether the flag was set.
  bool wait(duration limit);

private:
  std::shared_ptr<detail::event_state> state_;
};

/// Lets coroutines wait until notified (Tornado's `Condition`). It holds no
/// lock of its own: a wait counts from the call, and a notification wakes
/// only those waiting then.
class condition {
public:
  using duration = detail::wait_duration;

  condition();
  condition(const condition&) = delete;
  condition& operator=(const condition&) = delete;
  ~condition();

  /// Completes when notified, for at most `timeout` when given. Signature
  /// `void(std::error_code)`.
  template <class Token>
  auto async_wait(Token&& token) {
    return async_wait(duration::zero(), std::forward<Token>(token));
  }
  template <class Token>
  auto async_wait(duration timeout, Token&& token) {
    return io::detail::initiate<std::error_code>(
      std::forward<Token>(token), asio::system_executor{},
      [st = state_, timeout](auto done) {
        detail::start_wait(st, timeout, done);
      });
  }

  /// Blocks up to `limit`; whether it was notified.
  bool wait(duration limit);

  /// Wakes the `n` longest waiting.
  void notify(std::size_t n = 1);
  /// Wakes every waiter.
  void notify_all();

private:
  std::shared_ptr<detail::condition_state> state_;
};

/// A counter of permits (Tornado's `Semaphore`): acquiring takes one,
/// waiting while there is none; a `permit` gives it back when it goes.
class semaphore {
public:
  using duration = detail::wait_duration;

  /// One permit held: moved, not copied; released by `release()` or at
  /// destruction. An empty one (`!p`) holds none: what a wait that gave up
  /// or a `try_acquire` that found none returns.
  class permit {
  public:
    permit() = default;
    permit(permit&& other) noexcept : state_(std::move(other.state_)) {}
    permit& operator=(permit&& other) noexcept;
    ~permit() { release(); }
    /// Gives the permit back now; no-op when empty.
    void release() noexcept;
    explicit operator bool() const noexcept { return state_ != nullptr; }

  private:
    friend struct detail::semaphore_state;
    explicit permit(std::shared_ptr<detail::semaphore_state> s)
      : state_(std::move(s)) {}
    std::shared_ptr<detail::semaphore_state> state_;
  };

  explicit semaphore(std::size_t value = 1);
  semaphore(const semaphore&) = delete;
  semaphore& operator=(const semaphore&) = delete;
  ~semaphore();

  /// Completes with a permit, waiting while there is none (for at most
  /// `timeout` when given). Signature `void(std::error_code, permit)`; the
  /// permit is empty when it gave up. `co_await` returns the permit (keep
  /// it for as long as the work needs it: `auto p = co_await ...`) or
  /// throws the code as a `std::system_error` (`gale::error`, which is
  /// one, through `gale::on_actor` and `gale::use_future`).
  template <class Token>
  auto async_acquire(Token&& token) {
    return async_acquire(duration::zero(), std::forward<Token>(token));
  }
  template <class Token>
  auto async_acquire(duration timeout, Token&& token) {
    return io::detail::initiate<std::error_code, permit>(
      std::forward<Token>(token), asio::system_executor{},
      [st = state_, timeout](auto done) { start_acquire(st, timeout, done); });
  }

  /// A permit if one is free now, else an empty one.
  permit try_acquire();
  /// Blocks until a permit is free.
  permit acquire();
  /// Blocks up to `limit`; an empty permit when none came.
  permit acquire(duration limit);

  /// Adds one permit, handed to the longest waiting if any. A
  /// `bounded_semaphore` throws `std::logic_error` instead of going over
  /// its initial value.
  void release();

  /// The permits free now.
  std::size_t value() const;

protected:
  semaphore(std::size_t value, bool bounded);

private:
  using acquire_done = io::detail::completion<std::error_code, permit>;
  static void start_acquire(const std::shared_ptr<detail::semaphore_state>&,
                            duration, acquire_done&);
  std::shared_ptr<detail::semaphore_state> state_;
};

/// A semaphore that never holds more than its initial permits (Tornado's
/// `BoundedSemaphore`): `release()` past that throws `std::logic_error`.
class bounded_semaphore : public semaphore {
public:
  explicit bounded_semaphore(std::size_t value = 1) : semaphore(value, true) {}
};

/// Mutual exclusion for coroutines (Tornado's `Lock`): the `guard` that
/// `async_acquire` gives holds it until it goes (or `release()`). Not
/// recursive: a holder that acquires again waits for itself.
class lock {
public:
  using duration = detail::wait_duration;
  using guard = semaphore::permit;

  /// As `semaphore::async_acquire`: signature `void(std::error_code,
  /// guard)`.
  template <class Token>
  auto async_acquire(Token&& token) {
    return permits_.async_acquire(std::forward<Token>(token));
  }
  template <class Token>
  auto async_acquire(duration timeout, Token&& token) {
    return permits_.async_acquire(timeout, std::forward<Token>(token));
  }

  guard try_acquire() { return permits_.try_acquire(); }
  guard acquire() { return permits_.acquire(); }
  guard acquire(duration limit) { return permits_.acquire(limit); }

  /// Whether someone holds it now.
  bool locked() const { return permits_.value() == 0; }

private:
  bounded_semaphore permits_{1};
};

} // namespace gale
