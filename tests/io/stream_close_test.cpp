// stream::async_close: the close a program waits for before it exits.

#include "gale/io/tcp_client.hpp"
#include "gale/io/tcp_server.hpp"

#include "stream_fixture.hpp"

#include "../support/certificate.hpp"

#include <asio/experimental/as_tuple.hpp>

#include <filesystem>

using namespace std::chrono_literals;
using gale::test::error_of;
using gale::test::wait;
namespace io = gale::io;

namespace {

using gale::test::temp_dir;

/// A TLS server on a loop, and the client options that trust it.
struct tls_pair {
  temp_dir dir;
  gale::test::certificate_files cert = gale::test::make_certificate(dir.path);
  io::loop loop;
  io::tcp_server_options serve;
  io::connect_options connect;

  tls_pair() {
    loop.start();
    serve.tls =
      io::tls_options::server_with(cert.certificate, cert.private_key);
    connect.tls = io::tls_options::client("localhost");
    connect.tls->ca_file = cert.certificate;
  }

  io::stream connect_to(const io::tcp_server& server) {
    return wait(io::async_connect_stream(
      loop.executor(), "localhost", server.port(), connect, asio::use_future));
  }
};

} // namespace

TEST_CASE("async_close on a plain stream completes at once; the peer sees "
          "the end",
          "[io][stream][close]") {
  gale::test::accepted_stream t;
  CHECK_FALSE(error_of(t.stream.async_close(asio::use_future)));
  CHECK(t.stream.closed());
  CHECK(t.peer->closed_by_peer());
  // Once more, on the closed stream: the same end.
  CHECK_FALSE(error_of(t.stream.async_close(asio::use_future)));
  CHECK(error_of(io::stream{}.async_close(asio::use_future))
        == io::stream_errc::no_connection);
}

TEST_CASE("async_close on TLS: a line sent just before it reaches the "
          "server, which sees a clean end",
          "[io][stream][close][tls]") {
  tls_pair p;
  std::promise<std::string> line;
  std::promise<std::error_code> end;
  io::tcp_server server{
    p.loop.executor(),
    io::coroutine_per_stream([&](io::stream s) -> asio::awaitable<void> {
      using asio::experimental::as_tuple;
      auto [ec, text] =
        co_await s.async_read_until("\n", 0, as_tuple(asio::use_awaitable));
      line.set_value(text);
      auto [ended, rest] =
        co_await s.async_read_until("\n", 0, as_tuple(asio::use_awaitable));
      end.set_value(ended);
    })};
  REQUIRE_FALSE(server.listen(p.serve));
  // Many rounds: the race the client used to lose (exiting with its bytes
  // still unsent, or a reset cutting the server's handshake) is narrow.
  for (int round = 0; round < 20; ++round) {
    line = {};
    end = {};
    auto s = p.connect_to(server);
    s.async_write("bye " + std::to_string(round) + "\n",
                  [](std::error_code) {});
    auto closed = s.async_close(asio::use_future);
    CHECK_FALSE(error_of(std::move(closed))); // the server answered
    CHECK(wait(line.get_future()) == "bye " + std::to_string(round) + "\n");
    CHECK(wait(end.get_future()) == asio::error::eof); // not truncated
  }
}

TEST_CASE("async_close on TLS waits at most a second for a peer that does "
          "not answer",
          "[io][stream][close][tls]") {
  tls_pair p;
  std::promise<io::stream> held;
  io::tcp_server server{p.loop.executor(),
                        [&](io::stream s) { held.set_value(std::move(s)); }};
  REQUIRE_FALSE(server.listen(p.serve));
  auto s = p.connect_to(server);
  auto silent = wait(held.get_future()); // never reads: no close_notify back
  auto began = std::chrono::steady_clock::now();
  s.close(); // already closing: async_close waits for the same end
  auto ec = error_of(s.async_close(asio::use_future));
  auto took = std::chrono::steady_clock::now() - began;
  CHECK(ec == asio::error::timed_out);
  CHECK(took >= 900ms);
  CHECK(took < 5s);
}
