#pragma once

#include "gale/error.hpp"
#include "gale/future.hpp"

#include <gale/io/timers.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

/// Waiting for several futures at once: Tornado's gen.multi, its
/// quiet_exceptions variant, and with_timeout. (Asio coroutines have
/// Asio's own for awaitables: `asio::experimental::awaitable_operators`
/// and `make_parallel_group`.)
namespace gale {

namespace detail {

/// What the futures of one when_all share.
template <class T>
struct all_state {
  std::mutex mutex;
  std::vector<std::optional<stored_t<T>>> values;
  std::size_t remaining;
  bool decided = false;
  promise<std::vector<T>> out;

  explicit all_state(std::size_t n) : values(n), remaining(n) {}

  void arrived(std::size_t i, future<T>& f) {
    try {
      auto v = f.get();
      std::unique_lock guard{mutex};
      values[i].emplace(std::move(v));
      if (--remaining != 0 || std::exchange(decided, true))
        return;
      std::vector<T> all;
      all.reserve(values.size());
      for (auto& x : values)
        all.push_back(std::move(*x));
      guard.unlock();
      out.set_result(std::move(all));
    } catch (...) {
      std::unique_lock guard{mutex};
      if (std::exchange(decided, true))
        return; // the first error decided it already
      guard.unlock();
      out.set_exception(std::current_exception());
    }
  }
};

/// What the futures of one heterogeneous when_all share.
template <class... Ts>
struct tuple_state {
  std::mutex mutex;
  std::tuple<std::optional<stored_t<Ts>>...> values;
  std::size_t remaining = sizeof...(Ts);
  bool decided = false;
  promise<std::tuple<stored_t<Ts>...>> out;

  template <std::size_t I, class T>
  void arrived(future<T>& f) {
    try {
      stored_t<T> v{};
      if constexpr (std::is_void_v<T>)
        f.get();
      else
        v = f.get();
      std::unique_lock guard{mutex};
      std::get<I>(values).emplace(std::move(v));
      if (--remaining != 0 || std::exchange(decided, true))
        return;
      auto all = std::apply(
        [](auto&... x) { return std::tuple{std::move(*x)...}; }, values);
      guard.unlock();
      out.set_result(std::move(all));
    } catch (...) {
      std::unique_lock guard{mutex};
      if (std::exchange(decided, true))
        return;
      guard.unlock();
      out.set_exception(std::current_exception());
    }
  }
};

} // namespace detail

/// A future of every value, in the order of `futures`. The first failure
/// fails it with that exception (the others go on; their outcomes are
/// dropped). An empty list is ready at once.
template <class T>
requires(!std::is_void_v<T>) future<std::vector<T>> when_all(
  std::vector<future<T>> futures) {
  auto st = std::make_shared<detail::all_state<T>>(futures.size());
  auto result = st->out.get_future();
  if (futures.empty())
    st->out.set_result({});
  for (std::size_t i = 0; i < futures.size(); ++i)
    futures[i].add_done_callback([st, i](future<T> f) { st->arrived(i, f); });
  return result;
}

/// The heterogeneous form: `when_all(fa, fb)` of a `future<A>` and a
/// `future<B>` is a `future<std::tuple<A, B>>` (a `future<void>` gives
/// `std::monostate` in its place); the first failure fails it, as above.
template <class... Ts>
requires(sizeof...(Ts) > 0)
  future<std::tuple<detail::stored_t<Ts>...>> when_all(future<Ts>... futures) {
  auto st = std::make_shared<detail::tuple_state<Ts...>>();
  auto result = st->out.get_future();
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (futures.add_done_callback(
       [st](future<Ts> f) { st->template arrived<I>(f); }),
     ...);
  }
  (std::index_sequence_for<Ts...>{});
  return result;
}

/// The heterogeneous quiet form: ready once every one is, with the futures
/// themselves (each ready); it never fails.
template <class... Ts>
requires(sizeof...(Ts) > 0) future<std::tuple<future<Ts>...>> when_all_settled(
  future<Ts>... futures) {
  struct state {
    std::atomic<std::size_t> remaining{sizeof...(Ts)};
    std::tuple<future<Ts>...> all;
    promise<std::tuple<future<Ts>...>> out;
  };
  auto st = std::make_shared<state>();
  st->all = std::tuple{futures...};
  auto result = st->out.get_future();
  (futures.add_done_callback([st](const auto&) {
    if (st->remaining.fetch_sub(1, std::memory_order_acq_rel) == 1)
      st->out.set_result(st->all);
  }),
   ...);
  return result;
}

