// gale::queue as Tornado's queues: bounds, waiting puts and gets with
// timeouts and cancellation, task_done/join, orders, and threads.

#include "gale/queue.hpp"

#include <gale/io/loop.hpp>
#include <gale/io/timers.hpp>

#include "../support/on_loop.hpp"

#include <catch2/catch.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <atomic>
#include <future>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using asio::experimental::as_tuple;
using gale::errc;
using gale::test::on;
using gale::test::wait;

namespace {

std::error_code code_of(std::future<void> f) {
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  try {
    f.get();
    return {};
  } catch (const std::system_error& e) {
    return e.code();
  }
}

} // namespace

TEST_CASE("a bounded queue: push fails when full, async_push waits for room",
          "[actors][queue]") {
  gale::queue<int> q{2};
  CHECK(q.maxsize() == 2);
  q.push(1);
  q.push(2);
  CHECK(q.full());
  try {
    q.push(3);
    FAIL("no error");
  } catch (const gale::error& e) {
    CHECK(e.code() == errc::queue_full);
  }
  CHECK(q.size() == 2); // nothing lost, nothing added
  auto put = q.async_push(3, asio::use_future);
  CHECK(put.wait_for(20ms) == std::future_status::timeout); // still full
  CHECK(q.try_pop() == 1); // room: the waiting put goes in
  CHECK_FALSE(code_of(std::move(put)));
  CHECK(q.size() == 2);
  CHECK(q.pop() == 2);
  CHECK(q.pop() == 3);
  CHECK(q.empty());
}

TEST_CASE("waits give up after their timeout and leave nothing behind",
          "[actors][queue]") {
  gale::io::loop loop;
  loop.start();
  gale::queue<int> q{1};
  SECTION("a get") {
    auto [ec, none] =
      on(loop, [&]() -> asio::awaitable<std::tuple<std::error_code, int>> {
        co_return co_await q.async_pop(20ms, as_tuple(asio::use_awaitable));
      });
    CHECK(ec == errc::timed_out);
    q.push(5); // the abandoned get is not handed this
    CHECK(q.try_pop() == 5);
  }
  SECTION("a put") {
    q.push(1);
    auto began = std::chrono::steady_clock::now();
    auto ec = code_of(q.async_push(2, 30ms, asio::use_future));
    CHECK(ec == errc::timed_out);
    CHECK(std::chrono::steady_clock::now() - began >= 25ms);
    CHECK(q.pop() == 1); // the abandoned put's item never went in
    CHECK(q.empty());
  }
  SECTION("a thread") {
    CHECK_FALSE(q.pop(10ms));
    q.push(1);
    CHECK_FALSE(q.push(2, 10ms));
    CHECK(q.size() == 1);
  }
}

TEST_CASE("cancellation through the token's slot: cancelled, no residue",
          "[actors][queue]") {
  gale::io::loop loop;
  loop.start();
  gale::queue<std::string> q;
  asio::cancellation_signal stop;
  std::promise<std::error_code> got;
  loop.post([&] {
    q.async_pop(asio::bind_cancellation_slot(
      stop.slot(),
      [&](std::error_code ec, std::string) { got.set_value(ec); }));
  });
  std::this_thread::sleep_for(10ms);
  loop.post([&] { stop.emit(asio::cancellation_type::all); });
  CHECK(wait(got.get_future()) == errc::cancelled);
  q.push("kept");
  CHECK(q.try_pop() == "kept"); // no waiter swallowed it
  // The same through awaitable operators: the first to finish cancels the
  // other, which leaves the queue as it was.
  auto first = on(loop, [&]() -> asio::awaitable<std::string> {
    using namespace asio::experimental::awaitable_operators;
    auto r =
      co_await (q.async_pop(asio::use_awaitable)
                || gale::io::async_sleep(co_await asio::this_coro::executor,
                                         20ms, asio::use_awaitable));
    co_return r.index() == 0 ? std::get<0>(r) : "slept";
  });
  CHECK(first == "slept");
  q.push("after");
  CHECK(q.try_pop() == "after");
}

TEST_CASE("task_done and join", "[actors][queue]") {
  gale::queue<int> q;
  CHECK(q.join(1ms)); // nothing put: joined at once
  q.push(1);
  q.push(2);
  CHECK_FALSE(q.join(5ms));
  auto joined = q.async_join(asio::use_future);
  auto timed = q.async_join(10ms, asio::use_future);
  CHECK(code_of(std::move(timed)) == errc::timed_out);
  q.pop();
  q.task_done();
  CHECK(joined.wait_for(10ms) == std::future_status::timeout);
  q.pop();
  q.task_done();
  CHECK_FALSE(code_of(std::move(joined)));
  CHECK(q.join(1ms));
  CHECK_THROWS_AS(q.task_done(), std::logic_error);
}

TEST_CASE("orders: lifo and priority (smallest first)", "[actors][queue]") {
  gale::queue<int, gale::lifo> stack;
  gale::queue<int, gale::priority<>> prio;
  gale::queue<int, gale::priority<std::greater<>>> largest;
  for (int x : {3, 1, 2}) {
    stack.push(x);
    prio.push(x);
    largest.push(x);
  }
  std::vector<int> s, p, l;
  while (auto x = stack.try_pop())
    s.push_back(*x);
  while (auto x = prio.try_pop())
    p.push_back(*x);
  while (auto x = largest.try_pop())
    l.push_back(*x);
  CHECK(s == std::vector{2, 1, 3});
  CHECK(p == std::vector{1, 2, 3});
  CHECK(l == std::vector{3, 2, 1});
}

TEST_CASE("a destroyed queue fails its waiters with cancelled",
          "[actors][queue]") {
  std::future<int> pending;
  {
    gale::queue<int> q;
    pending = q.async_pop(asio::use_future);
  }
  REQUIRE(pending.wait_for(10s) == std::future_status::ready);
  CHECK_THROWS_AS(pending.get(), std::system_error);
}

TEST_CASE("producers and consumers on threads and loops: every item once",
          "[actors][queue][threads]") {
  // [consumers]
  gale::queue<int> q{8};
  gale::io::loop a, b;
  a.start();
  b.start();
  constexpr int per_producer = 2000;
  std::atomic<long> sum{0};
  std::atomic<int> taken{0};
  auto consume = [&]() -> asio::awaitable<void> {
    for (;;) {
      auto [ec, x] = co_await q.async_pop(200ms, as_tuple(asio::use_awaitable));
      if (ec)
        co_return; // drained
      sum += x;
      ++taken;
      q.task_done();
    }
  };
  auto c1 = asio::co_spawn(a.executor(), consume(), asio::use_future);
  auto c2 = asio::co_spawn(b.executor(), consume(), asio::use_future);
  std::atomic<int> refused{0}; // (Catch's checks are for one thread)
  std::vector<std::thread> producers;
  for (int p = 0; p < 2; ++p)
    producers.emplace_back([&, p] {
      for (int i = 1; i <= per_producer; ++i) {
        if (p == 0) { // a thread that blocks while the queue is full
          if (!q.push(i, 5s))
            ++refused;
          continue;
        }
        auto put = q.async_push(i, asio::use_future); // or waits for it
        try {
          put.get();
        } catch (const std::system_error&) {
          ++refused;
        }
      }
    });
  for (auto& t : producers)
    t.join();
  // [end]
  CHECK(refused == 0);
  CHECK(q.join(10s));
  wait(std::move(c1));
  wait(std::move(c2));
  CHECK(taken == 2 * per_producer);
  CHECK(sum == 2L * per_producer * (per_producer + 1) / 2);
}
