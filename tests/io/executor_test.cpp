// run_in_executor: blocking work off the loop, in every Asio style.

#include "gale/io/executor.hpp"
#include "gale/io/loop.hpp"
#include "gale/io/timers.hpp"

#include <catch2/catch.hpp>

#include <asio/bind_executor.hpp>
#include <asio/co_spawn.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <future>
#include <stdexcept>
#include <string>
#include <thread>

using namespace std::chrono_literals;
namespace io = gale::io;

namespace {

template <class T>
T wait(std::future<T> f) {
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  return f.get();
}

int slow_answer() {
  std::this_thread::sleep_for(50ms);
  return 42;
}

int fails() {
  throw std::runtime_error("the work failed");
}

} // namespace

TEST_CASE("run_in_executor: callback, future, coroutine, with errors",
          "[io][executor]") {
  io::thread_pool pool{2};
  io::loop loop;
  loop.start();

  SECTION("callback, on the pool's thread unless bound to the loop") {
    std::promise<std::pair<int, bool>> got;
    io::run_in_executor(
      pool, slow_answer,
      asio::bind_executor(loop.executor(), [&](std::exception_ptr ep, int v) {
        CHECK_FALSE(ep);
        got.set_value({v, loop.in_loop_thread()});
      }));
    CHECK(wait(got.get_future()) == std::pair{42, true});

    std::promise<std::string> failure;
    io::run_in_executor(pool, fails, [&](std::exception_ptr ep, int) {
      try {
        std::rethrow_exception(ep);
      } catch (const std::runtime_error& e) {
        failure.set_value(e.what());
      }
    });
    CHECK(wait(failure.get_future()) == "the work failed");
  }
  SECTION("asio::use_future") {
    CHECK(wait(io::run_in_executor(pool, slow_answer, asio::use_future)) == 42);
    auto f = io::run_in_executor(pool, fails, asio::use_future);
    REQUIRE(f.wait_for(10s) == std::future_status::ready);
    CHECK_THROWS_WITH(f.get(), "the work failed");
    // void work, and the default pool.
    std::atomic<bool> ran{false};
    wait(io::run_in_executor([&] { ran = true; }, asio::use_future));
    CHECK(ran);
  }
  SECTION("a coroutine resumes on its loop, with the value or the exception") {
    auto result = asio::co_spawn(
      loop.executor(),
      [&]() -> asio::awaitable<std::string> {
        auto v =
          co_await io::run_in_executor(pool, slow_answer, asio::use_awaitable);
        bool home = loop.in_loop_thread();
        try {
          co_await io::run_in_executor(pool, fails, asio::use_awaitable);
        } catch (const std::runtime_error& e) {
          co_return std::to_string(v)
            + (home && loop.in_loop_thread() ? " " : " ?") + e.what();
        }
        co_return "not thrown";
      },
      asio::use_future);
    CHECK(wait(std::move(result)) == "42 the work failed");
  }
}

TEST_CASE("run_in_executor keeps the loop free while the work runs",
          "[io][executor]") {
  io::thread_pool pool{1};
  io::loop loop;
  loop.start();
  auto began = std::chrono::steady_clock::now();
  auto slow = io::run_in_executor(
    pool,
    [] {
      std::this_thread::sleep_for(300ms);
      return 1;
    },
    asio::use_future);
  // A timer on the loop fires on time meanwhile.
  std::promise<void> ticked;
  io::call_later(loop.executor(), 10ms, [&] { ticked.set_value(); });
  wait(ticked.get_future());
  CHECK(std::chrono::steady_clock::now() - began < 250ms);
  CHECK(wait(std::move(slow)) == 1);
}

TEST_CASE("a pool's work runs on several threads at once", "[io][executor]") {
  io::thread_pool pool{2};
  std::promise<void> both_in;
  auto both = both_in.get_future().share();
  std::atomic<int> inside{0};
  auto meet = [&] {
    if (++inside == 2)
      both_in.set_value();
    // Each waits for the other: only two threads at once get past this.
    return both.wait_for(5s) == std::future_status::ready ? 0 : 1;
  };
  auto a = io::run_in_executor(
    pool, [&] { return meet(); }, asio::use_future);
  auto b = io::run_in_executor(
    pool, [&] { return meet(); }, asio::use_future);
  CHECK(wait(std::move(a)) + wait(std::move(b)) == 0);
}

TEST_CASE("in_executor: a whole handler runs on the pool while the loop "
          "goes on; an exception is reported and the next call runs",
          "[io][executor]") {
  io::thread_pool pool{1};
  io::loop loop;
  loop.start();
  std::promise<std::string> done;
  std::promise<std::thread::id> ran_on;
  // [in-executor]
  auto handler = io::in_executor(pool, [&](std::string name, int n) {
    std::this_thread::sleep_for(300ms); // blocking work, off the loop
    ran_on.set_value(std::this_thread::get_id());
    done.set_value(name + " " + std::to_string(n));
  });
  // [end]
  std::promise<std::thread::id> loop_thread;
  auto began = std::chrono::steady_clock::now();
  asio::post(loop.executor(), [&] {
    loop_thread.set_value(std::this_thread::get_id());
    handler(std::string{"report"}, 7); // returns at once
  });
  std::promise<void> ticked;
  io::call_later(loop.executor(), 10ms, [&] { ticked.set_value(); });
  wait(ticked.get_future());
  CHECK(std::chrono::steady_clock::now() - began < 250ms);
  CHECK(wait(done.get_future()) == "report 7");
  CHECK(wait(ran_on.get_future()) != wait(loop_thread.get_future()));

  std::promise<std::string> reported;
  auto before = io::set_unhandled_handler(
    [&](const io::unhandled_exception& e) { reported.set_value(e.where); });
  std::promise<int> next;
  auto picky = io::in_executor(pool, [&](int x) {
    if (x < 0)
      throw std::invalid_argument("negative");
    next.set_value(x);
  });
  asio::post(loop.executor(), [&] {
    picky(-1);
    picky(2);
  });
  CHECK(wait(reported.get_future()) == "a handler run in an executor");
  CHECK(wait(next.get_future()) == 2);
  // The loop's posts into the pool have returned (Asio signals the pool
  // after unlocking) before the pool goes: the loop stops first.
  loop.stop();
  pool.join();
  io::set_unhandled_handler(before);
}
