#pragma once

#include "gale/future.hpp"

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

/// Tornado's `gen.WaitIterator`: several futures' outcomes in the order
/// they finish, each with its place in the list.
namespace gale {

/// One outcome from a `wait_iterator`: which future (its index in the list
/// given) and the future itself, ready: `result.get()` is its value or
/// throws its exception.
template <class T>
struct finished {
  std::size_t index;
  future<T> result;
};

/// Yields the futures given, each once, in the order they become ready:
///
///     gale::wait_iterator<int> it{futures};
///     while (!it.done()) {
///       auto [index, f] = co_await it.next().async_wait(use_awaitable);
///       ... f.get() ...
///     }
///
/// `next()` is a future of the next to finish (ready at once when one has
/// finished that was not yet yielded); it is waited for in any style.
/// Thread-safe; the futures go on whether or not anyone asks.
template <class T>
class wait_iterator {
public:
  explicit wait_iterator(std::vector<future<T>> futures)
    : state_(std::make_shared<state>()) {
    state_->total = futures.size();
    for (std::size_t i = 0; i < futures.size(); ++i)
      futures[i].add_done_callback(
        [st = state_, i](future<T> f) { st->arrived(i, std::move(f)); });
  }

  /// True once `next()` was called once for every future.
  bool done() const {
    std::lock_guard guard{state_->mutex};
    return state_->asked == state_->total;
  }

  /// The next future to finish. Calling it more often than there are
  /// futures throws `std::out_of_range` (Tornado's StopIteration).
  future<finished<T>> next() {
    promise<finished<T>> p;
    auto f = p.get_future();
    std::unique_lock guard{state_->mutex};
    if (state_->asked == state_->total)
      throw std::out_of_range("gale::wait_iterator: every future was yielded");
    ++state_->asked;
    if (state_->ready.empty()) {
      state_->waiting.push_back(std::move(p));
      return f;
    }
    auto first = std::move(state_->ready.front());
    state_->ready.pop_front();
    guard.unlock();
    p.set_result(std::move(first));
    return f;
  }

private:
  struct state {
    std::mutex mutex;
    std::size_t total = 0;
    std::size_t asked = 0;
    std::deque<finished<T>> ready;            ///< finished, not yet yielded
    std::deque<promise<finished<T>>> waiting; ///< asked, not yet finished

    void arrived(std::size_t i, future<T> f) {
      std::unique_lock guard{mutex};
      if (waiting.empty()) {
        ready.push_back({i, std::move(f)});
        return;
      }
      auto p = std::move(waiting.front());
      waiting.pop_front();
      guard.unlock();
      p.set_result(finished<T>{i, std::move(f)});
    }
  };
  std::shared_ptr<state> state_;
};

} // namespace gale
