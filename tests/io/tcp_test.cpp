#include "gale/io/tcp.hpp"

#include "gale/io/loop.hpp"

#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/read.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <asio/write.hpp>

#include <future>

using namespace std::chrono_literals;
using gale::io::tcp;

namespace {

/// A port on loopback with nothing listening on it.
std::uint16_t closed_port(gale::io::loop& loop) {
  std::error_code ec;
  auto acceptor = gale::io::listen(loop.executor(), "127.0.0.1", 0, ec);
  REQUIRE_FALSE(ec);
  return acceptor.local_endpoint().port();
}

} // namespace

TEST_CASE("async_resolve finds loopback and reports unknown hosts",
          "[io][tcp]") {
  gale::io::loop loop;
  loop.start();
  auto ok = gale::io::async_resolve(loop.executor(), "localhost", "80",
                                    asio::use_future);
  REQUIRE(ok.wait_for(10s) == std::future_status::ready);
  auto eps = ok.get();
  REQUIRE_FALSE(eps.empty());
  CHECK(eps.front().address().is_loopback());
  CHECK(eps.front().port() == 80);

  std::promise<std::error_code> failed;
  gale::io::async_resolve(
    loop.executor(), "no-such-host.invalid", "80",
    [&](std::error_code ec, gale::io::endpoints) { failed.set_value(ec); });
  auto f = failed.get_future();
  REQUIRE(f.wait_for(30s) == std::future_status::ready);
  CHECK(f.get());
}

TEST_CASE("async_connect reaches a listener, refused when none listens",
          "[io][tcp]") {
  gale::io::loop loop;
  loop.start();
  std::error_code ec;
  auto acceptor = gale::io::listen(loop.executor(), "127.0.0.1", 0, ec);
  REQUIRE_FALSE(ec);
  auto port = std::to_string(acceptor.local_endpoint().port());
  auto accepted = acceptor.async_accept(asio::use_future);
  auto connected = gale::io::async_connect(loop.executor(), "127.0.0.1", port,
                                           asio::use_future);
  REQUIRE(connected.wait_for(10s) == std::future_status::ready);
  auto client = connected.get();
  auto server = accepted.get();
  CHECK(client.remote_endpoint().port() == acceptor.local_endpoint().port());

  auto refused = gale::io::async_connect(loop.executor(), "127.0.0.1",
                                         std::to_string(closed_port(loop)),
                                         asio::use_future);
  REQUIRE(refused.wait_for(10s) == std::future_status::ready);
  try {
    refused.get();
    FAIL("connected to a closed port");
  } catch (const std::system_error& e) {
    CHECK(e.code() == asio::error::connection_refused);
  }
}

TEST_CASE("listen reports a port in use", "[io][tcp]") {
  gale::io::loop loop;
  std::error_code ec;
  auto first = gale::io::listen(loop.executor(), "127.0.0.1", 0, ec);
  REQUIRE_FALSE(ec);
  // SO_REUSEADDR does not let two sockets listen on one port.
  auto second = gale::io::listen(loop.executor(), "127.0.0.1",
                                 first.local_endpoint().port(), ec);
  CHECK(ec == asio::error::address_in_use);
  auto bad = gale::io::listen(loop.executor(), "not-an-address", 0, ec);
  CHECK(ec);
}

TEST_CASE("an echo over loopback in a coroutine on the loop", "[io][tcp]") {
  gale::io::loop loop;
  loop.start();
  std::error_code ec;
  auto acceptor = gale::io::listen(loop.executor(), "127.0.0.1", 0, ec);
  REQUIRE_FALSE(ec);
  auto port = std::to_string(acceptor.local_endpoint().port());
  asio::co_spawn(
    loop.executor(),
    [&]() -> asio::awaitable<void> {
      auto peer = co_await acceptor.async_accept(asio::use_awaitable);
      char buf[64];
      auto n =
        co_await peer.async_read_some(asio::buffer(buf), asio::use_awaitable);
      co_await asio::async_write(peer, asio::buffer(buf, n),
                                 asio::use_awaitable);
    },
    asio::detached);
  auto reply = asio::co_spawn(
    loop.executor(),
    [&]() -> asio::awaitable<std::string> {
      auto ex = co_await asio::this_coro::executor;
      auto s = co_await gale::io::async_connect(ex, "127.0.0.1", port,
                                                asio::use_awaitable);
      co_await asio::async_write(s, asio::buffer("hello", 5),
                                 asio::use_awaitable);
      std::string out(5, '\0');
      co_await asio::async_read(s, asio::buffer(out), asio::use_awaitable);
      co_return out;
    },
    asio::use_future);
  REQUIRE(reply.wait_for(10s) == std::future_status::ready);
  CHECK(reply.get() == "hello");
}
