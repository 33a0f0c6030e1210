// Waiting for several gale::futures at once, and with a timeout.

#include "gale/queue.hpp"
#include "gale/wait_iterator.hpp"
#include "gale/when.hpp"

#include <gale/io/loop.hpp>

#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <stdexcept>
#include <string>
#include <variant>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using gale::errc;

namespace {

/// Promises set from another thread, last first.
std::vector<gale::future<int>> later(std::vector<gale::promise<int>>& ps,
                                     std::thread& setter) {
  std::vector<gale::future<int>> fs;
  for (auto& p : ps)
    fs.push_back(p.get_future());
  setter = std::thread{[&ps] {
    for (std::size_t i = ps.size(); i-- > 0;) {
      std::this_thread::sleep_for(2ms);
      ps[i].set_result(static_cast<int>(i) * 10);
    }
  }};
  return fs;
}

} // namespace

TEST_CASE("when_all: every value in order; the first error fails it",
          "[actors][future][when]") {
  std::vector<gale::promise<int>> ps(4);
  std::thread setter;
  auto all = gale::when_all(later(ps, setter));
  CHECK(all.get(5s) == std::vector{0, 10, 20, 30});
  setter.join();

  gale::promise<int> ok, bad, never;
  auto failed = gale::when_all(
    std::vector{ok.get_future(), bad.get_future(), never.get_future()});
  bad.set_exception(std::make_exception_ptr(std::runtime_error("second")));
  CHECK(failed.ready()); // without waiting for the others
  CHECK_THROWS_WITH(failed.get(), "second");
  ok.set_result(1); // later outcomes change nothing
  CHECK(gale::when_all(std::vector<gale::future<int>>{}).get(1s).empty());
}

TEST_CASE("when_all_settled: every outcome, never failing",
          "[actors][future][when]") {
  gale::promise<int> a, b;
  auto settled =
    gale::when_all_settled(std::vector{a.get_future(), b.get_future()});
  b.set_exception(std::make_exception_ptr(std::runtime_error("b failed")));
  CHECK_FALSE(settled.ready()); // a is still due
  a.set_result(7);
  auto all = settled.get(1s);
  REQUIRE(all.size() == 2);
  CHECK(all[0].get() == 7);
  CHECK_THROWS_WITH(all[1].get(), "b failed");
}

TEST_CASE("when_any: the index of the first ready", "[actors][future][when]") {
  gale::promise<int> a, b, c;
  auto fs = std::vector{a.get_future(), b.get_future(), c.get_future()};
  auto first = gale::when_any(fs);
  b.set_result(2);
  a.set_result(1);
  CHECK(first.get(1s) == 1);
  CHECK(fs[first.get()].get() == 2);
  CHECK_THROWS_AS(gale::when_any(std::vector<gale::future<int>>{}),
                  std::invalid_argument);
}

TEST_CASE("with_timeout: fails after the duration without blocking; the "
          "operation goes on",
          "[actors][future][when]") {
  gale::io::loop loop;
  loop.start();
  gale::promise<int> slow;
  auto began = std::chrono::steady_clock::now();
  auto limited = gale::with_timeout(loop.executor(), 30ms, slow.get_future());
  CHECK_FALSE(limited.ready()); // it did not block
  try {
    limited.get(5s);
    FAIL("no timeout");
  } catch (const gale::error& e) {
    CHECK(e.code() == errc::timed_out);
  }
  CHECK(std::chrono::steady_clock::now() - began >= 25ms);
  slow.set_result(1); // too late: dropped
  CHECK(slow.get_future().get() == 1);

  gale::promise<std::string> fast;
  auto in_time = gale::with_timeout(loop.executor(), 5s, fast.get_future());
  fast.set_result("fast");
  CHECK(in_time.get(1s) == "fast");
  gale::promise<void> fails;
  auto failing = gale::with_timeout(loop.executor(), 5s, fails.get_future());
  fails.set_exception(std::make_exception_ptr(std::logic_error("no")));
  CHECK_THROWS_AS(failing.get(1s), std::logic_error);
}

TEST_CASE("when_all of different types: a tuple; void as std::monostate",
          "[actors][future][when]") {
  gale::promise<int> number;
  gale::promise<std::string> text;
  gale::promise<void> signal;
  // [when-all-tuple]
  auto all =
    gale::when_all(number.get_future(), text.get_future(), signal.get_future());
  // [end]
  std::thread setter{[&] {
    signal.set_result();
    text.set_result("two");
    number.set_result(1);
  }};
  auto [n, t, nothing] = all.get(5s);
  setter.join();
  CHECK(n == 1);
  CHECK(t == "two");
  CHECK(nothing == std::monostate{});

  gale::promise<int> fine, never;
  gale::promise<std::string> broken;
  auto failed =
    gale::when_all(fine.get_future(), broken.get_future(), never.get_future());
  broken.set_error(errc::actor_down);
  CHECK(failed.ready()); // the first error, without waiting for `never`
  try {
    failed.get();
    FAIL("no error");
  } catch (const gale::error& e) {
    CHECK(e.code() == errc::actor_down);
  }
  fine.set_result(3); // changes nothing
}

