// WebSocket pings by hand and by timer: payloads, the on_ping and on_pong
// hooks, a ping timeout apart from the interval, and the close code and
// reason both ends can read afterwards.

#include "gale/io/websocket_client.hpp"

#include "../support/eventually.hpp"
#include "../support/raw_socket.hpp"
#include "http_server_fixture.hpp"
#include "http_server_wire.hpp"

#include <gale/io/loop.hpp>
#include <gale/ws/codec.hpp>

#include <catch2/catch.hpp>

#include <asio/use_future.hpp>

#include <future>
#include <memory>
#include <stdexcept>

using namespace std::chrono_literals;
using gale::io::exchange_ptr;
using gale::io::websocket_handlers;
using gale::io::websocket_ptr;
using gale::test::server_fixture;

TEST_CASE("ping with a payload: the peer's on_ping and our on_pong see it",
          "[io][ws][ping]") {
  std::promise<std::string> server_saw_ping;
  std::promise<std::pair<std::uint16_t, std::string>> server_closed;
  server_fixture srv{[&](exchange_ptr x) {
    websocket_handlers h;
    h.on_ping = [&](websocket_ptr, std::string payload) {
      server_saw_ping.set_value(payload);
    };
    h.on_close = [&](websocket_ptr ws, std::uint16_t, std::string) {
      server_closed.set_value({*ws->close_code(), ws->close_reason()});
    };
    x->accept_websocket(std::move(h));
  }};
  gale::io::loop loop;
  loop.start();
  auto pong = std::make_shared<std::promise<std::string>>();
  websocket_handlers h;
  h.on_pong = [pong](websocket_ptr, std::string payload) {
    pong->set_value(payload);
  };
  auto ws =
    gale::io::async_connect_websocket(
      loop.executor(), "ws://127.0.0.1:" + std::to_string(srv.port()) + "/ws",
      {}, std::move(h), asio::use_future)
      .get();
  CHECK_FALSE(ws->close_code()); // open: nothing to read yet
  ws->ping("are you there?");
  CHECK(server_saw_ping.get_future().get() == "are you there?");
  CHECK(pong->get_future().get() == "are you there?");
  CHECK_THROWS_AS(ws->ping(std::string(126, 'x')), std::invalid_argument);
  ws->close(4001, "done here");
  auto [code, reason] = server_closed.get_future().get();
  CHECK(code == 4001);
  CHECK(reason == "done here");
  CHECK(gale::test::eventually([&] { return ws->closed(); }));
  CHECK(ws->close_code() == 4001); // the server echoed our code
  ws->ping("late");                // closed: nothing is sent, nothing thrown
  loop.stop();
}

TEST_CASE("a ping unanswered within ping_timeout closes 1000 ping timed out",
          "[io][ws][ping]") {
  std::promise<std::pair<std::uint16_t, std::string>> closed;
  auto start = std::chrono::steady_clock::now();
  server_fixture srv{[&](exchange_ptr x) {
    gale::io::websocket_options opts;
    opts.ping_interval = 300ms;
    opts.ping_timeout = 100ms; // much shorter than the interval
    websocket_handlers h;
    h.on_close = [&](websocket_ptr, std::uint16_t code, std::string reason) {
      closed.set_value({code, reason});
    };
    x->accept_websocket(std::move(h), opts);
  }};
  gale::test::raw_socket s{srv.port(), 3s};
  s.send(gale::test::handshake());
  s.read_until("\r\n\r\n");
  start = std::chrono::steady_clock::now();
  // A peer that never answers: a ping, then the close frame that says why.
  gale::ws::reader frames{gale::ws::reader::role::client, 1 << 16};
  auto first = gale::test::next_event(s, frames);
  CHECK(first.first == gale::ws::event::ping);
  auto second = gale::test::next_event(s, frames);
  REQUIRE(second.first == gale::ws::event::close);
  CHECK(frames.close_code() == 1000);
  CHECK(frames.close_reason() == "ping timed out");
  auto [code, reason] = closed.get_future().get();
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(code == 1006); // the peer sent no close frame
  CHECK(reason == "ping timed out");
  CHECK(took < 1s); // interval + timeout + the wait for its close answer
}

TEST_CASE("a peer that answers pings stays; each pong restarts the interval",
          "[io][ws][ping]") {
  std::atomic<int> pongs{0};
  std::atomic<bool> ended{false};
  server_fixture srv{[&](exchange_ptr x) {
    gale::io::websocket_options opts;
    opts.ping_interval = 50ms;
    opts.ping_timeout = 200ms;
    websocket_handlers h;
    h.on_pong = [&](websocket_ptr, std::string) { ++pongs; };
    h.on_close = [&](websocket_ptr, std::uint16_t, std::string) {
      ended = true;
    };
    x->accept_websocket(std::move(h), opts);
  }};
  gale::io::loop loop;
  loop.start();
  auto ws = gale::io::async_connect_websocket(
              loop.executor(),
              "ws://127.0.0.1:" + std::to_string(srv.port()) + "/ws", {}, {},
              asio::use_future)
              .get(); // gale's client answers pings by itself
  CHECK(gale::test::eventually([&] { return pongs >= 4; }));
  CHECK_FALSE(ended);
  ws->close(1000, "");
  CHECK(gale::test::eventually([&] { return ended.load(); }));
  loop.stop();
}

TEST_CASE(
  "each end reads the other's handshake fields; the server adds its own",
  "[io][ws][handshake]") {
  std::promise<std::string> server_saw;
  server_fixture srv{[&](exchange_ptr x) {
    gale::io::websocket_options opts;
    opts.response_headers.add("Set-Cookie", "session=42");
    opts.check_origin = [](std::string_view origin,
                           const gale::http::request&) {
      return origin == "https://app.example";
    };
    websocket_handlers h;
    h.on_open = [&](websocket_ptr ws) {
      const auto* agent = ws->handshake_headers().find("X-Client");
      server_saw.set_value(agent ? *agent : "(none)");
    };
    x->accept_websocket(std::move(h), opts);
  }};
  gale::io::loop loop;
  loop.start();
  auto url = "ws://127.0.0.1:" + std::to_string(srv.port()) + "/ws";
  gale::io::websocket_client_options o;
  o.headers.add("Origin", "https://app.example");
  o.headers.add("X-Client", "tests");
  auto ws = gale::io::async_connect_websocket(loop.executor(), url, o, {},
                                              asio::use_future)
              .get();
  CHECK(server_saw.get_future().get() == "tests");
  REQUIRE(ws->handshake_headers().find("Set-Cookie"));
  CHECK(*ws->handshake_headers().find("Set-Cookie") == "session=42");
  ws->close(1000, "");

  gale::io::websocket_client_options foreign;
  foreign.headers.add("Origin", "https://evil.example");
  auto refused = gale::io::async_connect_websocket(
    loop.executor(), url, foreign, {}, asio::use_future);
  CHECK_THROWS_AS(refused.get(), std::system_error); // 403
  loop.stop();
}
