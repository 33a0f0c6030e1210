// The adapters complete on the awaiting handler's own executor, through
// gale's one completion helper, and never inside the initiating call.

#include "gale/future.hpp"
#include "gale/queue.hpp"
#include "gale/requester.hpp"

#include "fixture.hpp"
#include "test_actors.hpp"

#include <catch2/catch.hpp>

#include <asio/bind_executor.hpp>
#include <asio/co_spawn.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <caf/make_message.hpp>

#include <atomic>
#include <thread>

using namespace std::chrono_literals;

namespace {

/// An io_context on a thread of its own: the coroutine's executor, which
/// is nobody else's.
struct foreign_loop {
  asio::io_context ctx;
  asio::executor_work_guard<asio::io_context::executor_type> guard{
    ctx.get_executor()};
  std::thread thread{[this] { ctx.run(); }};
  ~foreign_loop() {
    guard.reset();
    thread.join();
  }
  bool here() { return ctx.get_executor().running_in_this_thread(); }

  /// Runs `body` as a coroutine there and waits for its result.
  template <class F>
  auto run(F body) {
    auto f = asio::co_spawn(ctx, body(), asio::use_future);
    REQUIRE(f.wait_for(10s) == std::future_status::ready);
    return f.get();
  }
};

/// Calls `initiate` from inside a handler of `ctx` (so that a dispatch
/// there would run inline) and says whether the completion ran inside it.
template <class Initiate>
bool completes_inside(Initiate initiate) {
  asio::io_context ctx;
  bool initiating = false, ran_inside = true, ran = false;
  asio::post(ctx, [&] {
    initiating = true;
    initiate(asio::bind_executor(ctx, [&](auto&&...) {
      ran = true;
      ran_inside = initiating;
    }));
    initiating = false;
  });
  ctx.run_for(5s);
  REQUIRE(ran);
  return ran_inside;
}

} // namespace

TEST_CASE("async_request resumes a coroutine on its own executor",
          "[actors][requester][executor]") {
  gale::test::fixture fx;
  gale::requester req{fx.sys};
  auto calc = fx.sys.spawn(gale::test::calculator);
  foreign_loop foreign;
  auto [sum, ok_there, failed, error_there] =
    foreign.run([&]() -> asio::awaitable<std::tuple<int, bool, bool, bool>> {
      auto n = co_await req.async_request<int>(
        calc, 5s, caf::make_message(gale::test::add_atom::value, 2, 3),
        asio::use_awaitable);
      bool ok_here = foreign.here();
      bool threw = false;
      try {
        co_await req.async_request<int>(
          calc, 5s, caf::make_message(gale::test::fail_atom::value),
          asio::use_awaitable);
      } catch (const std::system_error&) {
        threw = true;
      }
      co_return std::tuple{n, ok_here, threw, foreign.here()};
    });
  CHECK(sum == 5);
  CHECK(ok_there);
  CHECK(failed);
  CHECK(error_there);
  caf::anon_send_exit(calc, caf::exit_reason::user_shutdown);
}

TEST_CASE("future::async_wait resumes on its own executor, ready or not",
          "[actors][future][executor]") {
  foreign_loop foreign;
  gale::promise<int> later, failing;
  auto ready = [] {
    gale::promise<int> p;
    p.set_result(7);
    return p.get_future();
  }();
  std::thread setter{[&] {
    std::this_thread::sleep_for(50ms);
    later.set_result(42);
    failing.set_error(make_error_code(gale::errc::timed_out));
  }};
  auto [values, everywhere] =
    foreign.run([&]() -> asio::awaitable<std::pair<int, bool>> {
      auto [e1, a] = co_await ready.async_wait(
        asio::experimental::as_tuple(asio::use_awaitable));
      bool here = foreign.here() && !e1;
      auto [e2, b] = co_await later.get_future().async_wait(
        asio::experimental::as_tuple(asio::use_awaitable));
      here = here && foreign.here() && !e2;
      auto [e3, c] = co_await failing.get_future().async_wait(
        asio::experimental::as_tuple(asio::use_awaitable));
      here = here && foreign.here() && e3;
      co_return std::pair{a + b + c, here};
    });
  setter.join();
  CHECK(values == 49);
  CHECK(everywhere);
  CHECK_FALSE(completes_inside(
    [&](auto handler) { ready.async_wait(std::move(handler)); }));
}

TEST_CASE("queue::async_pop resumes on its own executor, waiting or not",
          "[actors][queue][executor]") {
  foreign_loop foreign;
  gale::queue<int> q;
  q.push(1);
  std::thread pusher{[&] {
    std::this_thread::sleep_for(50ms);
    q.push(2);
  }};
  auto [sum, everywhere] =
    foreign.run([&]() -> asio::awaitable<std::pair<int, bool>> {
      auto a = co_await q.async_pop(asio::use_awaitable); // there already
      bool here = foreign.here();
      auto b = co_await q.async_pop(asio::use_awaitable); // pushed later
      co_return std::pair{a + b, here && foreign.here()};
    });
  pusher.join();
  CHECK(sum == 3);
  CHECK(everywhere);
  q.push(3);
  CHECK_FALSE(
    completes_inside([&](auto handler) { q.async_pop(std::move(handler)); }));
}
