// gale::event and gale::condition.

#include "gale/locks.hpp"

#include "wait_list.hpp"

namespace gale {
namespace detail {

namespace {

using clock = std::chrono::steady_clock;
using plain_list = wait_list<std::error_code>;

/// Completes waiters taken from a list with `ec`, after unlocking.
void complete(plain_list::list& done, std::error_code ec) {
  for (auto& w : done) {
    stop_timer(w.timer);
    w.done.complete_posted(ec);
  }
}

/// Fails a waiter that gave up.
void give_up(plain_list::list& gone, errc why) {
  complete(gone, make_error_code(why));
}

template <class State>
void close(State& st) {
  std::unique_lock guard{st.mutex};
  auto gone = st.waiters.close();
  st.cv.notify_all();
  guard.unlock();
  complete(gone, make_error_code(errc::cancelled));
}

} // namespace

struct event_state {
  std::mutex mutex;
  std::condition_variable cv;
  bool flag = false;
  plain_list waiters;
};

struct condition_state {
  std::mutex mutex;
  std::condition_variable cv;
  plain_list waiters;
};

void start_wait(const std::shared_ptr<event_state>& st, wait_duration timeout,
                wait_done& done) {
  std::unique_lock guard{st->mutex};
  if (st->flag) {
    guard.unlock();
    return done.complete_posted({});
  }
  st->waiters.add(done, timeout, abandoner(st, give_up));
}

void start_wait(const std::shared_ptr<condition_state>& st,
                wait_duration timeout, wait_done& done) {
  std::lock_guard guard{st->mutex};
  st->waiters.add(done, timeout, abandoner(st, give_up));
}

} // namespace detail

event::event() : state_(std::make_shared<detail::event_state>()) {}

event::~event() {
  detail::close(*state_);
}

bool event::is_set() const {
  std::lock_guard guard{state_->mutex};
  return state_->flag;
}

void event::set() {
  std::unique_lock guard{state_->mutex};
  state_->flag = true;
  detail::plain_list::list woken;
  state_->waiters.serve(static_cast<std::size_t>(-1), woken);
  state_->cv.notify_all();
  guard.unlock();
  detail::complete(woken, {});
}

void event::clear() {
  std::lock_guard guard{state_->mutex};
  state_->flag = false;
}

void event::wait() {
  std::unique_lock guard{state_->mutex};
  if (!state_->flag)
    state_->waiters.block(guard, state_->cv, std::nullopt);
}

bool event::wait(duration limit) {
  std::unique_lock guard{state_->mutex};
  return state_->flag
         || state_->waiters.block(guard, state_->cv,
                                  detail::clock::now() + limit);
}

condition::condition() : state_(std::make_shared<detail::condition_state>()) {}

condition::~condition() {
  detail::close(*state_);
}

bool condition::wait(duration limit) {
  std::unique_lock guard{state_->mutex};
  return state_->waiters.block(guard, state_->cv, detail::clock::now() + limit);
}

void condition::notify(std::size_t n) {
  std::unique_lock guard{state_->mutex};
  detail::plain_list::list woken;
  state_->waiters.serve(n, woken);
  state_->cv.notify_all();
  guard.unlock();
  detail::complete(woken, {});
}

void condition::notify_all() {
  notify(static_cast<std::size_t>(-1));
}

} // namespace gale
