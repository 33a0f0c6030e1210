// The I/O actor through io_client: one operation, every completion style.
#include "gale/io_client.hpp"

#include "io_client_fixture.hpp"
#include "gale/blocking.hpp"
#include "gale/future.hpp"
#include "gale/queue.hpp"
#include "gale/to_actor.hpp"

#include <catch2/catch.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/bind_executor.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <csignal>

using namespace std::chrono_literals;
using gale::errc;
using gale::test::code_of;

namespace {

using gale::test::client_fixture;

} // namespace

TEST_CASE_METHOD(client_fixture, "sleep in every style",
                 "[actors][io_client]") {
  SECTION("callback, on the loop thread") {
    std::promise<std::error_code> done;
    client.sleep(5ms, [&](std::error_code ec) { done.set_value(ec); });
    CHECK_FALSE(done.get_future().get());
  }
  SECTION("std::future") {
    auto f = client.sleep(5ms, asio::use_future);
    REQUIRE(f.wait_for(5s) == std::future_status::ready);
    CHECK_NOTHROW(f.get());
  }
  SECTION("gale::future") {
    gale::future<void> f = client.sleep(5ms, gale::use_future);
    CHECK_NOTHROW(f.get(5s));
  }
  SECTION("awaitable") {
    asio::io_context ctx;
    auto f = asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<int> {
        co_await client.sleep(5ms, asio::use_awaitable);
        co_return 1;
      },
      asio::use_future);
    ctx.run_for(5s);
    CHECK(f.get() == 1);
  }
  SECTION("queue") {
    gale::queue<gale::result<void>> q;
    client.sleep(5ms, gale::to_queue(q));
    auto r = q.pop(5s);
    REQUIRE(r);
    CHECK(r->ok());
  }
  SECTION("blocking") {
    auto start = std::chrono::steady_clock::now();
    client.sleep(20ms, gale::use_blocking);
    CHECK(std::chrono::steady_clock::now() - start >= 20ms);
  }
}

TEST_CASE_METHOD(client_fixture, "an echo over TCP in every style",
                 "[actors][io_client]") {
  auto [c, s] = connected_pair();
  SECTION("blocking") {
    CHECK(client.write(c, "ping", gale::use_blocking) == 4);
    CHECK(client.read(s, 64, gale::use_blocking) == "ping");
  }
  SECTION("futures") {
    auto w = client.write(c, "ping", gale::use_future);
    auto r = client.read(s, 64, gale::use_future).then([](std::string x) {
      return x.size();
    });
    CHECK(w.get(5s) == 4);
    CHECK(r.get(5s) == 4);
  }
  SECTION("a coroutine") {
    asio::io_context ctx;
    auto f = asio::co_spawn(
      ctx,
      [&, c = c, s = s]() -> asio::awaitable<std::string> {
        co_await client.write(c, "ping", asio::use_awaitable);
        auto got = co_await client.read(s, 64, asio::use_awaitable);
        co_await client.write(s, got + "!", asio::use_awaitable);
        co_return co_await client.read(c, 64, asio::use_awaitable);
      },
      asio::use_future);
    ctx.run_for(5s);
    CHECK(f.get() == "ping!");
  }
  SECTION("a queue") {
    gale::queue<gale::result<std::string>> q;
    client.read(s, 64, gale::to_queue(q));
    client.write(c, "ping", [](std::error_code, std::uint64_t) {});
    CHECK(q.pop(5s)->value() == "ping");
  }
}

TEST_CASE_METHOD(client_fixture, "a read that times out loses no bytes",
                 "[actors][io_client]") {
  auto [c, s] = connected_pair();
  auto quick = client.with_timeout(30ms);
  CHECK(code_of([&] { quick.read(s, 64, gale::use_blocking); })
        == errc::timed_out);
  client.write(c, "late", gale::use_blocking);
  CHECK(quick.read(s, 64, gale::use_blocking) == "late");
}

TEST_CASE_METHOD(
  client_fixture,
  "cancelling through the token's slot stops the read on the loop",
  "[actors][io_client]") {
  auto [c, s] = connected_pair();
  asio::cancellation_signal signal;
  auto f = client.read(
    s, 64, asio::bind_cancellation_slot(signal.slot(), gale::use_future));
  std::this_thread::sleep_for(10ms);
  signal.emit(asio::cancellation_type::terminal);
  CHECK(code_of([&] { f.get(5s); }) == errc::cancelled);
  // the connection is still good
  client.write(c, "after", gale::use_blocking);
  CHECK(client.read(s, 64, gale::use_blocking) == "after");
}

TEST_CASE_METHOD(client_fixture, "errors of each operation, in each style",
                 "[actors][io_client]") {
  SECTION("connection refused") {
    auto port = std::to_string(gale::test::closed_port());
    std::promise<std::error_code> cb;
    client.connect(
      "127.0.0.1", port,
      [&](std::error_code ec, gale::connection_id) { cb.set_value(ec); });
    CHECK(cb.get_future().get() == asio::error::connection_refused);
    CHECK(
      code_of([&] { client.connect("127.0.0.1", port, gale::use_blocking); })
      == asio::error::connection_refused);
    gale::queue<gale::result<gale::connection_id>> q;
    client.connect("127.0.0.1", port, gale::to_queue(q));
    CHECK(q.pop(5s)->error() == asio::error::connection_refused);
  }
  SECTION("unknown host") {
    CHECK(code_of([&] {
      client.resolve("no-such-host.invalid", "80", gale::use_blocking);
    }));
  }
  SECTION("resolve localhost") {
    auto addrs = client.resolve("localhost", "80", gale::use_blocking);
    REQUIRE_FALSE(addrs.empty());
  }
  SECTION("unknown connection") {
    CHECK(code_of([&] { client.read(12345, 1, gale::use_blocking); })
          == errc::unknown_connection);
    CHECK(code_of([&] { client.close(12345, gale::use_blocking); })
          == errc::unknown_connection);
  }
  SECTION("end of stream, then reads of a closed connection") {
    auto [c, s] = connected_pair();
    client.close(c, gale::use_blocking);
    CHECK(code_of([&] { client.read(s, 1, gale::use_blocking); })
          == asio::error::eof);
    CHECK(code_of([&] { client.write(c, "x", gale::use_blocking); })
          == errc::unknown_connection);
  }
}

