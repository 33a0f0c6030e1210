#include "gale/future.hpp"

#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <thread>

using namespace std::chrono_literals;

namespace {

/// The guide's async_fetch_future shape: a future made from another by a
/// done-callback that sets a new promise.
gale::future<int> doubled(gale::future<int> in) {
  gale::promise<int> out;
  in.add_done_callback([out](gale::future<int> f) {
    try {
      out.set_result(f.get() * 2);
    } catch (...) {
      out.set_exception(std::current_exception());
    }
  });
  return out.get_future();
}

} // namespace

TEST_CASE("set_result, get, and callbacks before and after",
          "[actors][future]") {
  gale::promise<int> p;
  auto f = p.get_future();
  CHECK_FALSE(f.ready());
  int before = 0, after = 0;
  f.add_done_callback([&](gale::future<int> x) { before = x.get(); });
  p.set_result(7);
  CHECK(f.ready());
  CHECK(before == 7);
  f.add_done_callback([&](gale::future<int> x) { after = x.get(); });
  CHECK(after == 7);
  CHECK(f.get() == 7);
  CHECK_THROWS_AS(p.set_result(8), std::logic_error);
}

TEST_CASE("chaining: add_done_callback + set_result, and then",
          "[actors][future]") {
  gale::promise<int> p;
  auto d = doubled(p.get_future());
  auto text = d.then([](int x) { return std::to_string(x); });
  auto nothing = text.then([](std::string) {});
  std::thread producer{[p] { p.set_result(21); }};
  CHECK(text.get(5s) == "42");
  CHECK_NOTHROW(nothing.get(5s));
  producer.join();
}

TEST_CASE("exceptions and errors propagate through chains",
          "[actors][future]") {
  gale::promise<int> p;
  auto d = doubled(p.get_future()).then([](int x) { return x + 1; });
  p.set_error(gale::errc::timed_out);
  try {
    d.get(5s);
    FAIL("no exception");
  } catch (const gale::error& e) {
    CHECK(e.code() == gale::errc::timed_out);
  }
  gale::promise<void> q;
  auto thrower =
    q.get_future().then([]() -> int { throw std::runtime_error{"x"}; });
  q.set_result();
  CHECK_THROWS_AS(thrower.get(5s), std::runtime_error);
}

TEST_CASE("get with a time limit", "[actors][future]") {
  gale::promise<int> p;
  auto f = p.get_future();
  try {
    f.get(10ms);
    FAIL("no timeout");
  } catch (const gale::error& e) {
    CHECK(e.code() == gale::errc::timed_out);
  }
  p.set_result(1); // the operation goes on
  CHECK(f.get(10ms) == 1);
}

TEST_CASE("async_wait: awaited in an Asio coroutine, values and errors",
          "[actors][future]") {
  SECTION("async_wait with use_awaitable") {
    gale::promise<int> p;
    asio::io_context ctx;
    auto r = asio::co_spawn(
      ctx,
      [f = p.get_future()]() -> asio::awaitable<int> {
        co_return co_await f.async_wait(asio::use_awaitable) + 1;
      },
      asio::use_future);
    std::thread producer{[p] {
      std::this_thread::sleep_for(10ms);
      p.set_result(41);
    }};
    ctx.run_for(5s);
    producer.join();
    CHECK(r.get() == 42);
  }
  SECTION("async_wait delivers exceptions") {
    gale::promise<void> p;
    p.set_error(gale::errc::cancelled);
    asio::io_context ctx;
    auto r = asio::co_spawn(
      ctx,
      [f = p.get_future()]() -> asio::awaitable<void> {
        co_await f.async_wait(asio::use_awaitable);
      },
      asio::use_future);
    ctx.run_for(5s);
    CHECK_THROWS_AS(r.get(), gale::error);
  }
}
