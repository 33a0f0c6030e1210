// Server handlers in the coroutine and actor styles, through the testing
// helper that users get for their own handlers.
#include "gale/http/server.hpp"
#include "gale/testing/http_test_server.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <catch2/catch.hpp>

#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

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
  http_test_server actor_srv{gale::http::from_actor(req, handler, 300ms)};
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
