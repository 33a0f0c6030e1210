#include "gale/io/timers.hpp"

#include <asio/dispatch.hpp>

#include <atomic>
#include <random>
#include <stdexcept>

namespace gale::io {

struct timer_handle::state {
  state(const asio::any_io_executor& ex, std::function<void()> cb)
    : timer(ex), callback(std::move(cb)) {}
  asio::steady_timer timer;
  std::function<void()> callback;
  steady_clock::duration interval{0}; // zero for one-shot callbacks
  double jitter = 0;
  std::minstd_rand random{std::random_device{}()};
  // Touched on the loop thread only: each start opens a new run, and a
  // wait of an older run (one stopped or cancelled since) does nothing.
  std::uint64_t run = 0;
  bool stopped = false;
  // What `is_running()` says; set by the caller at once, as Tornado does.
  std::atomic<bool> running{true};
};

namespace {

using state_ptr = std::shared_ptr<timer_handle::state>;

steady_clock::duration jittered(timer_handle::state& st) {
  if (st.jitter == 0)
    return st.interval;
  std::uniform_real_distribution<double> spread{-0.5, 0.5};
  auto factor = 1 + st.jitter * spread(st.random);
  return std::chrono::duration_cast<steady_clock::duration>(st.interval
                                                            * factor);
}

// The next tick after `last` on the grid, whole cycles past those missed.
steady_clock::time_point next_tick(timer_handle::state& st,
                                   steady_clock::time_point last) {
  auto step = jittered(st);
  auto next = last + step;
  auto now = steady_clock::now();
  if (next <= now && step > steady_clock::duration::zero())
    next += ((now - next) / step + 1) * step;
  return next;
}

void arm(state_ptr st) {
  auto& timer = st->timer;
  auto run = st->run;
  timer.async_wait([st = std::move(st), run](std::error_code ec) {
    // A cancellation made on the loop after this wait completed (in the
    // same pass) shows as a stopped or newer run, not as `ec`.
    if (ec || st->stopped || st->run != run)
      return;
    if (st->interval == steady_clock::duration::zero()) {
      st->running = false;
      st->callback();
      return;
    }
    st->callback();
    if (st->stopped || st->run != run) // the callback stopped or restarted it
      return;
    st->timer.expires_at(next_tick(*st, st->timer.expiry()));
    arm(st);
  });
}

// Both run on the loop thread: at once when called there, else posted.
void stop_on_loop(const state_ptr& st) {
  st->stopped = true;
  ++st->run;
  st->timer.cancel();
}

void start_on_loop(const state_ptr& st) {
  if (!st->stopped)
    return;
  st->stopped = false;
  ++st->run;
  st->timer.expires_at(next_tick(*st, steady_clock::now()));
  arm(st);
}

} // namespace

void timer_handle::cancel() const {
  if (!state_)
    return;
  state_->running = false;
  asio::dispatch(state_->timer.get_executor(),
                 [st = state_] { stop_on_loop(st); });
}

void periodic_handle::start() const {
  if (!state_ || state_->running.exchange(true))
    return;
  asio::dispatch(state_->timer.get_executor(),
                 [st = state_] { start_on_loop(st); });
}

bool periodic_handle::is_running() const noexcept {
  return state_ && state_->running;
}

timer_handle call_at(const asio::any_io_executor& ex,
                     steady_clock::time_point when,
                     std::function<void()> callback) {
  auto st = std::make_shared<timer_handle::state>(ex, std::move(callback));
  st->timer.expires_at(when);
  arm(st);
  return timer_handle{std::move(st)};
}

timer_handle call_later(const asio::any_io_executor& ex,
                        steady_clock::duration delay,
                        std::function<void()> callback) {
  return call_at(ex, steady_clock::now() + delay, std::move(callback));
}

periodic_handle periodic(const asio::any_io_executor& ex,
                         steady_clock::duration interval,
                         std::function<void()> callback, double jitter) {
  if (interval <= steady_clock::duration::zero())
    throw std::invalid_argument("gale::io::periodic: interval must be > 0");
  if (!(jitter >= 0 && jitter <= 1))
    throw std::invalid_argument("gale::io::periodic: jitter must be in [0, 1]");
  auto st = std::make_shared<timer_handle::state>(ex, std::move(callback));
  st->interval = interval;
  st->jitter = jitter;
  st->timer.expires_at(next_tick(*st, steady_clock::now()));
  arm(st);
  return periodic_handle{std::move(st)};
}

} // namespace gale::io
