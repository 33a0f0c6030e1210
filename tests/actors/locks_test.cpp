// gale's locks as Tornado's: Event, Condition, Semaphore, BoundedSemaphore
// and Lock, awaited in coroutines, with callbacks and futures, and from
// blocked threads; timeouts, cancellation, no residue, contention.

#include "gale/locks.hpp"

#include <gale/io/coro.hpp>
#include <gale/io/loop.hpp>

#include "../support/on_loop.hpp"

#include <catch2/catch.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/post.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <atomic>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using asio::use_awaitable;
using asio::experimental::as_tuple;
using gale::errc;
using gale::test::on;
using gale::test::wait;

namespace {

/// Returns once the loop ran what was queued before (the start of a
/// coroutine spawned before, up to its first suspension).
void settle(gale::io::loop& loop) {
  wait(asio::post(loop.executor(), asio::use_future));
}

/// A callback that keeps the error code it completes with.
struct recorded {
  std::promise<std::error_code> promise;
  std::future<std::error_code> future = promise.get_future();
  auto callback() {
    return [this](std::error_code ec) { promise.set_value(ec); };
  }
  bool ready() { return future.wait_for(0s) == std::future_status::ready; }
};

} // namespace

TEST_CASE("event: waiters go on when it is set, until it is cleared",
          "[actors][locks]") {
  gale::io::loop loop;
  loop.start();
  gale::event ev;
  CHECK_FALSE(ev.is_set());
  recorded before;
  ev.async_wait(before.callback());
  auto coroutine = asio::co_spawn(
    loop.executor(),
    [&]() -> asio::awaitable<bool> {
      co_await ev.async_wait(use_awaitable);
      co_return loop.in_loop_thread();
    },
    asio::use_future);
  std::this_thread::sleep_for(20ms);
  CHECK_FALSE(before.ready());
  ev.set();
  CHECK(ev.is_set());
  CHECK(wait(std::move(before.future)) == std::error_code{});
  CHECK(wait(std::move(coroutine))); // resumed on its own loop
  // Set: a wait completes at once, as does a blocking one.
  recorded after;
  ev.async_wait(after.callback());
  CHECK(wait(std::move(after.future)) == std::error_code{});
  CHECK(ev.wait(0ms));
  ev.clear();
  CHECK_FALSE(ev.is_set());
  CHECK_FALSE(ev.wait(20ms));
  std::thread setter{[&] {
    std::this_thread::sleep_for(20ms);
    ev.set();
  }};
  ev.wait();
  setter.join();
  CHECK(ev.is_set());
}

TEST_CASE("event: a timeout or a cancellation ends one waiter, leaving none",
          "[actors][locks]") {
  gale::io::loop loop;
  loop.start();
  gale::event ev;
  auto timed_out = on(loop, [&]() -> asio::awaitable<std::error_code> {
    co_return std::get<0>(
      co_await ev.async_wait(30ms, as_tuple(use_awaitable)));
  });
  CHECK(timed_out == errc::timed_out);
  CHECK_THROWS_AS(on(loop,
                     [&]() -> asio::awaitable<void> {
                       co_await ev.async_wait(10ms, use_awaitable);
                     }),
                  std::system_error);
  asio::cancellation_signal signal;
  std::atomic<int> completions{0};
  std::promise<std::error_code> cancelled;
  ev.async_wait(
    asio::bind_cancellation_slot(signal.slot(), [&](std::error_code ec) {
      ++completions;
      cancelled.set_value(ec);
    }));
  signal.emit(asio::cancellation_type::terminal);
  CHECK(wait(cancelled.get_future()) == errc::cancelled);
  ev.set(); // the cancelled waiter is gone: it does not complete again
  std::this_thread::sleep_for(20ms);
  CHECK(completions == 1);
}

