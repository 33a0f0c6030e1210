#pragma once

#include <exception>
#include <functional>
#include <string>

/// The safety net: what happens to an exception that user code lets escape
/// where nobody can catch it — a handler on a gale loop, a coroutine
/// spawned with `report_exceptions`, an HTTP or stream handler, a
/// `gale::future`'s done-callback, an actor coroutine. gale catches it,
/// hands it to the process's handler, and goes on: the loop serves its
/// next handler, the actor its next message.
namespace gale::io {

/// An exception gale caught, and where.
struct unhandled_exception {
  std::exception_ptr exception;
  /// What ran, in words: "a handler on a gale loop", "an HTTP handler for
  /// GET /x", "an actor coroutine", ...
  std::string where;
};

using unhandled_handler = std::function<void(const unhandled_exception&)>;

/// Replaces the process's handler and returns the one before; an empty
/// function restores the default, which logs the exception's `what()` and
/// `where` at level error on the application channel
/// (`gale::io::log`). The handler runs on the thread that caught the
/// exception; it may count, log elsewhere, or end the process
/// (`std::terminate`, `std::abort`). An exception it throws itself is
/// dropped. Set it once at start-up, before loops and actors run: like
/// `std::set_terminate`, it is the process's policy.
unhandled_handler set_unhandled_handler(unhandled_handler handler);

/// Hands `failure` to the process's handler (what gale itself calls; for
/// code of your own that catches on behalf of others, too). Never throws.
void report_unhandled(std::exception_ptr failure, std::string where) noexcept;

/// A completion handler for `asio::co_spawn` that reports an exception
/// escaping the coroutine, in place of `asio::detached`, which drops it:
/// `asio::co_spawn(loop.executor(), serve(), gale::io::report_exceptions);`
struct report_exceptions_t {
  void operator()(std::exception_ptr failure) const {
    if (failure)
      report_unhandled(failure, "a coroutine spawned on a loop");
  }
  template <class T>
  void operator()(std::exception_ptr failure, const T&) const {
    (*this)(failure);
  }
};
inline constexpr report_exceptions_t report_exceptions{};

} // namespace gale::io
