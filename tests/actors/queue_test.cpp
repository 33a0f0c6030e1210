#include "gale/queue.hpp"

#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <thread>

using namespace std::chrono_literals;

TEST_CASE("a queue delivers in order, with time limits", "[actors][queue]") {
  gale::queue<int> q;
  CHECK_FALSE(q.try_pop());
  CHECK_FALSE(q.pop(5ms));
  q.push(1);
  q.push(2);
  CHECK(q.size() == 2);
  CHECK(q.try_pop() == 1);
  CHECK(q.pop() == 2);
  std::thread producer{[&] {
    std::this_thread::sleep_for(10ms);
    q.push(3);
  }};
  CHECK(q.pop(5s) == 3);
  producer.join();
}

TEST_CASE("async_pop in an Asio coroutine", "[actors][queue]") {
  gale::queue<gale::result<int>> q;
  asio::io_context ctx;
  auto sum = asio::co_spawn(
    ctx,
    [&]() -> asio::awaitable<int> {
      int total = 0;
      for (int i = 0; i < 3; ++i) {
        auto r = co_await q.async_pop(asio::use_awaitable);
        total += r.ok() ? r.value() : 100;
      }
      co_return total;
    },
    asio::use_future);
  std::thread producer{[&] {
    q.push(gale::result<int>{1});
    std::this_thread::sleep_for(5ms);
    q.push(gale::result<int>{std::error_code{gale::errc::timed_out}});
    q.push(gale::result<int>{2});
  }};
  ctx.run_for(5s);
  producer.join();
  CHECK(sum.get() == 103);
}

TEST_CASE("result holds a value or an error", "[actors][queue]") {
  gale::result<int> ok{4};
  gale::result<int> bad{std::error_code{gale::errc::cancelled}};
  CHECK(ok.ok());
  CHECK(ok.value() == 4);
  CHECK_FALSE(bad.ok());
  CHECK(bad.error() == gale::errc::cancelled);
  CHECK_THROWS_AS(bad.value(), gale::error);
}
