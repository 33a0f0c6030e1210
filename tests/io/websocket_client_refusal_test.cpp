// The WebSocket client's contract for answers that are not an upgrade: an
// error status is that status's HTTP error, with the whole answer handed to
// on_refusal; any other non-upgrade is ws::errc::bad_upgrade. The same in
// the callback, future and coroutine styles.

#include "gale/io/websocket_client.hpp"

#include "../support/scripted_server.hpp"

#include <gale/http/error.hpp>
#include <gale/io/loop.hpp>
#include <gale/ws/codec.hpp>

#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <future>
#include <memory>
#include <optional>

using gale::io::websocket_client_options;
using gale::io::websocket_ptr;
using gale::test::peer;
using gale::test::scripted_server;

namespace {

/// A server that answers every handshake with `reply`.
scripted_server answering(std::string reply) {
  return scripted_server{gale::test::answer_always(std::move(reply))};
}

std::string ws_url(const scripted_server& s) {
  return "ws://127.0.0.1:" + std::to_string(s.port()) + "/chat";
}

struct attempt {
  std::error_code ec;
  bool got_socket = false;
  std::optional<gale::http::response> refusal;
};

/// Connects with a callback; `on_refusal` records the refused answer.
attempt connect_with_callback(gale::io::loop& loop, const std::string& url) {
  auto refusal = std::make_shared<std::optional<gale::http::response>>();
  websocket_client_options o;
  o.on_refusal = [refusal](gale::http::response r) { *refusal = std::move(r); };
  std::promise<attempt> done;
  gale::io::connect_websocket(
    loop.executor(), url, std::move(o), {},
    [&, refusal](std::error_code ec, websocket_ptr ws) {
      done.set_value({ec, ws != nullptr, *refusal});
    });
  return done.get_future().get();
}

} // namespace

TEST_CASE("an error status refuses with the status error and the answer",
          "[io][ws_client][refusal]") {
  gale::io::loop loop;
  loop.start();
  SECTION("404 with a body framed by Content-Length") {
    auto server = answering("HTTP/1.1 404 Not Found\r\nContent-Length: 12\r\n"
                            "Content-Type: text/plain\r\n\r\nno chat here");
    auto a = connect_with_callback(loop, ws_url(server));
    CHECK(a.ec == gale::http::make_status_error(404));
    CHECK_FALSE(a.got_socket);
    REQUIRE(a.refusal);
    CHECK(a.refusal->status == 404);
    CHECK(*a.refusal->headers.find("Content-Type") == "text/plain");
    CHECK(a.refusal->body == "no chat here");
  }
  SECTION("401 with a chunked body") {
    auto server = answering(
      "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"c\"\r\n"
      "Transfer-Encoding: chunked\r\n\r\n5\r\nlogin\r\n0\r\n\r\n");
    auto a = connect_with_callback(loop, ws_url(server));
    CHECK(a.ec == gale::http::make_status_error(401));
    REQUIRE(a.refusal);
    CHECK(*a.refusal->headers.find("WWW-Authenticate") == "Basic realm=\"c\"");
    CHECK(a.refusal->body == "login");
  }
  SECTION("503 whose body ends with the close") {
    scripted_server server{[](peer& p) -> asio::awaitable<void> {
      if (co_await p.read_request())
        co_await p.write("HTTP/1.1 503 Service Unavailable\r\n\r\nbusy");
      p.close();
    }};
    auto a = connect_with_callback(loop, ws_url(server));
    CHECK(a.ec == gale::http::make_status_error(503));
    REQUIRE(a.refusal);
    CHECK(a.refusal->body == "busy");
  }
  loop.stop();
}

TEST_CASE("a 2xx or 3xx that is no upgrade is ws bad_upgrade",
          "[io][ws_client][refusal]") {
  gale::io::loop loop;
  loop.start();
  for (std::string reply :
       {std::string{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
        std::string{"HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\n"
                    "Content-Length: 0\r\n\r\n"}}) {
    CAPTURE(reply);
    auto server = answering(reply);
    auto a = connect_with_callback(loop, ws_url(server));
    CHECK(a.ec == gale::ws::errc::bad_upgrade);
    CHECK_FALSE(a.got_socket);
    CHECK_FALSE(a.refusal); // only an error status is a refusal
  }
  loop.stop();
}

TEST_CASE("the refusal contract is the same for a future and a coroutine",
          "[io][ws_client][refusal]") {
  gale::io::loop loop;
  loop.start();
  auto refused = answering("HTTP/1.1 403 Forbidden\r\nContent-Length: 4\r\n\r\n"
                           "nope");
  auto not_ws = answering("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");

  // [ws_refusal]
  auto body = std::make_shared<std::promise<std::string>>();
  websocket_client_options o;
  o.on_refusal = [body](gale::http::response r) { body->set_value(r.body); };
  auto f = gale::io::async_connect_websocket(loop.executor(), ws_url(refused),
                                             o, {}, asio::use_future);
  // f.get() throws std::system_error with http::make_status_error(403)
  // [end]
  CHECK(body->get_future().get() == "nope");
  try {
    f.get();
    FAIL("a refused handshake gave a socket");
  } catch (const std::system_error& e) {
    CHECK(e.code() == gale::http::make_status_error(403));
  }

  asio::io_context foreign;
  std::error_code from_coroutine;
  auto finished = asio::co_spawn(
    foreign,
    [&]() -> asio::awaitable<void> {
      // Named, not braced temporaries: g++ 12 destroys those twice when
      // they are arguments inside a co_await.
      websocket_client_options options;
      gale::io::websocket_handlers handlers;
      auto [ec, ws] = co_await gale::io::async_connect_websocket(
        loop.executor(), ws_url(not_ws), options, handlers,
        asio::experimental::as_tuple(asio::use_awaitable));
      from_coroutine = ec;
    },
    asio::use_future);
  foreign.run();
  finished.get();
  CHECK(from_coroutine == gale::ws::errc::bad_upgrade);
  loop.stop();
}
