#pragma once

#include "gale/io/timers.hpp"

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include <concepts>
#include <exception>
#include <optional>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

/// Tornado's gen.sleep, gen.moment and IOLoop.run_sync for Asio coroutines
/// (for actor coroutines: `gale/actor_sleep.hpp`).
namespace gale::io {

/// Suspends the calling coroutine for `duration` without blocking its
/// executor (Tornado's `gen.sleep`). Throws `std::system_error` with
/// `asio::error::operation_aborted` when the coroutine is cancelled
/// meanwhile (through the cancellation slot it was spawned with).
asio::awaitable<void> sleep(steady_clock::duration duration);

/// Resumes the calling coroutine once its executor has run what was ready
/// before (Tornado's `gen.moment`): a long computation on a loop can give
/// way to the others between its steps.
asio::awaitable<void> moment();

namespace detail {
/// Runs `context` until it is stopped or, for a positive `timeout`, that
/// long; a handler's exception is reported and the run goes on. True when
/// it was stopped (or ran out of work) in time.
bool run_context(asio::io_context& context, steady_clock::duration timeout);
[[noreturn]] void throw_run_sync_timeout();
} // namespace detail

/// Runs the coroutine `make()` returns to its end on a loop of its own, in
/// the calling thread, and returns its value or rethrows its exception
/// (Tornado's `IOLoop.run_sync`), so a small program's `main` is one line.
/// The loop ends with the coroutine: what it spawned and left running is
/// destroyed unfinished. With a positive `timeout`, a coroutine still
/// running then is destroyed there (locals' destructors run) and
/// `run_sync` throws `std::system_error` with `asio::error::timed_out`.
/// `R`, the coroutine's value type, must be default-constructible (Asio's
/// `co_spawn` asks it). An exception escaping another handler of that loop
/// is reported (`set_unhandled_handler`) and the loop goes on.
template <class F>
requires std::invocable<F&>
auto run_sync(F make, steady_clock::duration timeout = {}) {
  using awaitable = std::invoke_result_t<F&>;
  using R = typename awaitable::value_type;
  asio::io_context context{1};
  std::exception_ptr failure;
  std::optional<std::conditional_t<std::is_void_v<R>, std::monostate, R>> value;
  // Called as (exception) or (exception, value), as co_spawn completes.
  asio::co_spawn(context, make(), [&](std::exception_ptr e, auto... v) {
    failure = e;
    value.emplace(std::move(v)...);
    context.stop();
  });
  detail::run_context(context, timeout);
  if (!value) // not finished in time
    detail::throw_run_sync_timeout();
  if (failure)
    std::rethrow_exception(failure);
  if constexpr (!std::is_void_v<R>)
    return std::move(*value);
}

} // namespace gale::io
