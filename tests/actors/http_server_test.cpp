// Server handlers in the coroutine and actor styles, through the testing
// helper that users get for their own handlers.
#include "../support/eventually.hpp"
#include "../support/raw_socket.hpp"
#include "gale/http/server.hpp"
#include "gale/http/websocket.hpp"
#include "gale/testing/http_test_server.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/use_future.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <gale/ws/codec.hpp>

#include <atomic>
#include <future>
#include <map>
#include <memory>
#include <thread>

using namespace std::chrono_literals;
using gale::http::response;
using gale::testing::http_test_server;

namespace {

response text(std::string body) {
  response res;
  res.headers.set("Content-Type", "text/plain");
  res.body = std::move(body);
  return res;
}

asio::awaitable<response> coroutine_handler(gale::io::exchange_ptr x) {
  const auto& target = x->request().target;
  if (target == "/later") {
    asio::steady_timer t{x->executor(), 50ms};
    co_await t.async_wait(asio::use_awaitable);
    co_return text("later");
  }
  if (target == "/pieces") {
    x->begin(text(""));
    for (int i = 0; i < 3; ++i)
      co_await gale::http::async_write_piece(x, "piece" + std::to_string(i));
    x->end();
    co_return response{};
  }
  if (target == "/throw")
    throw std::runtime_error("handler bug");
  co_return text("coroutine " + target);
}

} // namespace

TEST_CASE("coroutine handlers answer, wait and stream",
          "[actors][http_server]") {
  http_test_server srv{gale::http::from_coroutine(coroutine_handler)};
  CHECK(srv.fetch("/x").body == "coroutine /x");
  CHECK(srv.fetch("/later").body == "later");
  auto pieces = srv.fetch("/pieces");
  CHECK(pieces.body == "piece0piece1piece2");
  CHECK(*pieces.headers.find("Transfer-Encoding") == "chunked");
  CHECK(srv.fetch("/throw").status == 500);
}

TEST_CASE("actor handlers answer whole, in pieces, or not at all",
          "[actors][http_server]") {
  http_test_server srv{
    [](gale::io::exchange_ptr x) { x->respond(text("unused")); }};
  auto handler = srv.system().spawn([](caf::event_based_actor* self) {
    return caf::behavior{
      [self](gale::http::request& req) -> caf::result<caf::message> {
        if (req.target == "/pieces")
          return caf::make_message(
            gale::http::streamed_response{text(""), {"a", "b", "c"}});
        if (req.target == "/never") {
          self->make_response_promise(); // and never delivered
          return caf::make_message();    // ignored: the promise took the reply
        }
        return caf::make_message(text("actor " + req.target));
      }};
  });
  auto req = std::make_shared<gale::requester>(srv.system());
  // Long enough for a loaded machine under sanitizers; /never waits it out.
  http_test_server actor_srv{gale::http::from_actor(req, handler, 2s)};
  CHECK(actor_srv.fetch("/x").body == "actor /x");
  CHECK(actor_srv.fetch("/pieces").body == "abc");
  CHECK(actor_srv.fetch("/never").status == 504);
  caf::anon_send_exit(handler, caf::exit_reason::kill);
  std::this_thread::sleep_for(50ms);
  CHECK(actor_srv.fetch("/x").status == 503);
}

TEST_CASE("the testing helper runs a coroutine against the server",
          "[actors][http_server]") {
  http_test_server srv{gale::http::from_coroutine(coroutine_handler)};
  auto total = srv.run([&]() -> asio::awaitable<std::size_t> {
    std::size_t bytes = 0;
    for (int i = 0; i < 5; ++i) {
      auto res =
        co_await srv.client().fetch(srv.url("/n"), asio::use_awaitable);
      bytes += res.body.size();
    }
    co_return bytes;
  }());
  CHECK(total == 5 * std::string{"coroutine /n"}.size());
  CHECK_THROWS_AS(
    srv.run(
      [&]() -> asio::awaitable<int> {
        asio::steady_timer t{co_await asio::this_coro::executor, 10s};
        co_await t.async_wait(asio::use_awaitable);
        co_return 1;
      }(),
      100ms),
    gale::error);
}

