#include "gale/io/signals.hpp"

#include "gale/io/loop.hpp"

#include <asio/post.hpp>
#include <asio/signal_set.hpp>

#include <atomic>
#include <csignal>
#include <future>
#include <map>
#include <memory>
#include <stdexcept>
#include <vector>

namespace gale::io {

// Lives on the loop: every member but `next_id` is touched by the loop
// thread only; the public functions post to it.
struct signal_registry::impl : std::enable_shared_from_this<impl> {
  explicit impl(const asio::any_io_executor& ex) : signals(ex) {}

  asio::signal_set signals;
  std::map<subscription, std::pair<int, callback>> callbacks;
  std::atomic<subscription> next_id{1};
  bool waiting = false;
  bool closed = false;

  std::size_t watchers(int signo) const {
    std::size_t n = 0;
    for (const auto& [id, entry] : callbacks)
      n += entry.first == signo ? 1 : 0;
    return n;
  }

  void add(subscription id, int signo, callback cb) {
    if (closed)
      return;
    std::error_code ignored;
    if (watchers(signo) == 0)
      signals.add(signo, ignored);
    callbacks.emplace(id, std::pair{signo, std::move(cb)});
    wait();
  }

  void erase(subscription id) {
    auto i = callbacks.find(id);
    if (i == callbacks.end())
      return;
    int signo = i->second.first;
    callbacks.erase(i);
    std::error_code ignored;
    if (watchers(signo) == 0)
      signals.remove(signo, ignored);
  }

  void wait() {
    if (waiting)
      return;
    waiting = true;
    // A weak reference: the pending wait lives inside `signals`, which this
    // object owns, so a strong one would keep both alive forever.
    signals.async_wait(
      [weak = weak_from_this()](std::error_code ec, int signo) {
        auto self = weak.lock();
        if (!self)
          return;
        self->waiting = false;
        if (ec || self->closed)
          return;
        // Copy first: a callback may add or remove registrations.
        std::vector<callback> due;
        for (const auto& [id, entry] : self->callbacks)
          if (entry.first == signo)
            due.push_back(entry.second);
        for (auto& cb : due)
          cb(signo);
        if (!self->callbacks.empty())
          self->wait();
      });
  }

  void close() {
    closed = true;
    callbacks.clear();
    std::error_code ignored;
    signals.clear(ignored);
    signals.cancel(ignored);
  }
};

signal_registry::signal_registry(const asio::any_io_executor& ex)
  : impl_(std::make_shared<impl>(ex)) {}

signal_registry::~signal_registry() {
  asio::post(impl_->signals.get_executor(), [i = impl_] { i->close(); });
}

signal_registry::subscription
signal_registry::on(int signal_number, callback cb,
                    std::function<void(subscription)> active) {
  if (signal_number <= 0 || signal_number >= NSIG || signal_number == SIGKILL
      || signal_number == SIGSTOP)
    throw std::invalid_argument("gale::io::signal_registry: signal "
                                + std::to_string(signal_number)
                                + " cannot be caught");
  auto id = impl_->next_id++;
  asio::post(impl_->signals.get_executor(),
             [i = impl_, id, signal_number, cb = std::move(cb),
              active = std::move(active)]() mutable {
               i->add(id, signal_number, std::move(cb));
               if (active)
                 active(id);
             });
  return id;
}

void signal_registry::remove(subscription id) {
  asio::post(impl_->signals.get_executor(), [i = impl_, id] { i->erase(id); });
}

// Shared with the callbacks: one already posted may run after the waiter
// is gone.
struct signal_waiter::first_signal {
  std::promise<int> promise;
  std::shared_future<int> arrived = promise.get_future().share();
  std::atomic<bool> told{false};
};

signal_waiter::signal_waiter(const asio::any_io_executor& ex,
                             std::initializer_list<int> signal_numbers)
  : first_(std::make_shared<first_signal>()), registry_(ex) {
  if (loop::on_any_loop_thread())
    throw std::logic_error("gale::io::signal_waiter on a loop thread");
  for (int number : signal_numbers) {
    std::promise<void> active;
    registry_.on(
      number,
      [first = first_](int n) {
        if (!first->told.exchange(true))
          first->promise.set_value(n);
      },
      [&active](signal_registry::subscription) { active.set_value(); });
    active.get_future().wait();
  }
}

signal_waiter::~signal_waiter() = default;

int signal_waiter::wait() {
  return first_->arrived.get();
}

} // namespace gale::io
