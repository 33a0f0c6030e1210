// The HTTP server on streams: deep pipelines, streamed answers whose
// connection went away, WebSockets at shutdown, and bytes that come with a
// handshake.

#include "gale/io/http_server.hpp"

#include "../support/eventually.hpp"
#include "../support/raw_socket.hpp"
#include "http_server_fixture.hpp"
#include "http_server_wire.hpp"

#include <catch2/catch.hpp>

#include <asio/post.hpp>

#include <atomic>
#include <future>
#include <thread>

using namespace std::chrono_literals;
using gale::io::exchange_ptr;
using gale::test::eventually;
using gale::test::raw_socket;
using gale::test::read_response;
using gale::test::server_fixture;

TEST_CASE("every pipelined request is answered in order, however deep",
          "[io][http_server]") {
  const bool later = GENERATE(false, true);
  server_fixture srv{[later](exchange_ptr x) {
    if (later) // answers that come after the handler returned
      asio::post(x->executor(), [x] { gale::test::echo(x); });
    else
      gale::test::echo(x);
  }};
  raw_socket s{srv.port(), 5s};
  std::string burst;
  constexpr int requests = 50; // beyond max_pipelined (16), in one send
  for (int i = 0; i < requests; ++i)
    burst += "POST /" + std::to_string(i)
             + " HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi";
  s.send(burst);
  for (int i = 0; i < requests; ++i)
    REQUIRE(read_response(s).ends_with("POST /" + std::to_string(i) + " hi"));
  // Still alive afterwards.
  s.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(read_response(s).ends_with("GET /after "));
}

TEST_CASE("a streamed piece's written callback runs when the connection is "
          "gone",
          "[io][http_server]") {
  std::promise<exchange_ptr> streaming;
  server_fixture srv{[&](exchange_ptr x) {
    x->begin(gale::test::text(200, {}));
    streaming.set_value(x);
  }};
  auto client = std::make_unique<raw_socket>(srv.port());
  client->send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  auto x = streaming.get_future().get();
  CHECK(client->read_until("\r\n\r\n").starts_with("HTTP/1.1 200"));
  client.reset(); // the reader goes away
  CHECK(eventually([&] { return x->closed(); }));
  std::atomic<bool> written{false};
  x->write("nobody reads this", [&] { written = true; });
  CHECK(eventually([&] { return written.load(); }));
}

TEST_CASE("shutdown closes WebSockets with 1001 and waits for their end",
          "[io][http_server][ws]") {
  std::atomic<int> server_saw{0};
  server_fixture srv{[&](exchange_ptr x) {
    gale::io::websocket_handlers h;
    h.on_close = [&](gale::io::websocket_ptr, std::uint16_t code, std::string) {
      server_saw = code;
    };
    x->accept_websocket(std::move(h));
  }};
  raw_socket s{srv.port(), 3s};
  s.send(gale::test::handshake());
  CHECK(s.read_until("\r\n\r\n").starts_with("HTTP/1.1 101"));
  CHECK(eventually([&] { return srv.connections() == 1; }));
  std::promise<void> drained;
  srv.loop.post(
    [&] { srv.server->shutdown(2s, [&] { drained.set_value(); }); });
  gale::ws::reader r{gale::ws::reader::role::client};
  auto closing = gale::test::next_event(s, r);
  CHECK(closing.first == gale::ws::event::close);
  CHECK(closing.second == "1001");
  std::string answer;
  gale::ws::append_close(answer, 1001, {}, gale::ws::masking_key{1, 2, 3, 4});
  s.send(answer);
  CHECK(drained.get_future().wait_for(2s) == std::future_status::ready);
  CHECK(server_saw == 1001);
  CHECK(s.closed_by_peer());
}

TEST_CASE("frames sent with the handshake, in the same packet, are read",
          "[io][http_server][ws]") {
  server_fixture srv{
    [](exchange_ptr x) { gale::test::websocket_echo(std::move(x)); }};
  raw_socket s{srv.port(), 3s};
  s.send(gale::test::handshake()
         + gale::test::client_frame(gale::ws::opcode::text, "early"));
  CHECK(s.read_until("\r\n\r\n").starts_with("HTTP/1.1 101"));
  gale::ws::reader r{gale::ws::reader::role::client};
  auto echo = gale::test::next_event(s, r);
  CHECK(echo.first == gale::ws::event::message);
  CHECK(echo.second == "early");
}

TEST_CASE("an idle WebSocket gives its read buffer back and still echoes",
          "[io][http_server][ws]") {
  gale::io::http_server_options opts;
  opts.idle_release = 100ms;
  server_fixture srv{
    [](exchange_ptr x) { gale::test::websocket_echo(std::move(x)); }, opts};
  raw_socket s{srv.port(), 3s};
  s.send(gale::test::handshake());
  CHECK(s.read_until("\r\n\r\n").starts_with("HTTP/1.1 101"));
  gale::ws::reader r{gale::ws::reader::role::client};
  for (const char* message : {"before", "after a nap", "and again"}) {
    s.send(gale::test::client_frame(gale::ws::opcode::text, message));
    auto echo = gale::test::next_event(s, r);
    CHECK(echo.first == gale::ws::event::message);
    CHECK(echo.second == message);
    std::this_thread::sleep_for(300ms); // parked by the server's sweep
  }
}
