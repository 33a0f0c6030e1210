// The safety net: exceptions escaping user code on a loop are reported and
// the loop goes on.

#include "gale/io/log.hpp"
#include "gale/io/tcp_server.hpp"
#include "gale/io/timers.hpp"
#include "gale/io/unhandled.hpp"

#include "http_server_fixture.hpp"
#include "http_server_wire.hpp"

#include "../support/raw_socket.hpp"
#include "../support/unhandled_reports.hpp"

#include <asio/co_spawn.hpp>
#include <asio/use_awaitable.hpp>

#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <atomic>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <vector>

using namespace std::chrono_literals;
namespace io = gale::io;

namespace {

/// Runs `f` on the loop and waits for it: the loop still serves.
void still_serves(io::loop& loop) {
  std::promise<void> ran;
  loop.post([&] { ran.set_value(); });
  REQUIRE(ran.get_future().wait_for(5s) == std::future_status::ready);
}

asio::awaitable<int> fails_later() {
  co_await io::async_sleep(co_await asio::this_coro::executor, 1ms,
                           asio::use_awaitable);
  throw std::runtime_error("in a coroutine");
}

} // namespace

TEST_CASE("an exception escaping a loop handler is reported; the loop goes on",
          "[io][unhandled]") {
  gale::test::unhandled_reports r;
  io::loop loop;
  loop.start();
  loop.post([] { throw std::runtime_error("boom"); });
  CHECK(r.wait(0) == "a handler on a gale loop: boom");
  still_serves(loop);
  // A timer's callback is a handler like any other.
  io::call_later(loop.executor(), 1ms, [] { throw std::logic_error("late"); });
  CHECK(r.wait(1) == "a handler on a gale loop: late");
  still_serves(loop);
}

TEST_CASE("a coroutine spawned with report_exceptions is reported",
          "[io][unhandled]") {
  gale::test::unhandled_reports r;
  io::loop loop;
  loop.start();
  // [report-exceptions]
  asio::co_spawn(loop.executor(), fails_later(), io::report_exceptions);
  // [end]
  CHECK(r.wait(0) == "a coroutine spawned on a loop: in a coroutine");
  still_serves(loop);
}

TEST_CASE("an HTTP handler's exception: 500, or a cut connection once an "
          "answer began; the server goes on",
          "[io][unhandled][http_server]") {
  gale::test::unhandled_reports r;
  gale::test::server_fixture f{[](io::exchange_ptr x) {
    if (x->request().target == "/boom")
      throw std::runtime_error("handler bug");
    if (x->request().target == "/half") {
      gale::http::response head;
      head.status = 200;
      x->begin(head);
      x->write("partial");
      throw std::runtime_error("mid-answer");
    }
    if (x->request().target == "/after") {
      x->respond(gale::test::text(200, "answered"));
      throw std::runtime_error("after answering");
    }
    x->respond(gale::test::text(200, "fine"));
  }};
  gale::test::raw_socket c{f.port()};
  c.send("GET /boom HTTP/1.1\r\nHost: x\r\n\r\n");
  auto answer = gale::test::read_response(c);
  CHECK(answer.starts_with("HTTP/1.1 500 "));
  CHECK(r.wait(0) == "an HTTP handler for GET /boom: handler bug");
  c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"); // the same connection
  CHECK(gale::test::read_response(c).ends_with("fine"));
  // Answered in full, then threw: the answer stands, the connection too.
  c.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(gale::test::read_response(c).ends_with("answered"));
  CHECK(r.wait(1) == "an HTTP handler for GET /after: after answering");
  c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(gale::test::read_response(c).ends_with("fine"));

  gale::test::raw_socket cut{f.port()};
  cut.send("GET /half HTTP/1.1\r\nHost: x\r\n\r\n");
  auto rest = cut.read_all(); // ends: the connection closed
  CHECK(rest.find("Transfer-Encoding: chunked") != std::string::npos);
  CHECK(rest.find("\r\n0\r\n\r\n") == std::string::npos); // not ended whole
  CHECK(r.wait(2) == "an HTTP handler for GET /half: mid-answer");
}

TEST_CASE("a stream handler's exception closes its connection only",
          "[io][unhandled][tcp_server]") {
  gale::test::unhandled_reports r;
  io::loop loop;
  loop.start();
  io::tcp_server server{loop.executor(), [](io::stream) {
                          throw std::runtime_error("stream bug");
                        }};
  REQUIRE_FALSE(server.listen({}));
  gale::test::raw_socket a{server.port()};
  CHECK(a.closed_by_peer());
  CHECK(r.wait(0).ends_with("stream bug"));
  CHECK(r.wait(0).starts_with("a stream handler (127.0.0.1:"));
  gale::test::raw_socket b{server.port()}; // still accepting
  CHECK(b.closed_by_peer());
  CHECK(r.wait(1).ends_with("stream bug"));
}

TEST_CASE("set_unhandled_handler: the previous one back, empty is the "
          "default, which logs on the application channel",
          "[io][unhandled][log]") {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  auto app = io::log::logger(io::log::channel::application);
  app->sinks().push_back(sink);
  auto previous = io::set_unhandled_handler({}); // the default
  io::report_unhandled(std::make_exception_ptr(std::runtime_error("oops")),
                       "a test");
  app->flush();
  CHECK(out.str().find("uncaught exception in a test: oops")
        != std::string::npos);
  CHECK(out.str().find("[error]") != std::string::npos);
  app->sinks().pop_back();
  bool called = false;
  io::set_unhandled_handler([&](const auto&) { called = true; });
  auto mine = io::set_unhandled_handler(previous);
  REQUIRE(mine);
  mine({});
  CHECK(called);
}

TEST_CASE("a hook that counts and logs in its own words", "[io][unhandled]") {
  // [count-and-log]
  std::atomic<int> bugs{0};
  auto previous =
    io::set_unhandled_handler([&bugs](const io::unhandled_exception& u) {
      ++bugs;
      io::log::write(io::log::channel::application, io::log::level::error,
                     "bug #" + std::to_string(bugs) + " in " + u.where);
    });
  // [end]
  io::loop loop;
  loop.start();
  loop.post([] { throw 42; }); // not even a std::exception
  still_serves(loop);
  CHECK(bugs == 1);
  io::set_unhandled_handler(previous);
}
