// Every completion style of io_client against every outcome: success, an
// error of the operation, a timeout on the loop, cancellation, and the I/O
// actor dying while the operation waits. Each must end exactly once with
// the same error code whatever the style.
#include "fixture.hpp"
#include "gale/blocking.hpp"
#include "gale/future.hpp"
#include "gale/io_client.hpp"
#include "gale/queue.hpp"

#include <catch2/catch.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/steady_timer.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <future>
#include <optional>
#include <thread>

using namespace std::chrono_literals;
using gale::errc;

namespace {

enum class style {
  callback,
  std_future,
  gale_future,
  awaitable,
  queue,
  blocking
};

const char* name(style s) {
  switch (s) {
  case style::callback: return "callback";
  case style::std_future: return "std::future";
  case style::gale_future: return "gale::future";
  case style::awaitable: return "awaitable";
  case style::queue: return "queue";
  case style::blocking: return "blocking";
  }
  return "?";
}

/// Reads from `c` in style `s` and returns how the read ended. `meanwhile`
/// runs once the read started; `cancel_after`, if set, emits a terminal
/// cancellation on the thread that initiated the read (Asio's cancellation
/// signals are not thread-safe) after that long.
std::error_code
run(style s, const std::function<void()>& meanwhile,
    const gale::io_client& client, gale::connection_id c,
    std::optional<std::chrono::milliseconds> cancel_after = {}) {
  asio::cancellation_signal signal;
  auto slot = cancel_after ? signal.slot() : asio::cancellation_slot{};
  auto maybe_cancel = [&] {
    if (cancel_after) {
      std::this_thread::sleep_for(*cancel_after);
      signal.emit(asio::cancellation_type::terminal);
    }
  };
  using gale::test::code_of;
  switch (s) {
  case style::callback: {
    std::promise<std::error_code> done;
    std::atomic<int> calls{0};
    client.read(
      c, 16,
      asio::bind_cancellation_slot(slot, [&](std::error_code ec, std::string) {
        ++calls;
        done.set_value(ec);
      }));
    meanwhile();
    maybe_cancel();
    auto ec = done.get_future().get();
    std::this_thread::sleep_for(5ms);
    CHECK(calls == 1);
    return ec;
  }
  case style::std_future: {
    auto f =
      client.read(c, 16, asio::bind_cancellation_slot(slot, asio::use_future));
    meanwhile();
    maybe_cancel();
    return code_of([&] { f.get(); });
  }
  case style::gale_future: {
    auto f =
      client.read(c, 16, asio::bind_cancellation_slot(slot, gale::use_future));
    meanwhile();
    maybe_cancel();
    return code_of([&] { f.get(10s); });
  }
  case style::awaitable: {
    asio::io_context ctx;
    auto f = asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<std::string> {
        co_return co_await client.read(
          c, 16, asio::bind_cancellation_slot(slot, asio::use_awaitable));
      },
      asio::use_future);
    if (cancel_after) // emitted on the coroutine's own thread
      asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
          asio::steady_timer timer{ctx, *cancel_after};
          co_await timer.async_wait(asio::use_awaitable);
          signal.emit(asio::cancellation_type::terminal);
        },
        asio::detached);
    std::thread t{[&] { ctx.run_for(10s); }};
    meanwhile();
    t.join();
    return code_of([&] { f.get(); });
  }
  case style::queue: {
    gale::queue<gale::result<std::string>> q;
    client.read(c, 16, asio::bind_cancellation_slot(slot, gale::to_queue(q)));
    meanwhile();
    maybe_cancel();
    auto r = q.pop(10s);
    REQUIRE(r);
    return r->error();
  }
  case style::blocking: {
    // The calling thread waits, so nothing on it can emit a cancellation:
    // a blocking call ends by its result, its timeout or its actor's end.
    REQUIRE_FALSE(cancel_after);
    std::thread t{meanwhile};
    auto ec = code_of([&] { client.read(c, 16, gale::use_blocking); });
    t.join();
    return ec;
  }
  }
  return {};
}

struct matrix_fixture : gale::test::fixture {
  gale::io_client client{sys, io};
  gale::connection_id reader = 0;
  gale::connection_id writer = 0;

  matrix_fixture() {
    auto l = client.listen("127.0.0.1", 0, gale::use_blocking);
    auto accepted = client.accept(l.id, gale::use_future);
    writer =
      client.connect("127.0.0.1", std::to_string(l.port), gale::use_blocking);
    reader = accepted.get(5s);
  }
};

} // namespace

TEST_CASE_METHOD(matrix_fixture, "every style, every outcome",
                 "[actors][io_client][styles]") {
  auto s = GENERATE(style::callback, style::std_future, style::gale_future,
                    style::awaitable, style::queue, style::blocking);
  CAPTURE(name(s));
  auto nothing = [] {};
  SECTION("success") {
    auto ec = run(
      s, [&] { client.write(writer, "data", gale::use_blocking); }, client,
      reader);
    CHECK_FALSE(ec);
  }
  SECTION("an error of the operation") {
    CHECK(run(s, nothing, client, 999) == errc::unknown_connection);
  }
  SECTION("a timeout on the loop") {
    CHECK(run(s, nothing, client.with_timeout(20ms), reader)
          == errc::timed_out);
  }
  SECTION("cancellation through the token's slot") {
    if (s != style::blocking)
      CHECK(run(s, nothing, client, reader, 20ms) == errc::cancelled);
  }
  SECTION("the I/O actor dies while the operation waits") {
    auto ec = run(
      s,
      [&] {
        std::this_thread::sleep_for(20ms);
        caf::anon_send_exit(io, caf::exit_reason::kill);
      },
      client, reader);
    CHECK(ec == errc::actor_down);
  }
}
