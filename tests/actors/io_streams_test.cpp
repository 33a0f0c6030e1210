// The I/O actor's connections are gale streams: lines, bounded reads,
// listeners that close.
#include "gale/io_client.hpp"

#include "io_client_fixture.hpp"
#include "gale/blocking.hpp"
#include "gale/future.hpp"
#include "gale/queue.hpp"

#include <gale/io/stream_error.hpp>

#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <fstream>
#include <thread>

using namespace std::chrono_literals;
using gale::errc;
using gale::test::code_of;

namespace {

using stream_fixture = gale::test::client_fixture;

/// This process's resident memory in KiB.
long resident_kib() {
  std::ifstream statm{"/proc/self/statm"};
  long size = 0, resident = 0;
  statm >> size >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

} // namespace

TEST_CASE_METHOD(stream_fixture, "read_until through the I/O actor",
                 "[actors][io_client][stream]") {
  auto [c, s] = connected_pair();
  SECTION("blocking, a delimiter split across writes") {
    client.write(c, "GET / HT", gale::use_blocking);
    auto line = client.read_until(s, "\r\n", 0, gale::use_future);
    std::this_thread::sleep_for(20ms);
    client.write(c, "TP/1.1\r\nHost: x\r\n", gale::use_blocking);
    CHECK(line.get(5s) == "GET / HTTP/1.1\r\n");
    CHECK(client.read_until(s, "\r\n", 0, gale::use_blocking) == "Host: x\r\n");
  }
  SECTION("an Asio coroutine on another executor") {
    client.write(c, "one\ntwo\n", gale::use_blocking);
    asio::io_context other;
    auto both = asio::co_spawn(
      other,
      [&]() -> asio::awaitable<std::string> {
        auto a = co_await client.read_until(s, "\n", 0, asio::use_awaitable);
        auto b = co_await client.read_until(s, "\n", 0, asio::use_awaitable);
        co_return a + b;
      },
      asio::use_future);
    other.run();
    CHECK(both.get() == "one\ntwo\n");
  }
  SECTION("not within max: unsatisfiable, and the bytes stay") {
    client.write(c, "0123456789", gale::use_blocking);
    gale::queue<gale::result<std::string>> q;
    client.read_until(s, "\n", 4, gale::to_queue(q));
    CHECK(q.pop(5s)->error() == gale::io::stream_errc::unsatisfiable_read);
    CHECK(client.read(s, 100, gale::use_blocking) == "0123456789");
  }
  SECTION("the peer closes first: end of file") {
    client.write(c, "no end", gale::use_blocking);
    client.close(c, gale::use_blocking);
    CHECK(code_of([&] { client.read_until(s, "\n", 0, gale::use_blocking); })
          == asio::error::eof);
  }
}

TEST_CASE_METHOD(stream_fixture,
                 "a read of up to 4 GiB allocates what arrives, not 4 GiB",
                 "[actors][io_client][stream]") {
  auto [c, s] = connected_pair();
  auto before = resident_kib();
  auto big = client.read(s, 0xFFFFFFFFu, gale::use_future);
  client.write(c, "small", gale::use_blocking);
  CHECK(big.get(5s) == "small");
  CHECK(resident_kib() - before < 64 * 1024);
}

TEST_CASE_METHOD(stream_fixture, "unlisten closes a listener",
                 "[actors][io_client][stream]") {
  auto l = client.listen("127.0.0.1", 0, gale::use_blocking);
  auto pending = client.accept(l.id, gale::use_future);
  client.unlisten(l.id, gale::use_blocking);
  CHECK(code_of([&] { pending.get(5s); }) == asio::error::operation_aborted);
  CHECK(code_of([&] {
          client.connect("127.0.0.1", std::to_string(l.port),
                         gale::use_blocking);
        })
        == asio::error::connection_refused);
  CHECK(code_of([&] { client.unlisten(l.id, gale::use_blocking); })
        == errc::unknown_listener);
  CHECK(code_of([&] { client.accept(l.id, gale::use_blocking); })
        == errc::unknown_listener);
}

TEST_CASE_METHOD(stream_fixture, "connect takes a service name or a port",
                 "[actors][io_client][stream]") {
  auto l = client.listen("127.0.0.1", 0, gale::use_blocking);
  auto server = client.accept(l.id, gale::use_future);
  client.connect("127.0.0.1", std::to_string(l.port), gale::use_blocking);
  server.get(5s);
  CHECK(code_of([&] {
          client.connect("127.0.0.1", "no-such-service", gale::use_blocking);
        })
        == asio::error::service_not_found);
}
