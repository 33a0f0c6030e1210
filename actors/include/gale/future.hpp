#pragma once

#include "gale/detail/future_state.hpp"
#include "gale/detail/initiation_scope.hpp"
#include "gale/error.hpp"

#include <gale/io/detail/completion.hpp>
#include <gale/io/unhandled.hpp>

#include <asio/async_result.hpp>
#include <asio/system_executor.hpp>

#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace gale {

template <class T>
class future;

template <class T>
class promise;

namespace detail {
template <class T, class Get>
void settle(const promise<T>& out, Get&& get);
} // namespace detail

/// The result of an operation that may not have finished yet, as Tornado's
/// Future: wait for it (`get`), chain on it (`add_done_callback`, `then`),
/// or `co_await` it. Copies share one state; a result is set once, by its
/// `promise`. Failures are exceptions: `gale::error` for gale's errors.
template <class T>
class future {
public:
  using value_type = T;

  future() = default;

  bool valid() const noexcept { return state_ != nullptr; }

  /// True once a result or an exception is set (or it was cancelled).
  bool ready() const {
    std::lock_guard guard{state_->mutex};
    return state_->ready_locked();
  }

  /// Tornado's `Future.cancel`: a future not ready yet fails at once with
  /// `gale::error(errc::cancelled)`, its callbacks and waiters run, and
  /// true is returned; a ready one is left as it is (false). The
  /// operation behind it is not stopped (cancel that through its token's
  /// cancellation slot); what it sets later through its promise is
  /// dropped.
  bool cancel() const { return state_->cancel(state_); }

  /// True once `cancel()` succeeded.
  bool cancelled() const {
    std::lock_guard guard{state_->mutex};
    return state_->cancelled;
  }

  /// Blocks until ready; returns the value or throws the exception.
  T get() const {
    std::unique_lock guard{state_->mutex};
    state_->ready_cv.wait(guard, [&] { return state_->ready_locked(); });
    return result_locked();
  }

  /// As `get`, but throws `gale::error(errc::timed_out)` after `limit`. The
  /// operation itself goes on; a later `get` may still succeed.
  template <class Rep, class Period>
  T get(std::chrono::duration<Rep, Period> limit) const {
    std::unique_lock guard{state_->mutex};
    if (!state_->ready_cv.wait_for(guard, limit,
                                   [&] { return state_->ready_locked(); }))
      throw error{make_error_code(errc::timed_out), "gale::future::get"};
    return result_locked();
  }

  /// Calls `cb(*this)` once ready: at once on this thread if it already is,
  /// else on the thread that sets the result. An exception escaping `cb`
  /// is reported (`io::set_unhandled_handler`), not thrown.
  void add_done_callback(std::function<void(future)> cb) const {
    {
      std::lock_guard guard{state_->mutex};
      if (!state_->ready_locked()) {
        state_->callbacks.push_back(
          [cb =
             std::move(cb)](const std::shared_ptr<detail::future_state<T>>& s) {
            cb(future{s});
          });
        return;
      }
    }
    detail::future_state<T>::run_callback([&] { cb(*this); });
  }

  /// A future of `f(value)`. An exception of this future or of `f` passes
  /// to the new one. `f` runs where `add_done_callback` runs callbacks.
  template <class F>
  auto then(F f) const {
    using U = typename detail::continuation_result<F, T>::type;
    promise<U> next;
    auto result = next.get_future();
    add_done_callback([f = std::move(f), next](future self) mutable {
      detail::settle(next, [&]() -> U {
        if constexpr (std::is_void_v<T>) {
          self.get();
          return f();
        } else {
          return f(self.get());
        }
      });
    });
    return result;
  }

  /// Completes `token` when ready, through the token's executor: use it as
  /// `co_await f.async_wait(asio::use_awaitable)` in an Asio coroutine.
  /// Signature `void(std::exception_ptr, T)` (or `void(std::exception_ptr)`).
  template <class Token>
  auto async_wait(Token&& token) const {
    auto start = [self = *this](auto done) {
      // add_done_callback wants a copyable function.
      auto shared = std::make_shared<decltype(done)>(std::move(done));
      detail::initiation_scope scope; // ready now: posted, not run inside
      self.add_done_callback([shared](future f) {
        finish_wait(*shared, f, detail::initiation_scope::active());
      });
    };
    const asio::any_io_executor anywhere{asio::system_executor{}};
    if constexpr (std::is_void_v<T>)
      return io::detail::initiate<std::exception_ptr>(
        std::forward<Token>(token), anywhere, std::move(start));
    else
      return io::detail::initiate<std::exception_ptr, T>(
        std::forward<Token>(token), anywhere, std::move(start));
  }

  /// A future is awaited through `async_wait`, so that the coroutine
  /// resumes on its own executor rather than on whichever thread sets the
  /// result: `co_await f.async_wait(asio::use_awaitable)` in an Asio
  /// coroutine, `co_await f.async_wait(gale::on_actor(self))` in an actor
  /// coroutine. A bare `co_await f` does not compile.
  template <class Never = void>
  void operator co_await() const {
    static_assert(detail::dependent_false<Never>,
                  "co_await f.async_wait(asio::use_awaitable) in an Asio "
                  "coroutine, f.async_wait(gale::on_actor(self)) in an "
                  "actor coroutine");
  }

private:
  friend class promise<T>;

