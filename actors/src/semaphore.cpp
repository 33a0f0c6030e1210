// gale::semaphore and its permits, and so gale::bounded_semaphore and
// gale::lock.

#include "gale/locks.hpp"

#include "wait_list.hpp"

#include <stdexcept>

namespace gale {
namespace detail {

using permit = semaphore::permit;
using acquire_list = wait_list<std::error_code, permit>;

struct semaphore_state : std::enable_shared_from_this<semaphore_state> {
  semaphore_state(std::size_t value, bool is_bounded)
    : free(value), bound(value), bounded(is_bounded) {}

  std::mutex mutex;
  std::condition_variable cv;
  std::size_t free;        ///< permits nobody holds
  const std::size_t bound; ///< the most there may be, when `bounded`
  const bool bounded;
  acquire_list waiters;

  permit make_permit() { return permit{shared_from_this()}; }

  /// A permit back: to the longest waiting, else among the free ones.
  /// Past a bounded semaphore's bound, `strict` throws, else (a permit's
  /// destructor, after a stray `release()`) nothing changes.
  void give_back(bool strict) {
    std::unique_lock guard{mutex};
    acquire_list::list handed;
    if (waiters.serve(1, handed) == 0) {
      if (bounded && free >= bound) {
        if (strict)
          throw std::logic_error("gale::bounded_semaphore: released too "
                                 "many times");
        return;
      }
      ++free;
      return;
    }
    cv.notify_all();
    guard.unlock();
    for (auto& w : handed) {
      stop_timer(w.timer);
      w.done.complete_posted({}, make_permit());
    }
  }

  /// A free permit, if any. Lock held.
  bool take_locked() {
    if (free == 0)
      return false;
    --free;
    return true;
  }

  /// Blocks for a permit (until `deadline` when given).
  permit block(std::optional<std::chrono::steady_clock::time_point> deadline) {
    std::unique_lock guard{mutex};
    if (take_locked() || waiters.block(guard, cv, deadline))
      return make_permit();
    return {};
  }
};

namespace {

void fail(acquire_list::list& gone, errc why) {
  auto ec = make_error_code(why);
  for (auto& w : gone) {
    stop_timer(w.timer);
    w.done.complete_posted(ec, permit{});
  }
}

} // namespace
} // namespace detail

semaphore::permit& semaphore::permit::operator=(permit&& other) noexcept {
  if (this != &other) {
    release();
    state_ = std::move(other.state_);
  }
  return *this;
}

void semaphore::permit::release() noexcept {
  if (auto st = std::move(state_))
    st->give_back(false);
}

semaphore::semaphore(std::size_t value) : semaphore(value, false) {}

semaphore::semaphore(std::size_t value, bool bounded)
  : state_(std::make_shared<detail::semaphore_state>(value, bounded)) {}

semaphore::~semaphore() {
  std::unique_lock guard{state_->mutex};
  auto gone = state_->waiters.close();
  state_->cv.notify_all();
  guard.unlock();
  detail::fail(gone, errc::cancelled);
}

void semaphore::start_acquire(
  const std::shared_ptr<detail::semaphore_state>& st, duration timeout,
  acquire_done& done) {
  std::unique_lock guard{st->mutex};
  if (st->take_locked()) {
    guard.unlock();
    return done.complete_posted({}, st->make_permit());
  }
  st->waiters.add(done, timeout, detail::abandoner(st, detail::fail));
}

semaphore::permit semaphore::try_acquire() {
  std::lock_guard guard{state_->mutex};
  return state_->take_locked() ? state_->make_permit() : permit{};
}

semaphore::permit semaphore::acquire() {
  return state_->block(std::nullopt);
}

semaphore::permit semaphore::acquire(duration limit) {
  return state_->block(std::chrono::steady_clock::now() + limit);
}

void semaphore::release() {
  state_->give_back(true);
}

std::size_t semaphore::value() const {
  std::lock_guard guard{state_->mutex};
  return state_->free;
}

} // namespace gale
