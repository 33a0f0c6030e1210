#include "gale/io/http_connection.hpp"

#include "gale/io/loop.hpp"
#include "gale/io/tcp.hpp"

#include <gale/http/error.hpp>

#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/read_until.hpp>
#include <asio/streambuf.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <future>
#include <vector>

using namespace std::chrono_literals;
using gale::io::tcp;

namespace {

/// A server on loopback that answers each request on one connection with
/// the next canned reply, then closes when the replies run out.
struct canned_server {
  gale::io::loop& loop;
  tcp::acceptor acceptor;
  std::vector<std::string> replies;

  canned_server(gale::io::loop& l, std::vector<std::string> rs)
    : loop(l), acceptor(l.executor()), replies(std::move(rs)) {
    std::error_code ec;
    acceptor = gale::io::listen(loop.executor(), "127.0.0.1", 0, ec);
    REQUIRE_FALSE(ec);
    asio::co_spawn(loop.executor(), serve(), asio::detached);
  }

  asio::awaitable<void> serve() {
    auto peer = co_await acceptor.async_accept(asio::use_awaitable);
    asio::streambuf buf;
    for (auto& reply : replies) {
      auto n = co_await asio::async_read_until(peer, buf, "\r\n\r\n",
                                               asio::use_awaitable);
      buf.consume(n);
      co_await asio::async_write(peer, asio::buffer(reply),
                                 asio::use_awaitable);
    }
    std::error_code ignored;
    peer.shutdown(tcp::socket::shutdown_both, ignored);
  }

  gale::io::http_connection<> connect() {
    auto s = gale::io::async_connect(
      loop.executor(), "127.0.0.1",
      std::to_string(acceptor.local_endpoint().port()), asio::use_future);
    return gale::io::http_connection<>{s.get()};
  }
};

gale::http::request get(std::string target = "/") {
  gale::http::request req;
  req.target = std::move(target);
  req.headers.add("Host", "localhost");
  return req;
}

/// Runs one exchange and waits for it.
std::pair<std::error_code, gale::http::response>
exchange(gale::io::http_connection<>& c, gale::http::request req) {
  std::promise<std::pair<std::error_code, gale::http::response>> done;
  c.async_exchange(std::move(req),
                   [&](std::error_code ec, gale::http::response r) {
                     done.set_value({ec, std::move(r)});
                   });
  auto f = done.get_future();
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  return f.get();
}

} // namespace

TEST_CASE("an HTTP connection reuses a kept-alive connection", "[io][http]") {
  gale::io::loop loop;
  loop.start();
  canned_server server{loop,
                       {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "3\r\nabc\r\n0\r\n\r\n",
                        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
                        "Connection: close\r\n\r\n"}};
  auto c = server.connect();
  auto [ec1, r1] = exchange(c, get("/a"));
  REQUIRE_FALSE(ec1);
  CHECK(r1.status == 200);
  CHECK(r1.body == "hello");
  CHECK(c.reusable());
  auto [ec2, r2] = exchange(c, get("/b"));
  REQUIRE_FALSE(ec2);
  CHECK(r2.body == "abc");
  auto [ec3, r3] = exchange(c, get("/c"));
  REQUIRE_FALSE(ec3);
  CHECK(r3.status == 404);
  CHECK_FALSE(c.reusable());
}

TEST_CASE("HTTP responses framed by the close, interim and HEAD",
          "[io][http]") {
  gale::io::loop loop;
  loop.start();
  SECTION("until close") {
    canned_server server{loop, {"HTTP/1.0 200 OK\r\n\r\nall of it"}};
    auto c = server.connect();
    auto [ec, r] = exchange(c, get());
    REQUIRE_FALSE(ec);
    CHECK(r.body == "all of it");
    CHECK_FALSE(c.reusable());
  }
  SECTION("100 Continue before the final response") {
    canned_server server{
      loop,
      {"HTTP/1.1 100 Continue\r\n\r\n"
       "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"}};
    auto c = server.connect();
    auto [ec, r] = exchange(c, get());
    REQUIRE_FALSE(ec);
    CHECK(r.status == 201);
    CHECK(r.body == "ok");
  }
  SECTION("HEAD: no body despite Content-Length") {
    canned_server server{loop,
                         {"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"}};
    auto c = server.connect();
    auto head = get();
    head.method = "HEAD";
    auto [ec, r] = exchange(c, head);
    REQUIRE_FALSE(ec);
    CHECK(r.body.empty());
    auto [ec2, r2] = exchange(c, get());
    REQUIRE_FALSE(ec2);
    CHECK(r2.body == "x");
  }
}

TEST_CASE("bad servers give clear errors", "[io][http]") {
  gale::io::loop loop;
  loop.start();
  SECTION("truncated body") {
    canned_server server{loop,
                         {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"}};
    auto c = server.connect();
    CHECK(exchange(c, get()).first == gale::http::errc::truncated_message);
    CHECK_FALSE(c.reusable());
  }
  SECTION("garbage status line") {
    canned_server server{loop, {"HELLO THERE\r\n\r\n"}};
    auto c = server.connect();
    CHECK(exchange(c, get()).first == gale::http::errc::invalid_version);
  }
  SECTION("closed before answering") {
    canned_server server{loop, {}};
    auto c = server.connect();
    CHECK(exchange(c, get()).first == asio::error::eof);
  }
  SECTION("a header with CR LF is refused before sending") {
    canned_server server{loop,
                         {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"}};
    auto c = server.connect();
    auto req = get();
    req.headers.add("X-Evil", "a\r\nInjected: yes");
    CHECK(exchange(c, req).first == gale::http::errc::invalid_field_value);
  }
}
