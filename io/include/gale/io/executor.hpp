#pragma once

#include <gale/io/detail/completion.hpp>
#include <gale/io/unhandled.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/post.hpp>
#include <asio/thread_pool.hpp>

#include <concepts>

#include <exception>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

/// Work that would block a loop, run on threads of its own: Tornado's
/// `IOLoop.run_in_executor`.
namespace gale::io {

/// A pool of threads for blocking or CPU-heavy functions. Asio's own: its
/// destructor lets the functions under way finish and drops those not
/// started (their completions are destroyed unrun; `join()` first to run
/// them all).
using thread_pool = asio::thread_pool;

/// The process's pool for `run_in_executor` without one: a thread per core
/// (at least two), made on first use, joined at exit.
thread_pool& default_pool();

namespace detail {

/// Runs `f` and completes `done` with what it returned or threw.
template <class F, class Done>
void run_and_complete(F& f, Done& done) {
  using R = std::invoke_result_t<F&>;
  std::exception_ptr failure;
  if constexpr (std::is_void_v<R>) {
    try {
      f();
    } catch (...) {
      failure = std::current_exception();
    }
    done.complete(failure);
  } else {
    R value{};
    try {
      value = f();
    } catch (...) {
      failure = std::current_exception();
    }
    done.complete(failure, std::move(value));
  }
}

template <class F, class Token, class... Args>
auto run_in(const asio::any_io_executor& pool, F f, Token&& token,
            std::type_identity<void(Args...)>) {
  return detail::initiate<Args...>(
    std::forward<Token>(token), pool,
    [pool, f = std::move(f)](auto done) mutable {
      asio::post(pool, [f = std::move(f), done = std::move(done)]() mutable {
        run_and_complete(f, done);
      });
    });
}

template <class R>
struct executor_signature {
  using type = void(std::exception_ptr, R);
};
template <>
struct executor_signature<void> {
  using type = void(std::exception_ptr);
};

} // namespace detail

/// Runs `f()` on a thread of `pool` (any executor: a `thread_pool`'s, or
/// another loop's) and completes `token` with its outcome. Completion:
/// `void(std::exception_ptr, R)` where `R` is what `f` returns
/// (`void(std::exception_ptr)` for `void`): empty and the value, or what
/// `f` threw (and a default-constructed `R`, which `R` must allow). So
/// `co_await` returns the value or rethrows, `asio::use_future` and
/// `gale::use_future` give a future that does, and a callback sees both.
/// The completion runs on the token's executor (the coroutine's for
/// `use_awaitable`); a plain callback runs on the pool's thread unless it
/// is bound to another (`asio::bind_executor(loop.executor(), cb)`). The
/// function, once started, runs to its end: it cannot be cancelled.
template <class F, class Token>
requires std::invocable<F&>
auto run_in_executor(const asio::any_io_executor& pool, F f, Token&& token) {
  using R = std::invoke_result_t<F&>;
  return detail::run_in(
    pool, std::move(f), std::forward<Token>(token),
    std::type_identity<typename detail::executor_signature<R>::type>{});
}

/// As above, on `pool`.
template <class F, class Token>
requires std::invocable<F&>
auto run_in_executor(thread_pool& pool, F f, Token&& token) {
  return run_in_executor(asio::any_io_executor{pool.get_executor()},
                         std::move(f), std::forward<Token>(token));
}

/// As above, on `default_pool()`.
template <class F, class Token>
requires std::invocable<F&>
auto run_in_executor(F f, Token&& token) {
  return run_in_executor(default_pool(), std::move(f),
                         std::forward<Token>(token));
}

/// A whole handler off the loop: a callable that, called with any
/// arguments, runs `f` with copies of them on a thread of `pool` and
/// returns at once. As an HTTP server's handler,
/// `io::in_executor(pool, make_report)` runs `make_report(exchange)` on
/// the pool, whose answer is sent from there (an exchange may be answered
/// from any thread). An exception escaping `f` is reported
/// (`set_unhandled_handler`), and the pool goes on. `f` runs on several
/// pool threads at once when called faster than it finishes: it must be
/// safe for that.
template <class F>
auto in_executor(asio::any_io_executor pool, F f) {
  return [pool = std::move(pool),
          f = std::make_shared<const F>(std::move(f))](auto&&... args) {
    asio::post(pool, [f, ... args = std::decay_t<decltype(args)>(
                           std::forward<decltype(args)>(args))]() mutable {
      try {
        (*f)(std::move(args)...);
      } catch (...) {
        report_unhandled(std::current_exception(),
                         "a handler run in an executor");
      }
    });
  };
}

/// As above, on `pool`.
template <class F>
auto in_executor(thread_pool& pool, F f) {
  return in_executor(asio::any_io_executor{pool.get_executor()}, std::move(f));
}

} // namespace gale::io
