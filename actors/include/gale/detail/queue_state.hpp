#pragma once

// What a gale::queue's handles share: the items in their order, and who
// waits for them (or for room, or for every item to be done).

#include "gale/detail/waiters.hpp"
#include "gale/error.hpp"

#include <gale/io/detail/completion.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace gale {

/// Orders of a `gale::queue`: first in first out (the default), last in
/// first out, and smallest first by `Compare` (Tornado's Queue,
/// LifoQueue and PriorityQueue).
struct fifo {};
struct lifo {};
template <class Compare = std::less<>>
struct priority {};

} // namespace gale

namespace gale::detail {

template <class T, class Order>
class queue_items;

template <class T>
class queue_items<T, fifo> {
public:
  void put(T x) { items_.push_back(std::move(x)); }
  T take() {
    T x = std::move(items_.front());
    items_.pop_front();
    return x;
  }
  std::size_t size() const noexcept { return items_.size(); }

private:
  std::deque<T> items_;
};

template <class T>
class queue_items<T, lifo> {
public:
  void put(T x) { items_.push_back(std::move(x)); }
  T take() {
    T x = std::move(items_.back());
    items_.pop_back();
    return x;
  }
  std::size_t size() const noexcept { return items_.size(); }

private:
  std::deque<T> items_;
};

template <class T, class Compare>
class queue_items<T, priority<Compare>> {
public:
  void put(T x) {
    items_.push_back(std::move(x));
    std::push_heap(items_.begin(), items_.end(), later);
  }
  T take() {
    std::pop_heap(items_.begin(), items_.end(), later);
    T x = std::move(items_.back());
    items_.pop_back();
    return x;
  }
  std::size_t size() const noexcept { return items_.size(); }

private:
  // A heap whose top is the item no other comes before.
  static bool later(const T& a, const T& b) { return Compare{}(b, a); }
  std::vector<T> items_;
};

/// What a get that gave up hands over beside its error: the error itself
/// for an item that can hold one (`gale::result`), else a default item.
template <class T>
T filler(std::error_code ec) {
  if constexpr (std::is_constructible_v<T, std::error_code>)
    return T{ec};
  else
    return T{};
}

template <class T, class Order>
struct queue_state : std::enable_shared_from_this<queue_state<T, Order>> {
  struct putter : waiter<std::error_code> {
    T item;
  };
  using getter = waiter<std::error_code, T>;
  using joiner = waiter<std::error_code>;

  explicit queue_state(std::size_t max) : maxsize(max) {}

  std::mutex mutex;
  std::condition_variable nonempty, nonfull, joined;
  queue_items<T, Order> items;
  const std::size_t maxsize;
  std::size_t unfinished = 0; ///< put and not yet task_done
  std::uint64_t next_id = 0;
  std::list<getter> getters;
  std::list<putter> putters;
  std::list<joiner> joiners;

  bool full_locked() const noexcept {
    return maxsize != 0 && items.size() >= maxsize;
  }

  /// Puts `x` for the oldest waiting getter (moved to `handed`, to complete
  /// after unlocking), else among the items; false, `x` untouched, when
  /// full. (Waiters move between lists by splicing: they never move.)
  bool put_locked(T& x, std::list<getter>& handed) {
    if (!getters.empty()) {
      handed.splice(handed.end(), getters, getters.begin());
    } else if (full_locked()) {
      return false;
    } else {
      items.put(std::move(x));
      nonempty.notify_one();
    }
    ++unfinished;
    return true;
  }

  /// The next item, if any; the room it leaves goes to the oldest waiting
  /// putter (`admitted`, to complete after unlocking) or a blocked thread.
  std::optional<T> take_locked(std::list<putter>& admitted) {
    if (items.size() == 0)
      return std::nullopt;
    std::optional<T> x{items.take()};
    if (!putters.empty()) {
      admitted.splice(admitted.end(), putters, putters.begin());
      items.put(std::move(admitted.back().item));
      ++unfinished;
    } else {
      nonfull.notify_one();
    }
    return x;
  }

  static void finish(std::list<getter>& handed, T& x) {
    for (auto& g : handed) {
      stop_timer(g.timer);
      g.done.complete_posted({}, std::move(x));
    }
  }
  static void finish(std::list<putter>& admitted) {
    for (auto& p : admitted) {
      stop_timer(p.timer);
      p.done.complete_posted({});
    }
  }

  /// Removes the waiter `id` from `list` and fails it with `why` (a
  /// timeout or a cancellation); nothing when it is gone already.
  template <class List>
  void abandon(List& list, std::uint64_t id, errc why) {
    std::unique_lock guard{mutex};
    auto gone = unlink(list, id);
    guard.unlock();
    if (gone.empty())
      return;
    auto& w = gone.front();
    stop_timer(w.timer);
    auto ec = make_error_code(why);
    if constexpr (std::is_same_v<List, std::list<getter>>)
      w.done.complete_posted(ec, filler<T>(ec));
    else
      w.done.complete_posted(ec);
  }

  /// The queue's handle went: every waiter fails with `cancelled`.
  void close() {
    std::unique_lock guard{mutex};
    auto gs = std::move(getters);
    auto ps = std::move(putters);
    auto js = std::move(joiners);
    guard.unlock();
    auto cancelled = make_error_code(errc::cancelled);
    for (auto& g : gs) {
      stop_timer(g.timer);
      g.done.complete_posted(cancelled, filler<T>(cancelled));
    }
    for (auto& p : ps) {
      stop_timer(p.timer);
      p.done.complete_posted(cancelled);
    }
    for (auto& j : js) {
      stop_timer(j.timer);
      j.done.complete_posted(cancelled);
    }
  }
};

} // namespace gale::detail
