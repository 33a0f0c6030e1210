#include "gale/requester.hpp"

#include "fixture.hpp"
#include "gale/blocking.hpp"
#include "gale/future.hpp"
#include "gale/queue.hpp"
#include "test_actors.hpp"

#include <catch2/catch.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/bind_executor.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/steady_timer.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <caf/make_message.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/system_messages.hpp>

#include <future>

using namespace std::chrono_literals;
using gale::errc;
using gale::test::add_atom;
using gale::test::code_of;
using gale::test::fail_atom;
using gale::test::hang_atom;
using gale::test::name_atom;
using gale::test::quit_atom;

namespace {

struct requester_fixture : gale::test::fixture {
  gale::requester req{sys};
  caf::actor calc = sys.spawn(gale::test::calculator);

  ~requester_fixture() {
    caf::anon_send_exit(calc, caf::exit_reason::user_shutdown);
  }

  caf::message add(int x, int y) {
    return caf::make_message(add_atom::value, x, y);
  }
};

/// Runs an Asio coroutine on its own io_context and returns its result.
template <class T, class F>
T run_coroutine(F f) {
  asio::io_context ctx;
  auto result = asio::co_spawn(ctx, f(), asio::use_future);
  ctx.run_for(10s);
  REQUIRE(result.wait_for(0s) == std::future_status::ready);
  return result.get();
}

} // namespace

TEST_CASE_METHOD(requester_fixture, "a request in every style gets the reply",
                 "[actors][requester]") {
  SECTION("callback, on the replying actor's thread") {
    std::promise<std::pair<std::error_code, int>> got;
    req.async_request<int>(calc, 5s, add(1, 2), [&](std::error_code ec, int x) {
      got.set_value({ec, x});
    });
    auto f = got.get_future();
    REQUIRE(f.wait_for(5s) == std::future_status::ready);
    CHECK(f.get() == std::pair{std::error_code{}, 3});
  }
  SECTION("callback bound to a user executor runs there") {
    asio::io_context user;
    std::thread::id ran_on;
    int value = 0;
    req.async_request<int>(
      calc, 5s, add(2, 3),
      asio::bind_executor(user, [&](std::error_code, int x) {
        ran_on = std::this_thread::get_id();
        value = x;
      }));
    user.run_for(5s); // returns once the callback ran: it holds work
    CHECK(value == 5);
    CHECK(ran_on == std::this_thread::get_id());
  }
  SECTION("std::future through asio::use_future") {
    auto f = req.async_request<int>(calc, 5s, add(3, 4), asio::use_future);
    REQUIRE(f.wait_for(5s) == std::future_status::ready);
    CHECK(f.get() == 7);
  }
  SECTION("gale::future") {
    gale::future<int> f =
      req.async_request<int>(calc, 5s, add(4, 5), gale::use_future);
    CHECK(f.get(5s) == 9);
  }
  SECTION("awaitable in an Asio coroutine") {
    auto x = run_coroutine<int>([&]() -> asio::awaitable<int> {
      co_return co_await req.async_request<int>(calc, 5s, add(5, 6),
                                                asio::use_awaitable);
    });
    CHECK(x == 11);
  }
  SECTION("a queue") {
    gale::queue<gale::result<int>> q;
    req.async_request<int>(calc, 5s, add(6, 7), gale::to_queue(q));
    req.async_request<std::string>(calc, 5s,
                                   caf::make_message(name_atom::value),
                                   [](std::error_code, std::string) {});
    auto r = q.pop(5s);
    REQUIRE(r);
    CHECK(r->value() == 13);
  }
  SECTION("blocking") {
    CHECK(req.async_request<int>(calc, 5s, add(7, 8), gale::use_blocking)
          == 15);
    CHECK(req.async_request<std::string>(
            calc, 5s, caf::make_message(name_atom::value), gale::use_blocking)
          == "calculator");
  }
}

TEST_CASE_METHOD(requester_fixture, "errors arrive the same way in every style",
                 "[actors][requester]") {
  auto hang = caf::make_message(hang_atom::value);
  SECTION("timeout") {
    std::promise<std::error_code> cb;
    req.async_request<int>(calc, 20ms, hang,
                           [&](std::error_code ec, int) { cb.set_value(ec); });
    CHECK(cb.get_future().get() == errc::timed_out);
    auto f = req.async_request<int>(calc, 20ms, hang, gale::use_future);
    CHECK(code_of([&] { f.get(5s); }) == errc::timed_out);
    auto sf = req.async_request<int>(calc, 20ms, hang, asio::use_future);
    CHECK(code_of([&] { sf.get(); }) == errc::timed_out);
    CHECK(code_of([&] {
            req.async_request<int>(calc, 20ms, hang, gale::use_blocking);
          })
          == errc::timed_out);
    gale::queue<gale::result<int>> q;
    req.async_request<int>(calc, 20ms, hang, gale::to_queue(q));
    CHECK(q.pop(5s)->error() == errc::timed_out);
    auto ec =
      run_coroutine<std::error_code>([&]() -> asio::awaitable<std::error_code> {
        try {
          co_await req.async_request<int>(calc, 20ms, hang,
                                          asio::use_awaitable);
        } catch (const std::system_error& e) {
          co_return e.code();
        }
        co_return std::error_code{};
      });
    CHECK(ec == errc::timed_out);
  }
  SECTION("the receiver's own error") {
    auto f = req.async_request<int>(
      calc, 5s, caf::make_message(fail_atom::value), gale::use_future);
    CHECK(code_of([&] { f.get(5s); }) == errc::actor_error);
  }
  SECTION("a reply of another type") {
    auto f =
      req.async_request<std::string>(calc, 5s, add(1, 1), gale::use_future);
    CHECK(code_of([&] { f.get(5s); }) == errc::unexpected_reply);
  }
  SECTION("a message the receiver does not handle") {
    auto f =
      req.async_request<int>(calc, 5s, caf::make_message(42), gale::use_future);
    CHECK(code_of([&] { f.get(5s); }) == errc::unexpected_reply);
  }
  SECTION("no receiver at all") {
    auto f =
      req.async_request<int>(caf::actor{}, 5s, add(1, 1), gale::use_future);
    CHECK(code_of([&] { f.get(5s); }) == errc::invalid_handle);
  }
}

