#pragma once

#include "gale/detail/queue_state.hpp"
#include "gale/result.hpp"

#include <gale/io/detail/completion.hpp>

#include <asio/async_result.hpp>
#include <asio/system_executor.hpp>

#include <chrono>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>

namespace gale {

/// A thread-safe queue, Tornado's `tornado.queues.Queue` for threads,
/// loops and actors alike: the deliver-to-a-queue style, and the
/// producer-consumer tool of coroutines.
///
/// `maxsize` bounds it (0: no bound): `async_push` then waits while it is
/// full (backpressure), `push` fails with `errc::queue_full`. `async_pop`
/// waits while it is empty. Both waits take a timeout (`errc::timed_out`)
/// and the token's cancellation slot (`errc::cancelled`); a waiter that
/// gives up leaves nothing behind. Blocking forms (`pop`, `push(x,
/// limit)`, `join`) are for threads that are not loops. `task_done` and
/// `join` count items as Tornado's do. `Order` is `fifo`, `lifo` or
/// `priority<Compare>` (smallest first). Completions run through the
/// token's executor, never inside the call that completes them.
/// Destroying the queue fails its waiters with `errc::cancelled`.
template <class T, class Order = fifo>
class queue {
  using state = detail::queue_state<T, Order>;
  using duration = std::chrono::steady_clock::duration;

public:
  explicit queue(std::size_t maxsize = 0)
    : state_(std::make_shared<state>(maxsize)) {}
  queue(const queue&) = delete;
  queue& operator=(const queue&) = delete;
  ~queue() { state_->close(); }

  /// Puts `x` without waiting: to the oldest `async_pop` waiter, else among
  /// the items. Throws `gale::error(errc::queue_full)` when full (Tornado's
  /// put_nowait).
  void push(T x) {
    if (!put_now(state_, x))
      throw error{make_error_code(errc::queue_full), "gale::queue::push"};
  }

  /// Blocks while full, for at most `limit`; false when no room came.
  template <class Rep, class Period>
  bool push(T x, std::chrono::duration<Rep, Period> limit) {
    std::list<typename state::getter> handed;
    {
      std::unique_lock guard{state_->mutex};
      bool room = state_->nonfull.wait_for(guard, limit, [&] {
        return !state_->getters.empty() || !state_->full_locked();
      });
      if (!room)
        return false;
      state_->put_locked(x, handed);
    }
    state::finish(handed, x);
    return true;
  }

  /// The next item, if there is one now (Tornado's get_nowait).
  std::optional<T> try_pop() { return take_now(state_); }

  /// Blocks until an item arrives.
  T pop() {
    std::list<typename state::putter> admitted;
    std::optional<T> x;
    {
      std::unique_lock guard{state_->mutex};
      state_->nonempty.wait(guard, [&] { return state_->items.size() != 0; });
      x = state_->take_locked(admitted);
    }
    state::finish(admitted);
    return std::move(*x);
  }

  /// Blocks up to `limit`; empty when nothing arrived in time.
  template <class Rep, class Period>
  std::optional<T> pop(std::chrono::duration<Rep, Period> limit) {
    std::list<typename state::putter> admitted;
    std::optional<T> x;
    {
      std::unique_lock guard{state_->mutex};
      if (state_->nonempty.wait_for(guard, limit,
                                    [&] { return state_->items.size() != 0; }))
        x = state_->take_locked(admitted);
    }
    state::finish(admitted);
    return x;
  }

  /// Completes with the next item, waiting for it while the queue is empty
  /// (for at most `timeout` when given). Signature `void(std::error_code,
  /// T)`: `errc::timed_out` or `errc::cancelled` when it gave up, with a
  /// `T` made from that error if `T` can hold one (`gale::result`), else a
  /// default `T`; `co_await` returns the item or throws the code as a
  /// `std::system_error` (`gale::error`, which is one, through
  /// `gale::on_actor` and `gale::use_future`).
  template <class Token>
  auto async_pop(Token&& token) {
    return async_pop(duration::zero(), std::forward<Token>(token));
  }
  template <class Token>
  auto async_pop(duration timeout, Token&& token) {
    return asio::async_initiate<Token, void(std::error_code, T)>(
      [st = state_, timeout](auto handler) {
        const asio::any_io_executor anywhere{asio::system_executor{}};
        if (auto x = take_now(st)) // the fast path: no waiter made
          return io::detail::post_completion(std::move(handler), anywhere,
                                             std::error_code{}, std::move(*x));
        getter_done done{std::move(handler), anywhere};
        start_pop(st, timeout, done);
      },
      token);
  }

  /// Puts `x`, waiting while the queue is full (for at most `timeout` when
  /// given). Signature `void(std::error_code)`: `errc::timed_out` or
  /// `errc::cancelled` when it gave up, and `x` was not put.
  template <class Token>
  auto async_push(T x, Token&& token) {
    return async_push(std::move(x), duration::zero(),
                      std::forward<Token>(token));
  }
  template <class Token>
  auto async_push(T x, duration timeout, Token&& token) {
    return asio::async_initiate<Token, void(std::error_code)>(
      [st = state_, timeout, x = std::move(x)](auto handler) mutable {
        const asio::any_io_executor anywhere{asio::system_executor{}};
        if (put_now(st, x)) // the fast path: no waiter made
          return io::detail::post_completion(std::move(handler), anywhere,
                                             std::error_code{});
        plain_done done{std::move(handler), anywhere};
        start_push(st, timeout, std::move(x), done);
      },
      token);
  }