  template <class Completion>
  static void finish_wait(Completion& done, const future& f, bool initiating) {
    std::exception_ptr ep;
    detail::stored_t<T> v{};
    try {
      if constexpr (std::is_void_v<T>)
        f.get();
      else
        v = f.get();
    } catch (...) {
      ep = std::current_exception();
    }
    if constexpr (std::is_void_v<T>)
      done.complete_or_post(initiating, ep);
    else
      done.complete_or_post(initiating, ep, std::move(v));
  }

  explicit future(std::shared_ptr<detail::future_state<T>> s)
    : state_(std::move(s)) {}

  T result_locked() const {
    if (state_->exception)
      std::rethrow_exception(state_->exception);
    if constexpr (!std::is_void_v<T>)
      return *state_->value;
  }

  std::shared_ptr<detail::future_state<T>> state_;
};

/// The producing side of a `gale::future` (Tornado's `set_result` and
/// `set_exception`). Copies share one state. Each setter sets the outcome
/// unless the future was cancelled (Tornado's
/// `future_set_result_unless_cancelled`): then it drops it and returns
/// false, so a producer never has to check first. Setting a second
/// outcome throws `std::logic_error`.
template <class T>
class promise {
public:
  promise() : state_(std::make_shared<detail::future_state<T>>()) {}

  future<T> get_future() const { return future<T>{state_}; }

  template <class U = T, class = std::enable_if_t<!std::is_void_v<U>>>
  bool set_result(U value) const {
    return state_->complete([&] { state_->value.emplace(std::move(value)); },
                            state_);
  }

  template <class U = T, class = std::enable_if_t<std::is_void_v<U>>>
  bool set_result() const {
    return state_->complete([&] { state_->value.emplace(); }, state_);
  }

  bool set_exception(std::exception_ptr ep) const {
    return state_->complete([&] { state_->exception = std::move(ep); }, state_);
  }

  /// Fails the future with `gale::error(ec)`.
  bool set_error(std::error_code ec) const {
    return set_exception(std::make_exception_ptr(error{ec}));
  }

  /// True when its future was cancelled: work for it may stop.
  bool cancelled() const {
    std::lock_guard guard{state_->mutex};
    return state_->cancelled;
  }

private:
  template <class U>
  friend void chain_future(const future<U>&, const promise<U>&);
  std::shared_ptr<detail::future_state<T>> state_;
};

/// Completion token: the operation returns a `gale::future`.
struct use_future_t {};
inline constexpr use_future_t use_future{};

} // namespace gale

namespace gale::detail {

/// Sets `out` to what `get()` returns (nothing for `void`), or to the
/// exception it throws.
template <class T, class Get>
void settle(const promise<T>& out, Get&& get) {
  try {
    if constexpr (std::is_void_v<T>) {
      get();
      out.set_result();
    } else {
      out.set_result(get());
    }
  } catch (...) {
    out.set_exception(std::current_exception());
  }
}

/// The exception a failed operation raises: `gale::error`. Overloads found
/// by argument-dependent lookup raise a richer one for an error that came
/// with a value (an HTTP status error with its response).
template <class T>
std::exception_ptr failure_of(std::error_code ec, T&) {
  return std::make_exception_ptr(error{ec});
}

} // namespace gale::detail

namespace asio {

template <class T>
class async_result<gale::use_future_t, void(std::error_code, T)> {
public:
  using return_type = gale::future<T>;

  template <class Initiation, class... Args>
  static return_type initiate(Initiation&& init, gale::use_future_t,
                              Args&&... args) {
    gale::promise<T> p;
    auto f = p.get_future();
    std::move(init)(
      [p](std::error_code ec, T value) {
        using gale::detail::failure_of;
        if (ec)
          p.set_exception(failure_of(ec, value));
        else
          p.set_result(std::move(value));
      },
      std::forward<Args>(args)...);
    return f;
  }
};

template <>
class async_result<gale::use_future_t, void(std::error_code)> {
public:
  using return_type = gale::future<void>;

  template <class Initiation, class... Args>
  static return_type initiate(Initiation&& init, gale::use_future_t,
                              Args&&... args) {
    gale::promise<void> p;
    auto f = p.get_future();
    std::move(init)(
      [p](std::error_code ec) {
        if (ec)
          p.set_error(ec);
        else
          p.set_result();
      },
      std::forward<Args>(args)...);
    return f;
  }
};

// Operations that complete with an exception (run_in_executor, a future's
// async_wait): the future holds it as it is.
template <class T>
class async_result<gale::use_future_t, void(std::exception_ptr, T)> {
public:
  using return_type = gale::future<T>;

  template <class Initiation, class... Args>
  static return_type initiate(Initiation&& init, gale::use_future_t,
                              Args&&... args) {
    gale::promise<T> p;
    auto f = p.get_future();
    std::move(init)(
      [p](std::exception_ptr ep, T value) {
        if (ep)
          p.set_exception(std::move(ep));
        else
          p.set_result(std::move(value));
      },
      std::forward<Args>(args)...);
    return f;
  }
};

template <>
class async_result<gale::use_future_t, void(std::exception_ptr)> {
public:
  using return_type = gale::future<void>;

  template <class Initiation, class... Args>
  static return_type initiate(Initiation&& init, gale::use_future_t,
                              Args&&... args) {
    gale::promise<void> p;
    auto f = p.get_future();
    std::move(init)(
      [p](std::exception_ptr ep) {
        if (ep)
          p.set_exception(std::move(ep));
        else
          p.set_result();
      },
      std::forward<Args>(args)...);
    return f;
  }
};

} // namespace asio