/// A future that is ready once every one of `futures` is, with them all
/// (each ready: its value or its exception): Tornado's multi with
/// quiet_exceptions. It never fails.
template <class T>
future<std::vector<future<T>>>
when_all_settled(std::vector<future<T>> futures) {
  struct state {
    std::mutex mutex;
    std::size_t remaining;
    std::vector<future<T>> all;
    promise<std::vector<future<T>>> out;
  };
  auto st = std::make_shared<state>();
  st->remaining = futures.size();
  st->all = futures;
  auto result = st->out.get_future();
  if (futures.empty())
    st->out.set_result({});
  for (auto& f : futures)
    f.add_done_callback([st](const future<T>&) {
      std::unique_lock guard{st->mutex};
      if (--st->remaining != 0)
        return;
      guard.unlock();
      st->out.set_result(st->all);
    });
  return result;
}

/// A future of the index of the first of `futures` to be ready (its
/// outcome is `futures[index].get()`); the others go on. Precondition:
/// `futures` is not empty (else `std::invalid_argument`).
template <class T>
future<std::size_t> when_any(const std::vector<future<T>>& futures) {
  if (futures.empty())
    throw std::invalid_argument("gale::when_any of no futures");
  struct state {
    std::once_flag first;
    promise<std::size_t> out;
  };
  auto st = std::make_shared<state>();
  auto result = st->out.get_future();
  for (std::size_t i = 0; i < futures.size(); ++i)
    futures[i].add_done_callback([st, i](const future<T>&) {
      std::call_once(st->first, [&] { st->out.set_result(i); });
    });
  return result;
}

/// What `with_timeout` does to the operation when the time is up.
enum class on_timeout {
  proceed, ///< it goes on, and its later outcome is dropped (Tornado's way)
  cancel,  ///< it is cancelled: `f.cancel()`, or its cancellation slot
};

namespace detail {

/// `f`'s outcome, or `timed_out` after `timeout`, when `expire()` runs.
template <class T, class Expire>
future<T> race_timer(const asio::any_io_executor& ex,
                     std::chrono::steady_clock::duration timeout, future<T> f,
                     Expire expire) {
  struct state {
    std::atomic<bool> decided{false};
    promise<T> out;
    io::timer_handle timer;
  };
  auto st = std::make_shared<state>();
  auto result = st->out.get_future();
  // The timer's callback holds the state weakly (the timer is the
  // state's): the state lives while `f`'s done-callback holds it.
  st->timer = io::call_later(
    ex, timeout,
    [weak = std::weak_ptr<state>(st), expire = std::move(expire)]() mutable {
      auto alive = weak.lock();
      if (!alive || alive->decided.exchange(true))
        return;
      // Stopped first: once the caller sees the timeout, the operation
      // has been cancelled (its own outcome, now, is dropped below).
      expire();
      alive->out.set_error(make_error_code(errc::timed_out));
    });
  f.add_done_callback([st](future<T> done) {
    if (st->decided.exchange(true))
      return;
    st->timer.cancel();
    detail::settle(st->out, [&] { return done.get(); });
  });
  return result;
}

} // namespace detail

/// A future of `f`'s outcome that fails with `gale::error(errc::timed_out)`
/// if `f` is not ready within `timeout`, without blocking: the timer runs
/// on `ex` (a loop's executor). By default, as Tornado's with_timeout, `f`
/// itself goes on and a later outcome is dropped; with
/// `on_timeout::cancel`, `f.cancel()` is called then (which stops only the
/// future: to stop the operation, use the form below).
template <class T>
future<T> with_timeout(const asio::any_io_executor& ex,
                       std::chrono::steady_clock::duration timeout, future<T> f,
                       on_timeout action = on_timeout::proceed) {
  return detail::race_timer(ex, timeout, f, [f, action] {
    if (action == on_timeout::cancel)
      f.cancel();
  });
}

/// The operation form: `start(token)` starts the operation with the
/// token it is given (a `gale::use_future` bound to a cancellation slot)
/// and returns its future, e.g. `[&](auto token) { return
/// q.async_pop(token); }`. With `on_timeout::cancel`, the time being up
/// emits `asio::cancellation_type::terminal` on that slot, from `ex`'s
/// thread, so that the operation stops and, say, a queue wait takes no
/// later item: give the operation's own loop as `ex` (gale's queue and
/// locks accept it from any thread). The future fails with `timed_out`.
template <class Start>
auto with_timeout(const asio::any_io_executor& ex,
                  std::chrono::steady_clock::duration timeout, Start start,
                  on_timeout action)
  -> decltype(start(asio::bind_cancellation_slot(
    std::declval<asio::cancellation_slot>(), use_future))) {
  auto signal = std::make_shared<asio::cancellation_signal>();
  auto f = start(asio::bind_cancellation_slot(signal->slot(), use_future));
  // The slot lives in the signal: it must outlast the operation.
  f.add_done_callback([signal](const auto&) {});
  return detail::race_timer(ex, timeout, f, [signal, action] {
    if (action == on_timeout::cancel)
      signal->emit(asio::cancellation_type::terminal);
  });
}

} // namespace gale