  /// Marks one item taken as done (Tornado's task_done); throws
  /// `std::logic_error` when called more often than items were put.
  void task_done() {
    std::list<typename state::joiner> joiners;
    {
      std::lock_guard guard{state_->mutex};
      if (state_->unfinished == 0)
        throw std::logic_error("gale::queue::task_done: more calls than items");
      if (--state_->unfinished != 0)
        return;
      joiners = std::move(state_->joiners);
      state_->joined.notify_all();
    }
    for (auto& j : joiners) {
      detail::stop_timer(j.timer);
      j.done.complete_posted({});
    }
  }

  /// Blocks until every item put has been marked done.
  void join() {
    std::unique_lock guard{state_->mutex};
    state_->joined.wait(guard, [&] { return state_->unfinished == 0; });
  }

  /// As `join`, for at most `limit`; false when items were still undone.
  template <class Rep, class Period>
  bool join(std::chrono::duration<Rep, Period> limit) {
    std::unique_lock guard{state_->mutex};
    return state_->joined.wait_for(guard, limit,
                                   [&] { return state_->unfinished == 0; });
  }

  /// Completes once every item put has been marked done (for at most
  /// `timeout` when given). Signature `void(std::error_code)`.
  template <class Token>
  auto async_join(Token&& token) {
    return async_join(duration::zero(), std::forward<Token>(token));
  }
  template <class Token>
  auto async_join(duration timeout, Token&& token) {
    return io::detail::initiate<std::error_code>(
      std::forward<Token>(token), asio::system_executor{},
      [st = state_, timeout](auto done) { start_join(st, timeout, done); });
  }

  std::size_t size() const {
    std::lock_guard guard{state_->mutex};
    return state_->items.size();
  }
  bool empty() const { return size() == 0; }
  bool full() const {
    std::lock_guard guard{state_->mutex};
    return state_->full_locked();
  }
  std::size_t maxsize() const noexcept { return state_->maxsize; }

private:
  using getter_done = io::detail::completion<std::error_code, T>;
  using plain_done = io::detail::completion<std::error_code>;

  /// The next item if there is one, as `try_pop`.
  static std::optional<T> take_now(const std::shared_ptr<state>& st) {
    std::list<typename state::putter> admitted;
    std::optional<T> x;
    {
      std::lock_guard guard{st->mutex};
      x = st->take_locked(admitted);
    }
    state::finish(admitted);
    return x;
  }

  /// Puts `x` if there is room, as `push` does; false, `x` kept, if not.
  static bool put_now(const std::shared_ptr<state>& st, T& x) {
    std::list<typename state::getter> handed;
    {
      std::lock_guard guard{st->mutex};
      if (!st->put_locked(x, handed))
        return false;
    }
    state::finish(handed, x);
    return true;
  }

  static void start_pop(const std::shared_ptr<state>& st, duration timeout,
                        getter_done& done) {
    std::list<typename state::putter> admitted;
    std::unique_lock guard{st->mutex};
    if (auto x = st->take_locked(admitted)) {
      guard.unlock();
      state::finish(admitted);
      return done.complete_posted({}, std::move(*x));
    }
    auto id = ++st->next_id;
    auto& w = st->getters.emplace_back();
    w.id = id;
    w.done = std::move(done);
    detail::watch(w, timeout, [weak = std::weak_ptr{st}, id](errc why) {
      if (auto s = weak.lock())
        s->abandon(s->getters, id, why);
    });
  }

  static void start_push(const std::shared_ptr<state>& st, duration timeout,
                         T x, plain_done& done) {
    std::list<typename state::getter> handed;
    std::unique_lock guard{st->mutex};
    if (st->put_locked(x, handed)) {
      guard.unlock();
      state::finish(handed, x);
      return done.complete_posted({});
    }
    auto id = ++st->next_id;
    auto& w = st->putters.emplace_back(
      typename state::putter{{id, std::move(done), {}}, std::move(x)});
    detail::watch(w, timeout, [weak = std::weak_ptr{st}, id](errc why) {
      if (auto s = weak.lock())
        s->abandon(s->putters, id, why);
    });
  }

  static void start_join(const std::shared_ptr<state>& st, duration timeout,
                         plain_done& done) {
    std::unique_lock guard{st->mutex};
    if (st->unfinished == 0) {
      guard.unlock();
      return done.complete_posted({});
    }
    auto id = ++st->next_id;
    auto& w = st->joiners.emplace_back();
    w.id = id;
    w.done = std::move(done);
    detail::watch(w, timeout, [weak = std::weak_ptr{st}, id](errc why) {
      if (auto s = weak.lock())
        s->abandon(s->joiners, id, why);
    });
  }

  std::shared_ptr<state> state_;
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
