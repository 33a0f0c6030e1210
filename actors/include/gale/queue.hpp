#pragma once

#include "gale/result.hpp"

#include <gale/io/detail/completion.hpp>
#include <gale/io/detail/unique_function.hpp>

#include <asio/system_executor.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace gale {

/// A thread-safe FIFO that code outside the actor world drains: the
/// deliver-to-a-queue style. Producers `push`; consumers `pop` (blocking,
/// optionally with a time limit), `try_pop`, or `async_pop` with any Asio
/// token (`co_await q.async_pop(asio::use_awaitable)`).
template <class T>
class queue {
public:
  queue() = default;
  queue(const queue&) = delete;
  queue& operator=(const queue&) = delete;

  /// Appends `x`, or hands it straight to the oldest `async_pop` waiter.
  void push(T x) {
    io::detail::unique_function<void(T)> waiter;
    {
      std::lock_guard guard{mutex_};
      if (waiters_.empty()) {
        items_.push_back(std::move(x));
        nonempty_.notify_one();
        return;
      }
      waiter = std::move(waiters_.front());
      waiters_.pop_front();
    }
    waiter(std::move(x));
  }

  std::optional<T> try_pop() {
    std::lock_guard guard{mutex_};
    return take_locked();
  }

  /// Blocks until an element arrives.
  T pop() {
    std::unique_lock guard{mutex_};
    nonempty_.wait(guard, [&] { return !items_.empty(); });
    return *take_locked();
  }

  /// Blocks up to `limit`; empty when nothing arrived in time.
  template <class Rep, class Period>
  std::optional<T> pop(std::chrono::duration<Rep, Period> limit) {
    std::unique_lock guard{mutex_};
    if (!nonempty_.wait_for(guard, limit, [&] { return !items_.empty(); }))
      return std::nullopt;
    return take_locked();
  }

  std::size_t size() const {
    std::lock_guard guard{mutex_};
    return items_.size();
  }

  /// Completes `token` with the next element, through the token's executor.
  /// Signature: `void(T)`.
  template <class Token>
  auto async_pop(Token&& token) {
    return io::detail::initiate<T>(
      std::forward<Token>(token), asio::system_executor{}, [this](auto done) {
        std::unique_lock guard{mutex_};
        if (auto x = take_locked()) {
          guard.unlock();
          done.complete_posted(std::move(*x)); // not inside this call
          return;
        }
        waiters_.push_back([done = std::move(done)](T x) mutable {
          done.complete(std::move(x));
        });
      });
  }

private:
  std::optional<T> take_locked() {
    if (items_.empty())
      return std::nullopt;
    std::optional<T> x{std::move(items_.front())};
    items_.pop_front();
    return x;
  }

  mutable std::mutex mutex_;
  std::condition_variable nonempty_;
  std::deque<T> items_;
  std::deque<io::detail::unique_function<void(T)>> waiters_;
};

/// Completion token: the operation's outcome is pushed into `q` as a
/// `gale::result<R>`; the initiating function returns nothing.
template <class R>
struct to_queue_t {
  queue<result<R>>* target;
};

template <class R>
to_queue_t<R> to_queue(queue<result<R>>& q) {
  return {&q};
}

} // namespace gale

namespace asio {

template <class R>
class async_result<gale::to_queue_t<R>, void(std::error_code, R)> {
public:
  using return_type = void;

  template <class Initiation, class... Args>
  static void initiate(Initiation&& init, gale::to_queue_t<R> token,
                       Args&&... args) {
    std::move(init)(
      [q = token.target](std::error_code ec, R value) {
        if (ec)
          q->push(gale::result<R>{ec, std::move(value)});
        else
          q->push(gale::result<R>{std::move(value)});
      },
      std::forward<Args>(args)...);
  }
};

template <>
class async_result<gale::to_queue_t<void>, void(std::error_code)> {
public:
  using return_type = void;

  template <class Initiation, class... Args>
  static void initiate(Initiation&& init, gale::to_queue_t<void> token,
                       Args&&... args) {
    std::move(init)(
      [q = token.target](std::error_code ec) {
        if (ec)
          q->push(gale::result<void>{ec});
        else
          q->push(gale::result<void>{std::monostate{}});
      },
      std::forward<Args>(args)...);
  }
};

} // namespace asio
