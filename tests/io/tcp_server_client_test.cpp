#include "gale/io/tcp_client.hpp"
#include "gale/io/tcp_server.hpp"

#include "stream_fixture.hpp"

#include "../support/certificate.hpp"
#include "../support/ports.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/local/stream_protocol.hpp>

#include <filesystem>
#include <thread>

#include <sys/socket.h>

using namespace std::chrono_literals;
using gale::test::wait;
namespace io = gale::io;

namespace {

/// An echo of lines, as a coroutine per connection.
io::stream_handler line_echo() {
  return io::coroutine_per_stream([](io::stream s) -> asio::awaitable<void> {
    for (;;) {
      auto [ec, line] = co_await s.async_read_until(
        "\n", 0, asio::experimental::as_tuple(asio::use_awaitable));
      if (ec)
        co_return;
      co_await s.async_write(line, asio::use_awaitable);
    }
  });
}

std::string echo_once(io::stream& s, const std::string& line) {
  wait(s.async_write(line, asio::use_future));
  return wait(s.async_read_until("\n", 0, asio::use_future));
}

using gale::test::temp_dir;

} // namespace

TEST_CASE("tcp_server and async_connect_stream: an echo, callback handler",
          "[io][tcp_server]") {
  io::loop loop;
  loop.start();
  io::tcp_server server{loop.executor(), [](io::stream s) {
                          s.async_read_until_close(
                            [s](std::error_code, std::string all) mutable {
                              s.async_write("got " + all, [](auto) {});
                            });
                        }};
  REQUIRE_FALSE(server.listen({}));
  REQUIRE(server.port() != 0);
  auto s = wait(io::async_connect_stream(loop.executor(), "127.0.0.1",
                                         server.port(), {}, asio::use_future));
  CHECK(gale::test::eventually([&] { return server.connections() == 1; }));
  wait(s.async_write("abc", asio::use_future));
  // Half-close is not offered; the server reads until our close instead.
  s.close();
  CHECK(gale::test::eventually([&] { return server.connections() == 0; }));
}

TEST_CASE("connecting fails clearly: refused, unknown host, timeout",
          "[io][tcp_client]") {
  io::loop loop;
  loop.start();
  std::uint16_t closed_port = 0;
  {
    io::tcp_server probe{loop.executor(), [](io::stream) {}};
    REQUIRE_FALSE(probe.listen({}));
    closed_port = probe.port();
  }
  std::this_thread::sleep_for(20ms);
  auto refused = io::async_connect_stream(loop.executor(), "127.0.0.1",
                                          closed_port, {}, asio::use_future);
  CHECK(gale::test::error_of(std::move(refused))
        == asio::error::connection_refused);
  std::promise<std::error_code> unknown;
  io::async_connect_stream(
    loop.executor(), "no-such-host.invalid", 80, {},
    [&](std::error_code ec, io::stream) { unknown.set_value(ec); });
  CHECK(wait(unknown.get_future()));
}

namespace {

/// A loopback port that never answers a SYN: a listener whose accept queue
/// is full drops new connection attempts without a reset.
struct silent_port {
  explicit silent_port(std::uint16_t& port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd, 0) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    // Fill the queue: connect until an attempt no longer completes.
    for (int i = 0; i < 8; ++i) {
      int c = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      ::connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
      fillers.push_back(c);
    }
    std::this_thread::sleep_for(50ms);
  }
  ~silent_port() {
    for (int c : fillers)
      ::close(c);
    ::close(fd);
  }
  int fd;
  std::vector<int> fillers;
};

} // namespace