TEST_CASE("event and condition: destroyed, they cancel their waiters",
          "[actors][locks]") {
  recorded on_event, on_condition;
  {
    gale::event ev;
    gale::condition cond;
    ev.async_wait(on_event.callback());
    cond.async_wait(on_condition.callback());
  }
  CHECK(wait(std::move(on_event.future)) == errc::cancelled);
  CHECK(wait(std::move(on_condition.future)) == errc::cancelled);
}

TEST_CASE("condition: notify wakes the longest waiting, notify_all the rest",
          "[actors][locks]") {
  gale::io::loop loop;
  loop.start();
  gale::condition cond;
  std::mutex mutex;
  std::string order;
  std::vector<std::future<void>> done;
  for (char name : std::string{"abc"}) {
    done.push_back(asio::co_spawn(
      loop.executor(),
      [&, name]() -> asio::awaitable<void> {
        co_await cond.async_wait(use_awaitable);
        std::lock_guard guard{mutex};
        order += name;
      },
      asio::use_future));
    settle(loop); // its wait is registered
  }
  cond.notify();
  wait(std::move(done[0]));
  std::this_thread::sleep_for(20ms);
  {
    std::lock_guard guard{mutex};
    CHECK(order == "a");
  }
  cond.notify_all();
  wait(std::move(done[1]));
  wait(std::move(done[2]));
  CHECK(order == "abc");
  // A notification wakes only those waiting then.
  cond.notify();
  auto late = on(loop, [&]() -> asio::awaitable<std::error_code> {
    co_return std::get<0>(
      co_await cond.async_wait(20ms, as_tuple(use_awaitable)));
  });
  CHECK(late == errc::timed_out);
}

TEST_CASE("condition: blocked threads wait with a limit", "[actors][locks]") {
  gale::condition cond;
  CHECK_FALSE(cond.wait(10ms));
  std::atomic<bool> woken{false};
  std::thread waiter{[&] { woken = cond.wait(5s); }};
  std::this_thread::sleep_for(20ms);
  cond.notify();
  waiter.join();
  CHECK(woken);
}

TEST_CASE("semaphore: permits are taken, waited for and given back",
          "[actors][locks]") {
  gale::io::loop loop;
  loop.start();
  gale::semaphore sem{2};
  CHECK(sem.value() == 2);
  auto first = sem.try_acquire();
  auto second = on(loop, [&]() -> asio::awaitable<gale::semaphore::permit> {
    co_return co_await sem.async_acquire(use_awaitable);
  });
  CHECK(first);
  CHECK(second);
  CHECK(sem.value() == 0);
  CHECK_FALSE(sem.try_acquire());
  CHECK_FALSE(sem.acquire(10ms));
  // A third waits; the permit given back goes to it, not to the free ones.
  std::promise<gale::semaphore::permit> third;
  sem.async_acquire([&](std::error_code ec, gale::semaphore::permit p) {
    third.set_value(ec ? gale::semaphore::permit{} : std::move(p));
  });
  auto got = third.get_future();
  CHECK(got.wait_for(20ms) == std::future_status::timeout);
  first.release();
  CHECK_FALSE(first);
  auto third_permit = wait(std::move(got));
  CHECK(third_permit);
  CHECK(sem.value() == 0);
  // Permits go back when they go; a raw release adds one.
  { auto gone = std::move(second); }
  CHECK(sem.value() == 1);
  sem.release();
  CHECK(sem.value() == 2);
  // A blocked thread is handed a permit as well.
  auto a = sem.acquire();
  auto b = sem.acquire(1s);
  CHECK((a && b));
  std::thread blocked{[&] { CHECK(sem.acquire(5s)); }};
  std::this_thread::sleep_for(20ms);
  b.release();
  blocked.join();
}

