#pragma once

// What a gale::promise and its futures share, and the type helpers of
// gale/future.hpp.

#include "gale/error.hpp"

#include <gale/io/unhandled.hpp>

#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <variant>
#include <vector>

namespace gale {

namespace detail {

template <class T>
using stored_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

/// False, but only once `T` is known: a static_assert that fires only
/// where a template is used.
template <class T>
inline constexpr bool dependent_false = false;

template <class T>
struct wait_signature {
  using type = void(std::exception_ptr, T);
};

template <>
struct wait_signature<void> {
  using type = void(std::exception_ptr);
};

/// What `f` returns when given a `T` (nothing for `void`).
template <class F, class T>
struct continuation_result {
  using type = std::invoke_result_t<F, T>;
};

template <class F>
struct continuation_result<F, void> {
  using type = std::invoke_result_t<F>;
};

/// The state a promise and its futures share.
template <class T>
struct future_state {
  std::mutex mutex;
  std::condition_variable ready_cv;
  std::optional<stored_t<T>> value;
  std::exception_ptr exception;
  /// Given the state when it completes: a callback holding a future of its
  /// own state would keep a never-completed one alive for ever.
  std::vector<std::function<void(const std::shared_ptr<future_state>&)>>
    callbacks;

  bool cancelled = false;

  bool ready_locked() const {
    return value.has_value() || exception != nullptr;
  }

  /// Stores an outcome with `store` and runs the callbacks; false, nothing
  /// stored, on a cancelled state. A second outcome is a bug of the
  /// producer: `std::logic_error`.
  template <class F>
  bool complete(F&& store, const std::shared_ptr<future_state>& self) {
    decltype(callbacks) due;
    {
      std::lock_guard guard{mutex};
      if (cancelled)
        return false;
      if (ready_locked())
        throw std::logic_error("gale::promise: result already set");
      store();
      due.swap(callbacks);
    }
    ready_cv.notify_all();
    for (auto& cb : due)
      run_callback([&] { cb(self); });
    return true;
  }

  /// Fails a state that is not ready yet with `errc::cancelled`.
  bool cancel(const std::shared_ptr<future_state>& self) {
    decltype(callbacks) due;
    {
      std::lock_guard guard{mutex};
      if (ready_locked())
        return false;
      exception = std::make_exception_ptr(
        error{make_error_code(errc::cancelled), "gale::future::cancel"});
      cancelled = true;
      due.swap(callbacks);
    }
    ready_cv.notify_all();
    for (auto& cb : due)
      run_callback([&] { cb(self); });
    return true;
  }

  /// Runs a done-callback; its exception is reported, and the callbacks
  /// after it (and whoever set the result) go on.
  static void run_callback(const std::function<void()>& cb) noexcept {
    try {
      cb();
    } catch (...) {
      io::report_unhandled(std::current_exception(),
                           "a gale::future's done-callback");
    }
  }
};

} // namespace detail

} // namespace gale