TEST_CASE("happy eyeballs: a first address that never answers costs the "
          "attempt delay, not the connection",
          "[io][tcp_client]") {
  io::loop loop;
  loop.start();
  std::uint16_t dead = 0;
  silent_port hole{dead};
  io::tcp_server server{loop.executor(), line_echo()};
  REQUIRE_FALSE(server.listen({}));

  auto loopback = asio::ip::make_address("127.0.0.1");
  io::connect_options o;
  o.attempt_delay = 100ms;
  o.hosts["twice.test"] = {{loopback, dead}, {loopback, server.port()}};
  auto start = std::chrono::steady_clock::now();
  auto s = wait(io::async_connect_stream(loop.executor(), "twice.test", 0, o,
                                         asio::use_future));
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(took >= 90ms);
  CHECK(took < 2s);
  CHECK(echo_once(s, "hi\n") == "hi\n");

  SECTION("only the silent address: the connect timeout") {
    io::connect_options alone;
    alone.timeout = 200ms;
    alone.hosts["hole.test"] = {{loopback, dead}};
    auto f = io::async_connect_stream(loop.executor(), "hole.test", 0, alone,
                                      asio::use_future);
    CHECK(gale::test::error_of(std::move(f)) == asio::error::timed_out);
  }
}

TEST_CASE("happy eyeballs order: families alternate", "[io][tcp_client]") {
  auto v4 = asio::ip::make_address("127.0.0.1");
  auto v6 = asio::ip::make_address("::1");
  std::vector<asio::ip::tcp::endpoint> in{
    {v6, 1}, {v6, 2}, {v6, 3}, {v4, 4}, {v4, 5}};
  auto out = io::interleave_families(in);
  std::vector<int> ports;
  for (auto& ep : out)
    ports.push_back(ep.port());
  CHECK(ports == std::vector<int>{1, 4, 2, 5, 3});
  CHECK(io::interleave_families(in, io::address_family::v4).size() == 2);
  CHECK(io::interleave_families(in, io::address_family::v6).size() == 3);
}

TEST_CASE("a resolver override pins a name", "[io][tcp_client]") {
  io::loop loop;
  loop.start();
  io::tcp_server server{loop.executor(), line_echo()};
  REQUIRE_FALSE(server.listen({}));
  io::connect_options o;
  o.hosts["pinned.example"] = {{asio::ip::make_address("127.0.0.1"), 0}};
  auto s = wait(io::async_connect_stream(loop.executor(), "pinned.example",
                                         server.port(), o, asio::use_future));
  CHECK(echo_once(s, "pinned\n") == "pinned\n");
}

TEST_CASE("on_step tells the connect's steps in order, on the loop",
          "[io][tcp_client]") {
  io::loop loop;
  loop.start();
  io::tcp_server server{loop.executor(), line_echo()};
  REQUIRE_FALSE(server.listen({}));
  std::vector<io::connect_step> steps; // written on the loop only
  bool on_loop = true;
  io::connect_options o;
  o.on_step = [&](io::connect_step step) {
    on_loop = on_loop && loop.in_loop_thread();
    steps.push_back(step);
  };
  auto s = wait(io::async_connect_stream(loop.executor(), "127.0.0.1",
                                         server.port(), o, asio::use_future));
  CHECK(on_loop);
  CHECK(
    steps
    == std::vector{io::connect_step::resolved, io::connect_step::connected});
  steps.clear();
  auto refused =
    io::async_connect_stream(loop.executor(), "127.0.0.1",
                             gale::test::closed_port(), o, asio::use_future);
  CHECK(gale::test::error_of(std::move(refused))
        == asio::error::connection_refused);
  CHECK(steps == std::vector{io::connect_step::resolved}); // never connected
}

TEST_CASE("source address and family", "[io][tcp_client]") {
  io::loop loop;
  loop.start();
  std::promise<std::string> peer;
  io::tcp_server server{loop.executor(),
                        [&](io::stream s) { peer.set_value(s.peer()); }};
  REQUIRE_FALSE(server.listen({}));
  io::connect_options o;
  o.source_address = "127.0.0.2";
  o.family = io::address_family::v4;
  auto s = wait(io::async_connect_stream(loop.executor(), "127.0.0.1",
                                         server.port(), o, asio::use_future));
  CHECK(wait(peer.get_future()).rfind("127.0.0.2:", 0) == 0);
  io::connect_options v6_only;
  v6_only.family = io::address_family::v6;
  auto none = io::async_connect_stream(
    loop.executor(), "127.0.0.1", server.port(), v6_only, asio::use_future);
  CHECK(gale::test::error_of(std::move(none))); // fails
}

