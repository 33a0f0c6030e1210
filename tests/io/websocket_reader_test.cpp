// The WebSocket client read message by message (Tornado's read_message):
// a coroutine on a loop of its own, a future, the end, and the bound on
// what waits unread.

#include "gale/io/websocket_reader.hpp"

#include "../support/eventually.hpp"
#include "http_server_fixture.hpp"

#include <gale/io/loop.hpp>
#include <gale/io/stream_error.hpp>
#include <gale/io/websocket_client.hpp>

#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <atomic>
#include <future>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using gale::io::exchange_ptr;
using gale::io::websocket_handlers;
using gale::io::websocket_ptr;
using gale::io::websocket_reader;
using gale::test::server_fixture;

namespace {

/// A server that sends `count` messages ("0", "1", ...; every third one
/// binary) as soon as a client connects, then closes with 4000 "done".
server_fixture sending(int count) {
  return server_fixture{[count](exchange_ptr x) {
    websocket_handlers h;
    h.on_open = [count](websocket_ptr ws) {
      for (int i = 0; i < count; ++i)
        if (i % 3 == 2)
          ws->send_binary(std::to_string(i));
        else
          ws->send_text(std::to_string(i));
      ws->close(4000, "done");
    };
    x->accept_websocket(std::move(h));
  }};
}

std::string url(server_fixture& srv) {
  return "ws://127.0.0.1:" + std::to_string(srv.port()) + "/ws";
}

} // namespace

TEST_CASE("read_message in a coroutine: every message in order, then closed",
          "[io][ws][reader]") {
  auto srv = sending(100);
  gale::io::loop loop;
  loop.start();
  asio::io_context foreign; // the coroutine runs here, not on gale's loop
  std::vector<gale::io::websocket_message> got;
  std::error_code end;
  bool resumed_here = true;
  auto done = asio::co_spawn(
    foreign,
    [&]() -> asio::awaitable<void> {
      // [ws_reader]
      auto reader = std::make_shared<websocket_reader>(loop.executor(), 4);
      // Named, not braced in the co_await: g++ 12 destroys a braced
      // temporary there twice.
      gale::io::websocket_client_options options;
      auto handlers = reader->handlers();
      auto ws = co_await gale::io::async_connect_websocket(
        loop.executor(), url(srv), std::move(options), std::move(handlers),
        asio::use_awaitable);
      for (;;) {
        try {
          got.push_back(
            co_await reader->async_read_message(asio::use_awaitable));
        } catch (const std::system_error& e) {
          end = e.code();
          break;
        }
        resumed_here =
          resumed_here && foreign.get_executor().running_in_this_thread();
      }
      // [end]
      CHECK(ws->close_code() == std::uint16_t{4000});
      CHECK(ws->close_reason() == "done");
    },
    asio::use_future);
  foreign.run();
  done.get();
  REQUIRE(got.size() == 100);
  for (int i = 0; i < 100; ++i) {
    CHECK(got[i].data == std::to_string(i));
    CHECK(got[i].binary == (i % 3 == 2));
  }
  CHECK(end == gale::io::stream_errc::closed);
  CHECK(resumed_here);
}

TEST_CASE("read_message with futures; a second read at once is refused",
          "[io][ws][reader]") {
  std::promise<websocket_ptr> opened;
  server_fixture srv{[&](exchange_ptr x) {
    websocket_handlers h;
    h.on_open = [&](websocket_ptr ws) { opened.set_value(ws); };
    x->accept_websocket(std::move(h));
  }};
  gale::io::loop loop;
  loop.start();
  auto reader = std::make_shared<websocket_reader>(loop.executor());
  auto ws =
    gale::io::async_connect_websocket(loop.executor(), url(srv), {},
                                      reader->handlers(), asio::use_future)
      .get();
  auto server_side = opened.get_future().get();
  auto first = reader->async_read_message(asio::use_future);
  auto second = reader->async_read_message(asio::use_future);
  try {
    second.get();
    FAIL("two reads at once");
  } catch (const std::system_error& e) {
    CHECK(e.code() == gale::io::stream_errc::already_reading);
  }
  server_side->send_text("hi");
  CHECK(first.get().data == "hi");
  server_side->close(1000, "");
  auto after = reader->async_read_message(asio::use_future);
  CHECK_THROWS_AS(after.get(), std::system_error);
  ws.reset();
}

TEST_CASE("read_message: a reader that does not read pauses the connection",
          "[io][ws][reader]") {
  auto srv = sending(50);
  gale::io::loop loop;
  loop.start();
  auto reader = std::make_shared<websocket_reader>(loop.executor(), 2);
  auto ws =
    gale::io::async_connect_websocket(loop.executor(), url(srv), {},
                                      reader->handlers(), asio::use_future)
      .get();
  std::this_thread::sleep_for(200ms); // the server sent all 50 meanwhile
  auto waiting = [&] {
    std::promise<std::size_t> n;
    asio::post(loop.executor(), [&] { n.set_value(reader->unread()); });
    return n.get_future().get();
  };
  CHECK(waiting() == 2); // the rest waits in the socket, not here
  for (int i = 0; i < 50; ++i)
    CHECK(reader->async_read_message(asio::use_future).get().data
          == std::to_string(i));
  CHECK_THROWS_AS(reader->async_read_message(asio::use_future).get(),
                  std::system_error);
}