TEST_CASE_METHOD(
  client_fixture,
  "a blocking call on the loop thread fails instead of deadlocking",
  "[actors][io_client]") {
  std::promise<std::error_code> inner;
  client.sleep(1ms, [&](std::error_code) {
    // io_client callbacks run on the I/O actor's loop thread
    inner.set_value(code_of([&] { client.sleep(1ms, gale::use_blocking); }));
  });
  CHECK(inner.get_future().get() == errc::would_block_loop);
}

TEST_CASE_METHOD(client_fixture, "signals: callbacks and subscribed actors",
                 "[actors][io_client][signals]") {
  std::atomic<int> calls{0};
  auto id = client.on_signal(
    SIGUSR2, [&](int n) { calls += n == SIGUSR2; }, gale::use_blocking);
  caf::scoped_actor subscriber{sys};
  auto sub = client.subscribe_signal(SIGUSR2, caf::actor{subscriber},
                                     gale::use_blocking);
  std::raise(SIGUSR2);
  REQUIRE(gale::test::eventually([&] { return calls == 1; }));
  int got = 0;
  subscriber->receive([&](gale::signal_atom, int n) { got = n; },
                      caf::after(5s) >> [] { FAIL("no signal message"); });
  CHECK(got == SIGUSR2);
  client.remove_signal(id, gale::use_blocking);
  client.remove_signal(sub, gale::use_blocking);
  // With every watcher gone the default action would kill the process:
  // keep one watcher while raising again.
  std::atomic<int> last{0};
  client.on_signal(
    SIGUSR2, [&](int) { ++last; }, gale::use_blocking);
  std::raise(SIGUSR2);
  REQUIRE(gale::test::eventually([&] { return last == 1; }));
  CHECK(calls == 1);
  CHECK(code_of([&] {
          client.on_signal(
            SIGKILL, [](int) {}, gale::use_blocking);
        })
        == errc::invalid_argument);
}

TEST_CASE_METHOD(client_fixture,
                 "many operations on one loop finish in about the time of one",
                 "[actors][io_client][nonblocking]") {
  SECTION("500 sleeps of 300 ms") {
    constexpr int n = 500;
    auto start = std::chrono::steady_clock::now();
    std::vector<gale::future<void>> fs;
    for (int i = 0; i < n; ++i)
      fs.push_back(client.sleep(300ms, gale::use_future));
    for (auto& f : fs)
      f.get(10s);
    auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(elapsed >= 300ms);
    CHECK(elapsed < 1500ms); // one after another: 150 s
  }
  SECTION("200 connections, each waiting for its peer") {
    constexpr int n = 200;
    auto l = client.listen("127.0.0.1", 0, gale::use_blocking);
    std::vector<gale::future<gale::connection_id>> accepted;
    std::vector<gale::future<gale::connection_id>> connected;
    for (int i = 0; i < n; ++i) {
      accepted.push_back(client.accept(l.id, gale::use_future));
      connected.push_back(
        client.connect("127.0.0.1", std::to_string(l.port), gale::use_future));
    }
    std::vector<gale::future<std::string>> reads;
    std::vector<gale::connection_id> clients;
    for (int i = 0; i < n; ++i) {
      reads.push_back(client.read(accepted[i].get(10s), 16, gale::use_future));
      clients.push_back(connected[i].get(10s));
    }
    // every read now waits on the one loop; then all peers write at once
    auto start = std::chrono::steady_clock::now();
    for (auto c : clients)
      client.write(c, "x", [](std::error_code, std::uint64_t) {});
    int ok = 0;
    for (auto& r : reads)
      ok += r.get(10s) == "x";
    CHECK(ok == n);
    CHECK(std::chrono::steady_clock::now() - start < 5s);
  }
}

TEST_CASE_METHOD(client_fixture,
                 "to_actor: an io_client operation completes as a message",
                 "[actors][io_client]") {
  using slept_atom = caf::atom_constant<caf::atom("slept")>;
  using read_done = caf::atom_constant<caf::atom("readdone")>;
  gale::promise<std::string> outcome;
  sys.spawn([client = client, outcome](caf::event_based_actor* self) {
    caf::actor me = caf::actor_cast<caf::actor>(self);
    client.sleep(5ms, gale::to_actor(me, slept_atom::value));
    return caf::behavior{
      [=](slept_atom) {
        // a failing read: the error arrives with the same tag
        client.read(4242, 16, gale::to_actor(me, read_done::value));
      },
      [=](read_done, const std::string&) {
        outcome.set_result("read an unknown connection");
        self->quit();
      },
      [=](read_done, const caf::error& err) {
        outcome.set_result(gale::to_error_code(err) == errc::unknown_connection
                             ? "ok"
                             : gale::describe(err));
        self->quit();
      },
    };
  });
  CHECK(outcome.get_future().get(10s) == "ok");
}