TEST_CASE("semaphore: timeouts, cancellation and destruction",
          "[actors][locks]") {
  gale::io::loop loop;
  loop.start();
  auto sem = std::make_unique<gale::semaphore>(0);
  auto [ec, p] = on(
    loop,
    [&]()
      -> asio::awaitable<std::tuple<std::error_code, gale::semaphore::permit>> {
      co_return co_await sem->async_acquire(20ms, as_tuple(use_awaitable));
    });
  CHECK(ec == errc::timed_out);
  CHECK_FALSE(p);
  asio::cancellation_signal signal;
  std::promise<std::error_code> cancelled;
  sem->async_acquire(asio::bind_cancellation_slot(
    signal.slot(), [&](std::error_code e, gale::semaphore::permit held) {
      cancelled.set_value(held ? std::error_code{} : e);
    }));
  signal.emit(asio::cancellation_type::terminal);
  CHECK(wait(cancelled.get_future()) == errc::cancelled);
  // No residue: the permit released now stays free.
  sem->release();
  CHECK(sem->value() == 1);
  auto held = sem->try_acquire();
  auto waiting = sem->async_acquire(asio::use_future);
  sem.reset();
  CHECK_THROWS_AS(wait(std::move(waiting)), std::system_error);
  held.release(); // outlives its semaphore harmlessly
}

TEST_CASE("bounded_semaphore: a release past its value is an error",
          "[actors][locks]") {
  gale::bounded_semaphore sem{1};
  CHECK_THROWS_AS(sem.release(), std::logic_error);
  auto p = sem.try_acquire();
  CHECK(sem.value() == 0);
  p.release();
  CHECK(sem.value() == 1);
  CHECK_THROWS_AS(sem.release(), std::logic_error);
  CHECK(sem.value() == 1);
}

TEST_CASE("lock: one holder at a time, in the order they came",
          "[actors][locks]") {
  gale::io::loop loop;
  loop.start();
  gale::lock mutex;
  std::string trace;
  std::vector<std::future<void>> done;
  for (char name : std::string{"abc"})
    done.push_back(asio::co_spawn(
      loop.executor(),
      [&, name]() -> asio::awaitable<void> {
        // [lock]
        auto guard = co_await mutex.async_acquire(use_awaitable);
        trace += name;
        co_await gale::io::sleep(5ms); // others run meanwhile, not in here
        trace += name;
        // [end]
      },
      asio::use_future));
  for (auto& f : done)
    wait(std::move(f));
  CHECK(trace == "aabbcc");
  CHECK_FALSE(mutex.locked());
  auto guard = mutex.try_acquire();
  CHECK(mutex.locked());
  CHECK_FALSE(mutex.try_acquire());
  CHECK_FALSE(mutex.acquire(10ms));
  guard.release();
  CHECK(mutex.acquire());
}

TEST_CASE("lock and semaphore under contention from threads and a loop",
          "[actors][locks][threads]") {
  gale::io::loop loop;
  loop.start();
  gale::lock mutex;
  gale::semaphore two{2};
  long counter = 0; // guarded by `mutex` alone: TSan checks that it is
  std::atomic<int> inside{0}, most_inside{0};
  auto enter = [&] {
    auto now = ++inside;
    for (int seen = most_inside; now > seen;)
      most_inside.compare_exchange_weak(seen, now);
    --inside;
  };
  constexpr int rounds = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < rounds; ++i) {
        {
          auto g = mutex.acquire();
          ++counter;
        }
        auto p = two.acquire();
        enter();
      }
    });
  auto coroutine = asio::co_spawn(
    loop.executor(),
    [&]() -> asio::awaitable<void> {
      for (int i = 0; i < rounds; ++i) {
        {
          auto g = co_await mutex.async_acquire(use_awaitable);
          ++counter;
        }
        auto p = co_await two.async_acquire(use_awaitable);
        enter();
      }
    },
    asio::use_future);
  for (auto& t : threads)
    t.join();
  wait(std::move(coroutine));
  CHECK(counter == 4 * rounds);
  CHECK(most_inside <= 2);
  CHECK(two.value() == 2);
  CHECK_FALSE(mutex.locked());
}