TEST_CASE("stop closes the listener; drain waits, then closes",
          "[io][tcp_server]") {
  io::loop loop;
  loop.start();
  io::tcp_server server{loop.executor(), line_echo()};
  REQUIRE_FALSE(server.listen({}));
  auto port = server.port();
  auto a = wait(io::async_connect_stream(loop.executor(), "127.0.0.1", port, {},
                                         asio::use_future));
  auto b = wait(io::async_connect_stream(loop.executor(), "127.0.0.1", port, {},
                                         asio::use_future));
  CHECK(echo_once(a, "a\n") == "a\n");
  CHECK(echo_once(b, "b\n") == "b\n");
  server.stop();
  std::this_thread::sleep_for(20ms);
  auto refused = io::async_connect_stream(loop.executor(), "127.0.0.1", port,
                                          {}, asio::use_future);
  CHECK(gale::test::error_of(std::move(refused))); // fails
  CHECK(echo_once(a, "still\n") == "still\n");     // connections go on

  auto drained = server.async_drain(300ms, asio::use_future);
  a.close(); // one leaves by itself; b is closed at the deadline
  CHECK(gale::test::error_of(std::move(drained)) == asio::error::timed_out);
  std::promise<std::error_code> b_end;
  b.async_read_until_close(
    [&](std::error_code ec, std::string) { b_end.set_value(ec); });
  CHECK_FALSE(wait(b_end.get_future())); // the server's close: a clean end
  CHECK(server.connections() == 0);
  wait(server.async_drain(1s, asio::use_future)); // none left: at once
}

TEST_CASE("Unix domain sockets, plain", "[io][tcp_server][unix]") {
  temp_dir dir;
  io::loop loop;
  loop.start();
  io::tcp_server server{loop.executor(), line_echo()};
  io::tcp_server_options o;
  o.unix_path = (dir.path / "echo.sock").string();
  REQUIRE_FALSE(server.listen(o));
  auto s = wait(
    io::async_connect_unix(loop.executor(), o.unix_path, {}, asio::use_future));
  CHECK(echo_once(s, "over unix\n") == "over unix\n");
  CHECK(s.peer() == o.unix_path);
  CHECK_FALSE(s.set_nodelay(true)); // ignored, not an error
  server.stop();
  CHECK(gale::test::eventually(
    [&] { return !std::filesystem::exists(o.unix_path); }));
}

