// gen.sleep, gen.moment and run_sync for Asio coroutines.
#include "gale/io/coro.hpp"

#include "../support/unhandled_reports.hpp"

#include <catch2/catch.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/detached.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <stdexcept>
#include <string>

using namespace std::chrono_literals;
using gale::io::steady_clock;

TEST_CASE("run_sync returns the coroutine's value, or rethrows", "[io][coro]") {
  CHECK(gale::io::run_sync([]() -> asio::awaitable<int> { co_return 42; })
        == 42);
  bool ran = false;
  gale::io::run_sync([&]() -> asio::awaitable<void> {
    ran = true;
    co_return;
  });
  CHECK(ran);
  CHECK_THROWS_WITH(gale::io::run_sync([]() -> asio::awaitable<int> {
                      throw std::runtime_error("no answer");
                      co_return 0;
                    }),
                    "no answer");
}

TEST_CASE("run_sync's timeout destroys the coroutine and throws timed_out",
          "[io][coro]") {
  struct flag_on_exit {
    bool* flag;
    ~flag_on_exit() { *flag = true; }
  };
  bool unwound = false;
  auto start = steady_clock::now();
  try {
    gale::io::run_sync(
      [&]() -> asio::awaitable<void> {
        flag_on_exit guard{&unwound};
        co_await gale::io::sleep(10s);
      },
      50ms);
    FAIL("no timeout");
  } catch (const std::system_error& e) {
    CHECK(e.code() == asio::error::timed_out);
  }
  CHECK(unwound);
  CHECK(steady_clock::now() - start < 5s);
}

TEST_CASE("run_sync ends with its coroutine, not with what it spawned",
          "[io][coro]") {
  auto start = steady_clock::now();
  auto value = gale::io::run_sync([]() -> asio::awaitable<int> {
    auto ex = co_await asio::this_coro::executor;
    asio::co_spawn(ex, gale::io::sleep(10s), asio::detached);
    co_return 7;
  });
  CHECK(value == 7);
  CHECK(steady_clock::now() - start < 5s);
}

TEST_CASE("run_sync's loop survives a handler that throws", "[io][coro]") {
  gale::test::unhandled_reports reports;
  auto value = gale::io::run_sync([]() -> asio::awaitable<int> {
    auto ex = co_await asio::this_coro::executor;
    asio::post(ex, [] { throw std::runtime_error("a bug"); });
    co_await gale::io::sleep(20ms);
    co_return 1;
  });
  CHECK(value == 1);
  CHECK(reports.wait(0) == "a handler on run_sync's loop: a bug");
}

TEST_CASE("sleep waits without blocking, and is cancelled with its coroutine",
          "[io][coro]") {
  SECTION("two sleeps overlap") {
    auto elapsed = gale::io::run_sync([]() -> asio::awaitable<int> {
      auto ex = co_await asio::this_coro::executor;
      auto start = steady_clock::now();
      asio::co_spawn(ex, gale::io::sleep(100ms), asio::detached);
      co_await gale::io::sleep(120ms);
      co_return static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(
          steady_clock::now() - start)
          .count());
    });
    CHECK(elapsed >= 120);
    CHECK(elapsed < 215); // one after the other they would take 220 ms
  }
  SECTION("cancelled") {
    auto outcome = gale::io::run_sync([]() -> asio::awaitable<std::string> {
      auto ex = co_await asio::this_coro::executor;
      asio::cancellation_signal signal;
      std::string seen = "still sleeping";
      asio::co_spawn(
        ex, gale::io::sleep(10s),
        asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr e) {
          try {
            if (e)
              std::rethrow_exception(e);
            seen = "woke normally";
          } catch (const std::system_error& err) {
            seen = err.code() == asio::error::operation_aborted
                     ? "aborted"
                     : err.code().message();
          }
        }));
      co_await gale::io::moment();
      signal.emit(asio::cancellation_type::terminal);
      co_await gale::io::sleep(20ms);
      co_return seen;
    });
    CHECK(outcome == "aborted");
  }
}

TEST_CASE("moment lets the loop run what was ready first", "[io][coro]") {
  auto order = gale::io::run_sync([]() -> asio::awaitable<std::string> {
    auto ex = co_await asio::this_coro::executor;
    std::string trace;
    auto step = [&](char c) -> asio::awaitable<void> {
      trace += c;
      co_await gale::io::moment();
      trace += c;
    };
    asio::co_spawn(ex, step('a'), asio::detached);
    asio::co_spawn(ex, step('b'), asio::detached);
    co_await gale::io::sleep(20ms);
    co_return trace;
  });
  CHECK(order == "abab");
}