TEST_CASE("when_all_settled of different types: every outcome",
          "[actors][future][when]") {
  gale::promise<int> good;
  gale::promise<std::string> bad;
  auto all = gale::when_all_settled(good.get_future(), bad.get_future());
  bad.set_exception(std::make_exception_ptr(std::runtime_error("bad")));
  CHECK_FALSE(all.ready());
  good.set_result(7);
  auto [g, b] = all.get(1s);
  CHECK(g.get() == 7);
  CHECK_THROWS_WITH(b.get(), "bad");
}

TEST_CASE("with_timeout and on_timeout::cancel: the future, or the operation "
          "through its cancellation slot",
          "[actors][future][when]") {
  gale::io::loop loop;
  loop.start();
  gale::promise<int> slow;
  auto f = slow.get_future();
  auto limited =
    gale::with_timeout(loop.executor(), 10ms, f, gale::on_timeout::cancel);
  CHECK_THROWS_AS(limited.get(5s), gale::error);
  CHECK(f.cancelled()); // Tornado's Future.cancel on the awaited future
  CHECK_FALSE(slow.set_result(1)); // the producer learns it was cancelled

  // The operation form: a queue wait, cancelled, takes no later item.
  gale::queue<int> q;
  // [with-timeout-cancel]
  auto got = gale::with_timeout(
    loop.executor(), 10ms, [&](auto token) { return q.async_pop(token); },
    gale::on_timeout::cancel);
  // [end]
  try {
    got.get(5s);
    FAIL("no timeout");
  } catch (const gale::error& e) {
    CHECK(e.code() == errc::timed_out);
  }
  q.push(5);
  CHECK(q.size() == 1); // still there for the next getter
  CHECK(q.try_pop() == 5);

  // proceed: the wait goes on and takes the next item (whose outcome is
  // dropped): Tornado's with_timeout.
  auto going_on = gale::with_timeout(
    loop.executor(), 10ms, [&](auto token) { return q.async_pop(token); },
    gale::on_timeout::proceed);
  CHECK_THROWS_AS(going_on.get(5s), gale::error);
  q.push(6);
  CHECK(q.size() == 0);

  // In time, the operation's value.
  auto in_time = gale::with_timeout(
    loop.executor(), 5s, [&](auto token) { return q.async_pop(token); },
    gale::on_timeout::cancel);
  q.push(8);
  CHECK(in_time.get(5s) == 8);
}

TEST_CASE("when_all awaited in an Asio coroutine", "[actors][future][when]") {
  gale::io::loop loop;
  loop.start();
  std::vector<gale::promise<int>> ps(3);
  std::thread setter;
  auto fs = later(ps, setter);
  auto sum = asio::co_spawn(
    loop.executor(),
    [&]() -> asio::awaitable<int> {
      // [when-all]
      auto all = co_await gale::when_all(fs).async_wait(asio::use_awaitable);
      // [end]
      co_return all[0] + all[1] + all[2];
    },
    asio::use_future);
  REQUIRE(sum.wait_for(5s) == std::future_status::ready);
  CHECK(sum.get() == 30);
  setter.join();
}

TEST_CASE("wait_iterator: outcomes in the order they finish, with indices",
          "[actors][future][when]") {
  std::vector<gale::promise<int>> ps(3);
  std::vector<gale::future<int>> fs;
  for (auto& p : ps)
    fs.push_back(p.get_future());
  ps[1].set_result(10); // ready before the iterator exists
  gale::wait_iterator<int> it{fs};
  CHECK_FALSE(it.done());
  auto first = it.next();
  CHECK(first.ready());
  CHECK(first.get().index == 1);
  CHECK(first.get().result.get() == 10);
  auto second = it.next(); // asked before anything else finished
  CHECK_FALSE(second.ready());
  ps[2].set_error(make_error_code(errc::timed_out));
  CHECK(second.get(5s).index == 2);
  CHECK_THROWS_AS(second.get().result.get(), gale::error);
  ps[0].set_result(0);
  CHECK(it.next().get(5s).index == 0);
  CHECK(it.done());
  CHECK_THROWS_AS(it.next(), std::out_of_range);
  CHECK(gale::wait_iterator<int>{{}}.done());
}

TEST_CASE("wait_iterator awaited in an Asio coroutine",
          "[actors][future][when]") {
  gale::io::loop loop;
  loop.start();
  std::vector<gale::promise<int>> ps(3);
  std::thread setter;
  auto fs = later(ps, setter); // set last first
  auto order = asio::co_spawn(
    loop.executor(),
    [&]() -> asio::awaitable<std::vector<std::size_t>> {
      std::vector<std::size_t> seen;
      // [wait-iterator]
      gale::wait_iterator<int> it{fs};
      while (!it.done()) {
        auto [index, f] = co_await it.next().async_wait(asio::use_awaitable);
        seen.push_back(index); // f.get() is its value, or throws
      }
      // [end]
      co_return seen;
    },
    asio::use_future);
  REQUIRE(order.wait_for(5s) == std::future_status::ready);
  CHECK(order.get() == std::vector<std::size_t>{2, 1, 0});
  setter.join();
}