TEST_CASE("TLS both sides: server, client, Unix socket, start_tls",
          "[io][tcp_server][tls]") {
  temp_dir dir;
  auto cert = gale::test::make_certificate(dir.path);
  io::loop loop;
  loop.start();
  io::tcp_server_options o;
  o.tls = io::tls_options::server_with(cert.certificate, cert.private_key);
  io::connect_options c;
  c.tls = io::tls_options::client("localhost");
  c.tls->ca_file = cert.certificate;

  SECTION("TCP") {
    io::tcp_server server{loop.executor(), line_echo()};
    REQUIRE_FALSE(server.listen(o));
    auto s = wait(io::async_connect_stream(loop.executor(), "localhost",
                                           server.port(), c, asio::use_future));
    CHECK(s.secure());
    CHECK(echo_once(s, "secret\n") == "secret\n");

    // A client that trusts another CA fails the handshake; the server and
    // its other connections are not disturbed.
    temp_dir other;
    auto stranger = gale::test::make_certificate(other.path);
    auto bad = c;
    bad.tls->ca_file = stranger.certificate;
    auto refused = io::async_connect_stream(
      loop.executor(), "localhost", server.port(), bad, asio::use_future);
    CHECK(gale::test::error_of(std::move(refused)).category().name()
          == std::string{"asio.ssl"});
    auto wrong_name = c;
    wrong_name.tls->server_name = "elsewhere.test";
    auto misnamed =
      io::async_connect_stream(loop.executor(), "127.0.0.1", server.port(),
                               wrong_name, asio::use_future);
    CHECK(gale::test::error_of(std::move(misnamed))); // fails
    CHECK(echo_once(s, "still fine\n") == "still fine\n");
  }
  SECTION("Unix socket") {
    io::tcp_server server{loop.executor(), line_echo()};
    o.unix_path = (dir.path / "tls.sock").string();
    REQUIRE_FALSE(server.listen(o));
    auto s = wait(io::async_connect_unix(loop.executor(), o.unix_path, c,
                                         asio::use_future));
    CHECK(s.secure());
    CHECK(echo_once(s, "unix tls\n") == "unix tls\n");
  }
  SECTION("start_tls on open streams (a STARTTLS exchange)") {
    auto server_options = *o.tls;
    io::tcp_server server{
      loop.executor(),
      io::coroutine_per_stream([server_options](
                                 io::stream s) -> asio::awaitable<void> {
        auto hello = co_await s.async_read_until("\n", 0, asio::use_awaitable);
        co_await s.async_write("go ahead\n", asio::use_awaitable);
        co_await s.async_start_tls(server_options, asio::use_awaitable);
        auto line = co_await s.async_read_until("\n", 0, asio::use_awaitable);
        co_await s.async_write("tls: " + line, asio::use_awaitable);
      })};
    REQUIRE_FALSE(server.listen({}));
    auto s = wait(io::async_connect_stream(
      loop.executor(), "127.0.0.1", server.port(), {}, asio::use_future));
    CHECK(echo_once(s, "STARTTLS\n") == "go ahead\n");
    CHECK_FALSE(s.secure());
    auto client_tls = *c.tls;
    wait(s.async_start_tls(client_tls, asio::use_future));
    CHECK(s.secure());
    CHECK(echo_once(s, "hello\n") == "tls: hello\n");
    // Already secure: not idle for another start.
    auto again = s.async_start_tls(client_tls, asio::use_future);
    CHECK(gale::test::error_of(std::move(again)) == io::stream_errc::not_idle);
  }
}

TEST_CASE("mutual TLS: the server refuses a client without a certificate",
          "[io][tcp_server][tls]") {
  temp_dir dir;
  auto cert = gale::test::make_certificate(dir.path);
  io::loop loop;
  loop.start();
  io::tcp_server_options o;
  o.tls = io::tls_options::server_with(cert.certificate, cert.private_key);
  o.tls->verify_peer = true;
  o.tls->ca_file = cert.certificate;
  io::tcp_server server{loop.executor(), line_echo()};
  REQUIRE_FALSE(server.listen(o));
  io::connect_options c;
  c.tls = io::tls_options::client("localhost");
  c.tls->ca_file = cert.certificate;
  auto anonymous = io::async_connect_stream(loop.executor(), "localhost",
                                            server.port(), c, asio::use_future);
  REQUIRE(anonymous.wait_for(10s) == std::future_status::ready);
  // TLS 1.3 may report the refusal only at the first read.
  try {
    auto s = anonymous.get();
    s.async_write("x\n", [](std::error_code) {});
    std::promise<std::error_code> read;
    s.async_read_until(
      "\n", 0, [&](std::error_code ec, std::string) { read.set_value(ec); });
    CHECK(wait(read.get_future()));
  } catch (const std::system_error&) {
    SUCCEED("refused in the handshake");
  }
  c.tls->certificate_file = cert.certificate; // the same CA signs both
  c.tls->private_key_file = cert.private_key;
  auto s = wait(io::async_connect_stream(loop.executor(), "localhost",
                                         server.port(), c, asio::use_future));
  CHECK(echo_once(s, "mutual\n") == "mutual\n");
}

TEST_CASE("a TLS handshake against a plain peer fails on that stream only",
          "[io][tcp_server][tls]") {
  gale::test::accepted_stream t;
  auto tls = io::tls_options::client("localhost");
  auto f = t.stream.async_start_tls(tls, asio::use_future);
  t.peer->send("this is not TLS at all\r\n\r\n");
  CHECK(gale::test::error_of(std::move(f))); // fails
  CHECK(t.stream.closed());
}