namespace {

/// A raw WebSocket client for the tests: handshake, masked frames, reads.
struct ws_client {
  gale::test::raw_socket socket;
  gale::ws::reader reader{gale::ws::reader::role::client};

  explicit ws_client(std::uint16_t port) : socket(port) {
    socket.send("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n");
    socket.read_until("\r\n\r\n");
  }

  void send(std::string_view text) {
    std::string frame;
    gale::ws::append_frame(frame, gale::ws::opcode::text, text, true,
                           gale::ws::masking_key{5, 6, 7, 8});
    socket.send(frame);
  }

  std::string receive() {
    for (;;) {
      auto e = reader.next();
      if (e == gale::ws::event::message)
        return std::string{reader.payload()};
      if (e == gale::ws::event::close) { // answer it, as a client should
        std::string bye;
        gale::ws::append_close(bye, reader.close_code(), {},
                               gale::ws::masking_key{5, 6, 7, 8});
        socket.send(bye);
      }
      auto more = socket.read_exactly(1);
      if (more.empty())
        return "(closed)";
      reader.feed(more);
    }
  }
};

} // namespace

TEST_CASE("WebSocket connections as actors, and broadcast to a group",
          "[actors][http_server][ws]") {
  // One actor per connection; every message goes to the whole room.
  auto room = std::make_shared<gale::http::websocket_group>();
  std::atomic<int> actors_alive{0};
  std::unique_ptr<http_test_server> srv;
  srv = std::make_unique<http_test_server>([&](gale::io::exchange_ptr x) {
    x->accept_websocket(
      gale::http::actor_per_connection([&](gale::io::websocket_ptr) {
        return srv->system().spawn([&, room](caf::event_based_actor* self) {
          ++actors_alive;
          self->attach_functor([&] { --actors_alive; });
          return caf::behavior{
            [room](gale::http::ws_open_atom, gale::io::websocket_ptr ws) {
              room->add(ws);
              ws->send_text("welcome");
            },
            [room](gale::http::ws_message_atom, gale::io::websocket_ptr,
                   std::string& text, bool) { room->broadcast_text(text); },
            [room](gale::http::ws_closed_atom, gale::io::websocket_ptr ws,
                   std::uint16_t, std::string&) { room->remove(ws); },
          };
        });
      }));
  });
  {
    ws_client alice{srv->port()};
    ws_client bob{srv->port()};
    CHECK(alice.receive() == "welcome");
    CHECK(bob.receive() == "welcome");
    alice.send("hi from alice");
    CHECK(alice.receive() == "hi from alice");
    CHECK(bob.receive() == "hi from alice");
    CHECK(actors_alive == 2);
  }
  // Both clients went away: their actors end, the room empties.
  CHECK(gale::test::eventually([&] { return actors_alive == 0; }));
  CHECK(room->broadcast_text("anyone?") == 0);
}

TEST_CASE("a coroutine per WebSocket connection", "[actors][http_server][ws]") {
  std::atomic<int> ended{0};
  http_test_server srv{[&](gale::io::exchange_ptr x) {
    x->accept_websocket(gale::http::coroutine_per_connection(
      [&](gale::io::websocket_ptr ws,
          std::shared_ptr<gale::http::websocket_inbox> inbox)
        -> asio::awaitable<void> {
        ws->send_text("ready");
        for (;;) {
          auto e = co_await inbox->async_pop(asio::use_awaitable);
          if (e.closed)
            break;
          if (e.message == "bye") {
            ws->close(1000, "asked to");
            continue; // the close arrives next
          }
          std::string shout = e.message;
          for (auto& c : shout)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          ws->send_text(shout);
        }
        ++ended;
      }));
  }};
  ws_client c{srv.port()};
  CHECK(c.receive() == "ready");
  c.send("hello");
  CHECK(c.receive() == "HELLO");
  c.send("bye");
  CHECK(c.receive() == "(closed)"); // the server's close frame, then EOF
  CHECK(gale::test::eventually([&] { return ended == 1; }));
}

