#pragma once

#include "gale/error.hpp"
#include "gale/future.hpp"

#include <gale/io/timers.hpp>

#include <asio/any_io_executor.hpp>

#include <chrono>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
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

/// A future of `f`'s outcome that fails with `gale::error(errc::timed_out)`
/// if `f` is not ready within `timeout`, without blocking: the timer runs
/// on `ex` (a loop's executor). As Tornado's with_timeout, `f` itself goes
/// on; a later outcome is dropped.
template <class T>
future<T> with_timeout(const asio::any_io_executor& ex,
                       std::chrono::steady_clock::duration timeout,
                       future<T> f) {
  struct state {
    std::once_flag first;
    promise<T> out;
    io::timer_handle timer;
  };
  auto st = std::make_shared<state>();
  auto result = st->out.get_future();
  st->timer = io::call_later(ex, timeout, [st] {
    std::call_once(
      st->first, [&] { st->out.set_error(make_error_code(errc::timed_out)); });
  });
  f.add_done_callback([st](future<T> done) {
    std::call_once(st->first, [&] {
      st->timer.cancel();
      try {
        if constexpr (std::is_void_v<T>) {
          done.get();
          st->out.set_result();
        } else {
          st->out.set_result(done.get());
        }
      } catch (...) {
        st->out.set_exception(std::current_exception());
      }
    });
  });
  return result;
}

} // namespace gale