TEST_CASE("every stream operation resumes an awaiting coroutine on its own "
          "executor, not on the loop",
          "[io][stream][executor]") {
  temp_dir dir;
  auto cert = gale::test::make_certificate(dir.path);
  io::loop loop;
  loop.start();
  io::tcp_server server{loop.executor(), line_echo()};
  REQUIRE_FALSE(server.listen({}));
  auto tls_options =
    io::tls_options::server_with(cert.certificate, cert.private_key);
  io::tcp_server starttls{
    loop.executor(),
    io::coroutine_per_stream(
      [tls_options](io::stream s) -> asio::awaitable<void> {
        co_await s.async_start_tls(tls_options, asio::use_awaitable);
        auto line = co_await s.async_read_until("\n", 0, asio::use_awaitable);
        co_await s.async_write(line, asio::use_awaitable);
      })};
  REQUIRE_FALSE(starttls.listen({}));

  asio::io_context foreign;
  auto guard = asio::make_work_guard(foreign);
  std::thread foreign_thread{[&] { foreign.run(); }};
  auto on_foreign = [&] {
    return foreign.get_executor().running_in_this_thread();
  };
  auto steps = gale::test::wait(asio::co_spawn(
    foreign,
    [&]() -> asio::awaitable<int> {
      int ok = 0;
      // Named, not `{}`: g++ 12 destroys a braced temporary in a co_await
      // expression twice.
      io::connect_options plain;
      auto s = co_await io::async_connect_stream(loop.executor(), "127.0.0.1",
                                                 server.port(), plain,
                                                 asio::use_awaitable);
      ok += on_foreign();
      co_await s.async_write("a\nbcd\nefgh\nij\n", asio::use_awaitable);
      ok += on_foreign();
      co_await s.async_read_until("\n", 0, asio::use_awaitable);
      ok += on_foreign();
      co_await s.async_read_until_regex("d\n", 0, asio::use_awaitable);
      ok += on_foreign();
      co_await s.async_read_bytes(5, false, asio::use_awaitable);
      ok += on_foreign();
      std::array<char, 3> three{};
      co_await s.async_read_into(asio::buffer(three), false,
                                 asio::use_awaitable);
      ok += on_foreign();
      s.close();
      auto t = co_await io::async_connect_stream(loop.executor(), "127.0.0.1",
                                                 starttls.port(), plain,
                                                 asio::use_awaitable);
      auto client = io::tls_options::client("localhost");
      client.ca_file = cert.certificate;
      co_await t.async_start_tls(client, asio::use_awaitable);
      ok += on_foreign();
      co_await t.async_write("x\n", asio::use_awaitable);
      co_await t.async_read_until_close(
        asio::experimental::as_tuple(asio::use_awaitable));
      ok += on_foreign();
      auto u = co_await io::async_connect_unix(
        loop.executor(), "/nonexistent/gale.sock", plain,
        asio::experimental::as_tuple(asio::use_awaitable));
      ok += on_foreign() && std::get<0>(u);
      co_await server.async_drain(
        10ms, asio::experimental::as_tuple(asio::use_awaitable));
      ok += on_foreign();
      co_return ok;
    },
    asio::use_future));
  CHECK(steps == 10);
  guard.reset();
  foreign_thread.join();
}

TEST_CASE("listen: \"::\" is one dual-stack socket for both families",
          "[io][tcp_server]") {
  io::loop loop;
  loop.start();
  io::tcp_server server{loop.executor(), line_echo()};
  io::tcp_server_options o;
  o.host = "::";
  REQUIRE_FALSE(server.listen(o));
  for (const char* address : {"127.0.0.1", "::1"}) {
    auto s = wait(io::async_connect_stream(
      loop.executor(), address, server.port(), {}, asio::use_future));
    CHECK(echo_once(s, std::string{address} + "\n")
          == std::string{address} + "\n");
  }
  io::tcp_server taken{loop.executor(), line_echo()};
  o.port = server.port();
  CHECK(taken.listen(o) == asio::error::address_in_use);
}
