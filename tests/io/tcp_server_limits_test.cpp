// tcp_server's limits: max_connections and the TLS handshake timeout.

#include "gale/io/tcp_client.hpp"
#include "gale/io/tcp_server.hpp"

#include "stream_fixture.hpp"

#include "../support/certificate.hpp"
#include "../support/eventually.hpp"
#include "../support/raw_socket.hpp"

#include <asio/experimental/as_tuple.hpp>

#include <filesystem>
#include <optional>
#include <thread>

using namespace std::chrono_literals;
using gale::test::eventually;
using gale::test::raw_socket;
namespace io = gale::io;

namespace {

/// Answers every line with "n:line", n counting the connections accepted.
io::stream_handler numbered_echo(std::atomic<int>& accepted) {
  return io::coroutine_per_stream(
    [&accepted](io::stream s) -> asio::awaitable<void> {
      auto n = std::to_string(++accepted);
      for (;;) {
        auto [ec, line] = co_await s.async_read_until(
          "\n", 0, asio::experimental::as_tuple(asio::use_awaitable));
        if (ec)
          co_return;
        co_await s.async_write(n + ":" + line, asio::use_awaitable);
      }
    });
}

} // namespace

TEST_CASE("max_connections pauses accepting until a connection closes",
          "[io][tcp_server]") {
  io::loop loop;
  loop.start();
  std::atomic<int> accepted{0};
  io::tcp_server server{loop.executor(), numbered_echo(accepted)};
  io::tcp_server_options o;
  o.max_connections = 2;
  REQUIRE_FALSE(server.listen(o));
  std::optional<raw_socket> a{server.port()}, b{server.port()};
  a->send("a\n");
  b->send("b\n");
  CHECK(a->read_until("\n").ends_with(":a\n"));
  CHECK(b->read_until("\n").ends_with(":b\n"));
  raw_socket c{server.port(), 300ms}; // in the backlog, not accepted
  c.send("c\n");
  CHECK(c.read_until("\n").empty());
  CHECK(server.connections() == 2);
  a.reset();
  CHECK(c.read_until("\n") == "3:c\n"); // accepted once `a` went
  CHECK(eventually([&] { return server.connections() == 2; }));
  // Still at most two: `d` waits for `b` or `c`.
  raw_socket d{server.port(), 300ms};
  d.send("d\n");
  CHECK(d.read_until("\n").empty());
  b.reset();
  CHECK(d.read_until("\n") == "4:d\n");
}

TEST_CASE("a TLS handshake that does not come is given up after the timeout",
          "[io][tcp_server][tls]") {
  char name[] = "/tmp/gale-limits-XXXXXX";
  std::filesystem::path dir = ::mkdtemp(name);
  auto cert = gale::test::make_certificate(dir);
  io::loop loop;
  loop.start();
  std::atomic<int> accepted{0};
  io::tcp_server server{loop.executor(), numbered_echo(accepted)};
  io::tcp_server_options o;
  o.tls = io::tls_options::server_with(cert.certificate, cert.private_key);
  o.tls_handshake_timeout = 200ms;
  REQUIRE_FALSE(server.listen(o));

  raw_socket silent{server.port(), 3s};
  CHECK(eventually([&] { return server.connections() == 1; }));
  auto started = std::chrono::steady_clock::now();
  CHECK(silent.closed_by_peer()); // no ClientHello: dropped
  CHECK(std::chrono::steady_clock::now() - started < 2s);
  CHECK(eventually([&] { return server.connections() == 0; }));
  CHECK(accepted == 0); // the handler never saw it

  // A client that does speak TLS is not cut off by the timeout later on.
  io::connect_options c;
  c.tls = io::tls_options::client("localhost");
  c.tls->ca_file = cert.certificate;
  auto s = gale::test::wait(io::async_connect_stream(
    loop.executor(), "localhost", server.port(), c, asio::use_future));
  std::this_thread::sleep_for(400ms);
  gale::test::wait(s.async_write("late\n", asio::use_future));
  CHECK(gale::test::wait(s.async_read_until("\n", 0, asio::use_future))
        == "1:late\n");
  std::filesystem::remove_all(dir);
}