TEST_CASE_METHOD(requester_fixture,
                 "a dead receiver fails its requests, even one it dropped",
                 "[actors][requester]") {
  SECTION("dead before the request") {
    caf::scoped_actor watcher{sys};
    watcher->monitor(calc);
    caf::anon_send(calc, quit_atom::value);
    watcher->receive([](const caf::down_msg&) {});
    auto f = req.async_request<int>(calc, 5s, add(1, 1), gale::use_future);
    CHECK(code_of([&] { f.get(5s); }) == errc::actor_down);
  }
  SECTION("dies while the request waits, with an infinite timeout") {
    auto f = req.async_request<int>(calc, caf::infinite,
                                    caf::make_message(hang_atom::value),
                                    gale::use_future);
    std::this_thread::sleep_for(20ms);
    CHECK_FALSE(f.ready());
    caf::anon_send(calc, quit_atom::value);
    CHECK(code_of([&] { f.get(5s); }) == errc::actor_down);
  }
}

TEST_CASE_METHOD(requester_fixture, "cancellation ends a request exactly once",
                 "[actors][requester]") {
  auto hang = caf::make_message(hang_atom::value);
  SECTION("callback") {
    asio::cancellation_signal signal;
    std::atomic<int> calls{0};
    std::promise<std::error_code> got;
    req.async_request<int>(
      calc, caf::infinite, hang,
      asio::bind_cancellation_slot(signal.slot(), [&](std::error_code ec, int) {
        ++calls;
        got.set_value(ec);
      }));
    signal.emit(asio::cancellation_type::terminal);
    CHECK(got.get_future().get() == errc::cancelled);
    signal.emit(asio::cancellation_type::terminal); // no second completion
    std::this_thread::sleep_for(10ms);
    CHECK(calls == 1);
  }
  SECTION("gale::future") {
    asio::cancellation_signal signal;
    auto f = req.async_request<int>(
      calc, caf::infinite, hang,
      asio::bind_cancellation_slot(signal.slot(), gale::use_future));
    signal.emit(asio::cancellation_type::terminal);
    CHECK(code_of([&] { f.get(5s); }) == errc::cancelled);
  }
  SECTION("awaitable, by a race against a timer") {
    auto ec =
      run_coroutine<std::error_code>([&]() -> asio::awaitable<std::error_code> {
        auto ex = co_await asio::this_coro::executor;
        asio::cancellation_signal signal;
        asio::steady_timer timer{ex, 20ms};
        timer.async_wait([&](std::error_code) {
          signal.emit(asio::cancellation_type::terminal);
        });
        try {
          co_await req.async_request<int>(
            calc, caf::infinite, hang,
            asio::bind_cancellation_slot(signal.slot(), asio::use_awaitable));
        } catch (const std::system_error& e) {
          co_return e.code();
        }
        co_return std::error_code{};
      });
    CHECK(ec == errc::cancelled);
  }
  SECTION("by id") {
    gale::promise<std::error_code> got;
    auto id =
      req.send(caf::actor_cast<caf::strong_actor_ptr>(calc), caf::infinite,
               hang, [got](caf::error err, caf::message) {
                 got.set_result(gale::to_error_code(err));
               });
    CHECK(req.cancel(id));
    CHECK_FALSE(req.cancel(id));
    CHECK(got.get_future().get(5s) == errc::cancelled);
  }
}

TEST_CASE("destroying a requester cancels what it still waits for",
          "[actors][requester]") {
  gale::test::fixture fx;
  auto calc = fx.sys.spawn(gale::test::calculator);
  gale::future<int> f;
  {
    gale::requester req{fx.sys};
    f = req.async_request<int>(calc, caf::infinite,
                               caf::make_message(hang_atom::value),
                               gale::use_future);
  }
  CHECK(code_of([&] { f.get(5s); }) == errc::cancelled);
  caf::anon_send_exit(calc, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(requester_fixture, "many requests in flight from many threads",
                 "[actors][requester]") {
  constexpr int threads = 4;
  constexpr int per_thread = 500;
  std::vector<std::thread> workers;
  std::atomic<int> correct{0};
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      std::vector<gale::future<int>> fs;
      for (int i = 0; i < per_thread; ++i)
        fs.push_back(
          req.async_request<int>(calc, 10s, add(t, i), gale::use_future));
      for (int i = 0; i < per_thread; ++i)
        if (fs[i].get(10s) == t + i)
          ++correct;
    });
  for (auto& w : workers)
    w.join();
  CHECK(correct == threads * per_thread);
}
