#include "gale/io/timers.hpp"

#include "gale/io/loop.hpp"

#include <catch2/catch.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <atomic>
#include <future>
#include <vector>

using namespace std::chrono_literals;
using gale::io::steady_clock;

TEST_CASE("call_later runs the callback after the delay, on the loop",
          "[io][timers]") {
  gale::io::loop loop;
  loop.start();
  std::promise<std::pair<steady_clock::duration, bool>> done;
  auto start = steady_clock::now();
  gale::io::call_later(loop.executor(), 50ms, [&] {
    done.set_value({steady_clock::now() - start, loop.in_loop_thread()});
  });
  auto f = done.get_future();
  REQUIRE(f.wait_for(5s) == std::future_status::ready);
  auto [elapsed, on_loop] = f.get();
  CHECK(elapsed >= 50ms);
  CHECK(on_loop);
}

TEST_CASE("call_at and cancel", "[io][timers]") {
  gale::io::loop loop;
  loop.start();
  std::atomic<int> ran{0};
  auto handle = gale::io::call_at(loop.executor(), steady_clock::now() + 50ms,
                                  [&] { ++ran; });
  CHECK(static_cast<bool>(handle));
  handle.cancel();
  std::promise<void> later;
  gale::io::call_later(loop.executor(), 100ms, [&] { later.set_value(); });
  REQUIRE(later.get_future().wait_for(5s) == std::future_status::ready);
  CHECK(ran == 0);
}

TEST_CASE("periodic ticks until cancelled, also from its own callback",
          "[io][timers]") {
  gale::io::loop loop;
  loop.start();
  std::atomic<int> ticks{0};
  std::promise<void> third;
  gale::io::timer_handle handle;
  std::promise<gale::io::timer_handle> handle_ready;
  auto handle_future = handle_ready.get_future().share();
  handle = gale::io::periodic(loop.executor(), 10ms, [&] {
    if (++ticks == 3) {
      handle_future.get().cancel();
      third.set_value();
    }
  });
  handle_ready.set_value(handle);
  REQUIRE(third.get_future().wait_for(5s) == std::future_status::ready);
  std::this_thread::sleep_for(60ms);
  CHECK(ticks == 3);
  CHECK_THROWS_AS(gale::io::periodic(loop.executor(), 0ms, [] {}),
                  std::invalid_argument);
}

TEST_CASE("async_sleep serves callbacks, futures and coroutines",
          "[io][timers]") {
  gale::io::loop loop;
  loop.start();
  SECTION("callback") {
    std::promise<std::error_code> done;
    gale::io::async_sleep(loop.executor(), 10ms,
                          [&](std::error_code ec) { done.set_value(ec); });
    auto f = done.get_future();
    REQUIRE(f.wait_for(5s) == std::future_status::ready);
    CHECK_FALSE(f.get());
  }
  SECTION("std::future") {
    auto f = gale::io::async_sleep(loop.executor(), 10ms, asio::use_future);
    REQUIRE(f.wait_for(5s) == std::future_status::ready);
    CHECK_NOTHROW(f.get());
  }
  SECTION("awaitable") {
    auto f = asio::co_spawn(
      loop.executor(),
      []() -> asio::awaitable<int> {
        auto ex = co_await asio::this_coro::executor;
        co_await gale::io::async_sleep(ex, 10ms, asio::use_awaitable);
        co_return 42;
      },
      asio::use_future);
    REQUIRE(f.wait_for(5s) == std::future_status::ready);
    CHECK(f.get() == 42);
  }
  SECTION("cancelled through its slot") {
    asio::cancellation_signal signal;
    std::promise<std::error_code> done;
    loop.post([&] {
      gale::io::async_sleep(
        loop.executor(), 10s,
        asio::bind_cancellation_slot(
          signal.slot(), [&](std::error_code ec) { done.set_value(ec); }));
      signal.emit(asio::cancellation_type::terminal);
    });
    auto f = done.get_future();
    REQUIRE(f.wait_for(5s) == std::future_status::ready);
    CHECK(f.get() == asio::error::operation_aborted);
  }
}

TEST_CASE("a thousand timers on one loop finish in about the time of one",
          "[io][timers][nonblocking]") {
  gale::io::loop loop;
  loop.start();
  constexpr int n = 1000;
  std::atomic<int> done{0};
  std::promise<void> all;
  auto start = steady_clock::now();
  for (int i = 0; i < n; ++i)
    gale::io::call_later(loop.executor(), 200ms, [&] {
      if (++done == n)
        all.set_value();
    });
  REQUIRE(all.get_future().wait_for(10s) == std::future_status::ready);
  auto elapsed = steady_clock::now() - start;
  CHECK(elapsed >= 200ms);
  CHECK(elapsed < 1s); // serially it would take 200 s
}