TEST_CASE("async_write_piece resumes a coroutine on its own executor",
          "[actors][http_server][executor]") {
  asio::io_context foreign;
  auto guard = asio::make_work_guard(foreign);
  std::thread foreign_thread{[&] { foreign.run(); }};
  std::atomic<int> resumed_there{0};
  http_test_server srv{[&](gale::io::exchange_ptr x) {
    x->begin(text(""));
    // (use_future, not detached: g++ 12 warns of a mismatched delete in
    // the detached frame under -O2 -g)
    auto ignored = asio::co_spawn(
      foreign,
      [&, x]() -> asio::awaitable<void> {
        for (int i = 0; i < 3; ++i) {
          co_await gale::http::async_write_piece(x, std::to_string(i));
          resumed_there += foreign.get_executor().running_in_this_thread();
        }
        x->end();
      },
      asio::use_future);
  }};
  CHECK(srv.fetch("/").body == "012");
  CHECK(resumed_there == 3);
  guard.reset();
  foreign_thread.join();
}

TEST_CASE("actor handlers read streamed bodies piece by piece",
          "[actors][http_server][request_body]") {
  gale::io::http_server_options opts;
  opts.max_body_size = 64;
  opts.stream_request_body = [](const gale::http::request&) { return true; };
  http_test_server srv{
    [](gale::io::exchange_ptr x) { x->respond(text("unused")); }};
  std::promise<std::string> failure;
  auto handler = srv.system().spawn([&failure](caf::event_based_actor* self) {
    auto uploads = std::make_shared<
      std::map<std::uint64_t, std::pair<caf::response_promise, std::size_t>>>();
    return caf::behavior{
      [=](gale::http::streamed_request& req) {
        auto rp = self->make_response_promise();
        uploads->emplace(req.id, std::pair{rp, std::size_t{0}});
        return rp;
      },
      [=, &failure](gale::http::request_body_piece& piece) {
        auto& [rp, bytes] = uploads->at(piece.id);
        bytes += piece.bytes.size();
        if (!piece.last)
          return;
        if (!piece.error.empty())
          failure.set_value(piece.error);
        rp.deliver(text("received " + std::to_string(bytes)));
        uploads->erase(piece.id);
      }};
  });
  auto req = std::make_shared<gale::requester>(srv.system());
  http_test_server actor_srv{gale::http::from_actor(req, handler, 2s), opts};
  gale::io::http_request post;
  post.url = "/up";
  post.method = "POST";
  post.raise_error = false;
  post.body = std::string(40, 'a');
  CHECK(actor_srv.fetch(post).body == "received 40");
  post.body = std::string(100, 'b'); // over the limit: the server answers
  CHECK(actor_srv.fetch(post).status == 413);
  auto why = failure.get_future();
  REQUIRE(why.wait_for(5s) == std::future_status::ready);
  CHECK(why.get()
        == make_error_code(gale::http::errc::body_too_large).message());
  caf::anon_send_exit(handler, caf::exit_reason::kill);
}

TEST_CASE("a coroutine's full inbox pauses reading: nothing lost, memory "
          "bounded",
          "[actors][http_server][ws]") {
  std::atomic<std::size_t> most{0}, got{0};
  std::atomic<bool> in_order{true};
  http_test_server srv{[&](gale::io::exchange_ptr x) {
    x->accept_websocket(gale::http::coroutine_per_connection(
      [&](gale::io::websocket_ptr ws,
          std::shared_ptr<gale::http::websocket_inbox> inbox)
        -> asio::awaitable<void> {
        ws->send_text("ready");
        asio::steady_timer busy{ws->executor(), 300ms}; // the sender runs on
        co_await busy.async_wait(asio::use_awaitable);
        for (;;) {
          most = std::max<std::size_t>(most, inbox->size());
          auto e = co_await inbox->async_pop(asio::use_awaitable);
          if (e.closed)
            break;
          if (e.message != std::to_string(got))
            in_order = false;
          if (++got == 200)
            ws->send_text("all");
        }
      },
      4));
  }};
  ws_client c{srv.port()};
  CHECK(c.receive() == "ready");
  for (int i = 0; i < 200; ++i)
    c.send(std::to_string(i));
  CHECK(c.receive() == "all");
  CHECK(got == 200);
  CHECK(in_order);
  CHECK(most <= 4);
  CHECK(most >= 3); // it did fill up while the coroutine was busy
}
