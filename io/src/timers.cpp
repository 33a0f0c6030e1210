#include "gale/io/timers.hpp"

#include <asio/post.hpp>

#include <stdexcept>

namespace gale::io {

struct timer_handle::state {
  state(const asio::any_io_executor& ex, std::function<void()> cb)
    : timer(ex), callback(std::move(cb)) {}
  asio::steady_timer timer;
  std::function<void()> callback;
  steady_clock::duration interval{0}; // zero for one-shot callbacks
  bool cancelled = false;             // touched on the loop thread only
};

namespace {

using state_ptr = std::shared_ptr<timer_handle::state>;

void arm(state_ptr st) {
  auto& timer = st->timer;
  timer.async_wait([st = std::move(st)](std::error_code ec) {
    if (ec || st->cancelled)
      return;
    if (st->interval == steady_clock::duration::zero()) {
      st->callback();
      return;
    }
    st->callback();
    if (st->cancelled) // the callback may cancel its own handle
      return;
    auto next = st->timer.expiry() + st->interval;
    auto now = steady_clock::now();
    if (next <= now) // fell behind: skip the missed ticks
      next += ((now - next) / st->interval + 1) * st->interval;
    st->timer.expires_at(next);
    arm(st);
  });
}

} // namespace

void timer_handle::cancel() const {
  if (!state_)
    return;
  asio::post(state_->timer.get_executor(), [st = state_] {
    st->cancelled = true;
    st->timer.cancel();
  });
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

timer_handle periodic(const asio::any_io_executor& ex,
                      steady_clock::duration interval,
                      std::function<void()> callback) {
  if (interval <= steady_clock::duration::zero())
    throw std::invalid_argument("gale::io::periodic: interval must be > 0");
  auto st = std::make_shared<timer_handle::state>(ex, std::move(callback));
  st->interval = interval;
  st->timer.expires_after(interval);
  arm(st);
  return timer_handle{std::move(st)};
}

} // namespace gale::io
