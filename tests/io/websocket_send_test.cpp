// WebSocket sends that complete (Tornado's write_message future): once the
// message left, with stream_errc::closed after the close, and with
// buffer_full beyond max_outgoing for a peer that does not read.

#include "gale/io/websocket_send.hpp"

#include "../support/eventually.hpp"
#include "../support/raw_socket.hpp"
#include "http_server_fixture.hpp"
#include "http_server_wire.hpp"

#include <gale/io/loop.hpp>
#include <gale/io/stream_error.hpp>
#include <gale/io/websocket_client.hpp>

#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <atomic>
#include <future>
#include <thread>

using namespace std::chrono_literals;
using gale::io::exchange_ptr;
using gale::io::stream_errc;
using gale::io::websocket_handlers;
using gale::io::websocket_ptr;
using gale::test::server_fixture;

TEST_CASE("async_send completes once sent, and fails closed after the close",
          "[io][ws][send]") {
  std::promise<std::string> received;
  server_fixture srv{[&](exchange_ptr x) {
    websocket_handlers h;
    h.on_message = [&](websocket_ptr, std::string m, bool) {
      received.set_value(m);
    };
    x->accept_websocket(std::move(h));
  }};
  gale::io::loop loop;
  loop.start();
  auto ws =
    gale::io::async_connect_websocket(
      loop.executor(), "ws://127.0.0.1:" + std::to_string(srv.port()) + "/ws",
      {}, {}, asio::use_future)
      .get();
  auto sent = gale::io::async_send(ws, "hello", false, asio::use_future);
  CHECK_NOTHROW(sent.get());
  CHECK(received.get_future().get() == "hello");

  ws->close(1000, "");
  // Closing: nothing more goes out, and each style is told so.
  std::promise<std::error_code> by_callback;
  ws->send("late", false,
           [&](std::error_code ec) { by_callback.set_value(ec); });
  CHECK(by_callback.get_future().get() == stream_errc::closed);
  auto late = gale::io::async_send(ws, "late", true, asio::use_future);
  try {
    late.get();
    FAIL("a send after close succeeded");
  } catch (const std::system_error& e) {
    CHECK(e.code() == stream_errc::closed);
  }
  asio::io_context foreign;
  std::error_code from_coroutine;
  auto done = asio::co_spawn(
    foreign,
    [&]() -> asio::awaitable<void> {
      std::string message = "later";
      auto [ec] = co_await gale::io::async_send(
        ws, message, false, asio::experimental::as_tuple(asio::use_awaitable));
      from_coroutine = ec;
    },
    asio::use_future);
  foreign.run();
  done.get();
  CHECK(from_coroutine == stream_errc::closed);
  loop.stop();
}

TEST_CASE("a peer that does not read: sends beyond max_outgoing fail",
          "[io][ws][send]") {
  std::atomic<int> accepted{0};
  std::atomic<int> full{0};
  std::promise<websocket_ptr> opened;
  server_fixture srv{[&](exchange_ptr x) {
    gale::io::websocket_options opts;
    opts.max_outgoing = 1024 * 1024;
    opts.permessage_deflate = false;
    websocket_handlers h;
    h.on_open = [&](websocket_ptr ws) { opened.set_value(ws); };
    x->accept_websocket(std::move(h), opts);
  }};
  gale::test::raw_socket s{srv.port(), 3s};
  s.send(gale::test::handshake());
  s.read_until("\r\n\r\n");
  auto ws = opened.get_future().get();
  const std::string piece(64 * 1024, 'm');
  // 200 pieces are 12.5 MiB: far beyond the socket's buffers and the
  // limit, so most are refused, and memory stays bounded.
  std::promise<void> all_answered;
  std::atomic<int> answered{0};
  for (int i = 0; i < 200; ++i)
    ws->send(piece, true, [&](std::error_code ec) {
      if (!ec)
        ++accepted;
      else if (ec == stream_errc::buffer_full)
        ++full;
      if (++answered == 200)
        all_answered.set_value();
    });
  // Those in the buffer complete only once written: read everything.
  std::thread reader{[&] { s.read_all(); }};
  CHECK(all_answered.get_future().wait_for(10s) == std::future_status::ready);
  CHECK(full > 100);
  CHECK(accepted > 0);
  CHECK(accepted + full == 200);
  ws->close(1000, "");
  reader.join();
}
