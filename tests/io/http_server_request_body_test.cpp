// Request bodies streamed to their handler (Tornado's stream_request_body):
// pieces as they come, backpressure, per-request limits, and every way a
// body can fail.

#include "gale/io/http_body.hpp"
#include "gale/io/http_server.hpp"

#include "../support/eventually.hpp"
#include "../support/raw_socket.hpp"
#include "http_server_fixture.hpp"
#include "http_server_wire.hpp"

#include <gale/http/error.hpp>
#include <gale/io/stream_error.hpp>
#include <gale/io/timers.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

using namespace std::chrono_literals;
using gale::io::exchange_ptr;
using gale::io::http_server_options;
using gale::test::raw_socket;
using gale::test::read_response;
using gale::test::server_fixture;
using gale::test::text;

namespace {

http_server_options streaming_all(http_server_options opts = {}) {
  opts.stream_request_body = [](const gale::http::request&) { return true; };
  return opts;
}

http_server_options gigabyte_bodies() {
  http_server_options opts;
  opts.max_body_size = 1024 * 1024 * 1024;
  return opts;
}

/// What a counting handler saw: the pieces' sizes, and the error if any.
struct tally {
  std::mutex m;
  std::vector<std::size_t> pieces;
  std::error_code error;
  std::promise<void> ended;
  bool done = false;

  void end(std::error_code ec) {
    std::lock_guard lock{m};
    error = ec;
    if (!std::exchange(done, true))
      ended.set_value();
  }
};

/// Reads the whole body, answering "N bytes in K pieces"; tells `t`.
void read_all(exchange_ptr x, std::shared_ptr<tally> t, std::string got = {}) {
  x->read_body([x, t, got](std::error_code ec, std::string piece) mutable {
    if (ec)
      return t->end(ec);
    if (piece.empty()) {
      x->respond(text(200, got));
      return t->end({});
    }
    {
      std::lock_guard lock{t->m};
      t->pieces.push_back(piece.size());
    }
    read_all(x, t, got + piece);
  });
}

std::string post_head(const std::string& extra) {
  return "POST /up HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n";
}

} // namespace

TEST_CASE("a streamed body arrives in pieces and the connection goes on",
          "[io][http_server][request_body]") {
  auto t = std::make_shared<tally>();
  std::atomic<int> heads{0}, streamed{0};
  server_fixture srv{[&](exchange_ptr x) {
                       ++heads;
                       streamed += x->body_streamed() ? 1 : 0;
                       read_all(x, t);
                     },
                     streaming_all()};
  raw_socket s{srv.port()};
  // A chunked body in pieces the handler sees as they come.
  s.send(post_head("Transfer-Encoding: chunked\r\n") + "3\r\nabc\r\n");
  REQUIRE(gale::test::eventually([&] {
    std::lock_guard lock{t->m};
    return t->pieces.size() == 1;
  }));
  s.send("4\r\ndefg\r\n0\r\n\r\n");
  CHECK(read_response(s).ends_with("abcdefg"));
  t->ended.get_future().wait();
  CHECK_FALSE(t->error);
  // Kept alive: a Content-Length body on the same connection.
  t = std::make_shared<tally>();
  s.send(post_head("Content-Length: 5\r\n") + "hello");
  CHECK(read_response(s).ends_with("hello"));
  CHECK(heads == 2);
  CHECK(streamed == 2);
}

TEST_CASE("a consumer that does not read stops the client (backpressure)",
          "[io][http_server][request_body]") {
  std::promise<exchange_ptr> paused;
  std::atomic<std::uint64_t> total{0};
  std::promise<void> finished;
  server_fixture srv{[&](exchange_ptr x) {
                       // One piece, then nothing until the test says so.
                       x->read_body([&, x](std::error_code, std::string p) {
                         total += p.size();
                         paused.set_value(x);
                       });
                     },
                     streaming_all(gigabyte_bodies())};
  const std::uint64_t size = 256 * 1024 * 1024;
  raw_socket s{srv.port(), 10s};
  s.send(post_head("Content-Length: " + std::to_string(size) + "\r\n"));
  const std::string block(1024 * 1024, 'z');
  std::uint64_t sent = 0;
  s.send(block);
  sent += block.size();
  auto x = paused.get_future().get();
  // The socket's buffers fill, then the client can send no more.
  for (int i = 0; i < 50; ++i) {
    sent += s.send_some(block);
    std::this_thread::sleep_for(5ms);
  }
  auto stuck_at = sent;
  std::this_thread::sleep_for(100ms);
  sent += s.send_some(block);
  CHECK(sent == stuck_at);
  CHECK(sent < 64 * 1024 * 1024); // kernel buffers, not the whole body
  // Reading on takes the rest.
  std::function<void()> next = [&] {
    x->read_body([&](std::error_code ec, std::string p) {
      if (ec || p.empty())
        return finished.set_value();
      total += p.size();
      next();
    });
  };
  next(); // from this thread: reads may start from any

  std::thread writer{[&] {
    while (sent < size) {
      auto chunk = std::min<std::uint64_t>(block.size(), size - sent);
      s.send(block.substr(0, chunk));
      sent += chunk;
    }
  }};
  finished.get_future().wait();
  writer.join();
  CHECK(total == size);
  x->respond(text(200, "ok"));
  CHECK(read_response(s).ends_with("ok"));
}

TEST_CASE("a streamed body's own limit: 413 before reading, or as it grows",
          "[io][http_server][request_body]") {
  http_server_options opts;
  opts.max_body_size = 16;
  auto t = std::make_shared<tally>();
  std::atomic<std::uint64_t> limit{0};
  server_fixture srv{[&](exchange_ptr x) {
                       if (limit)
                         x->set_max_body_size(limit);
                       read_all(x, t);
                       // A late answer (ignored after the server's 413)
                       // must not end a connection that drops the rest.
                       gale::io::call_later(x->executor(), 20ms, [x] {
                         x->respond(text(200, "late"));
                       });
                     },
                     streaming_all(opts)};
  SECTION("a declared length over the limit: 413, and no 100 Continue") {
    limit = 10;
    raw_socket s{srv.port()};
    s.send(post_head("Content-Length: 11\r\nExpect: 100-continue\r\n"));
    auto all = s.read_all();
    CHECK(all.starts_with("HTTP/1.1 413 "));
    CHECK(all.find("100 Continue") == std::string::npos);
    t->ended.get_future().wait();
    CHECK(t->error == gale::http::errc::body_too_large);
  }
  SECTION("a declared length over it, the body sent anyway: 413 read") {
    limit = 10;
    raw_socket s{srv.port(), 10s};
    s.send(post_head("Content-Length: 8388608\r\n"));
    std::this_thread::sleep_for(50ms); // the 413 is out first
    CHECK(s.send(std::string(8 * 1024 * 1024, 'x')));
    CHECK(s.read_all().starts_with("HTTP/1.1 413 "));
  }
  SECTION("a chunked body that grows past it: 413 then the close") {
    raw_socket s{srv.port()};
    s.send(post_head("Transfer-Encoding: chunked\r\n") + "a\r\n0123456789\r\n"
           + "a\r\n0123456789\r\n");
    auto all = s.read_all();
    CHECK(all.starts_with("HTTP/1.1 413 "));
    t->ended.get_future().wait();
    CHECK(t->error == gale::http::errc::body_too_large);
  }
  SECTION("a handler's larger limit takes a body the server's would refuse") {
    limit = 1024 * 1024;
    raw_socket s{srv.port()};
    std::string body(100 * 1024, 'b');
    s.send(post_head("Content-Length: " + std::to_string(body.size())
                     + "\r\nExpect: 100-continue\r\n"));
    CHECK(s.read_until("\r\n\r\n") == "HTTP/1.1 100 Continue\r\n\r\n");
    s.send(body);
    CHECK(read_response(s).ends_with(body));
  }
}

TEST_CASE("a stalled streamed body times out; a slow consumer does not",
          "[io][http_server][request_body]") {
  http_server_options opts;
  opts.body_timeout = 300ms;
  auto t = std::make_shared<tally>();
  std::atomic<bool> own_timeout{false}, slow_reader{false};
  server_fixture srv{
    [&](exchange_ptr x) {
      if (own_timeout)
        x->set_body_timeout(100ms);
      if (!slow_reader)
        return read_all(x, t);
      // Waits 500 ms (past the body timeout) before each read.
      auto step = std::make_shared<std::function<void(std::string)>>();
      *step = [x, step, t](std::string got) {
        gale::io::call_later(x->executor(), 500ms, [x, step, t, got] {
          x->read_body([x, step, t, got](std::error_code ec, std::string p) {
            if (ec)
              return t->end(ec);
            if (p.empty()) {
              x->respond(text(200, got));
              return t->end({});
            }
            (*step)(got + p);
          });
        });
      };
      (*step)({});
    },
    streaming_all(opts)};
  auto stall = [&] {
    raw_socket s{srv.port(), 5s};
    s.send(post_head("Content-Length: 10\r\n") + "abc");
    auto start = std::chrono::steady_clock::now();
    auto all = s.read_all();
    CHECK(all.starts_with("HTTP/1.1 408 "));
    t->ended.get_future().wait();
    CHECK(t->error == asio::error::timed_out);
    return std::chrono::steady_clock::now() - start;
  };
  SECTION("the server's body_timeout") {
    CHECK(stall() < 2s);
  }
  SECTION("the handler's own") {
    own_timeout = true;
    CHECK(stall() < 280ms);
  }
  SECTION("a consumer slower than the timeout is waited for") {
    slow_reader = true;
    raw_socket s{srv.port(), 5s};
    s.send(post_head("Transfer-Encoding: chunked\r\n")
           + "2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n");
    CHECK(read_response(s).ends_with("abcd"));
  }
}

TEST_CASE("a streamed body's errors: the client leaves, a second read, a "
          "malformed chunk, an early answer",
          "[io][http_server][request_body]") {
  auto t = std::make_shared<tally>();
  std::promise<std::error_code> second;
  std::atomic<bool> answer_early{false}, read_twice{false};
  server_fixture srv{[&](exchange_ptr x) {
                       if (answer_early)
                         return x->respond(text(200, "early"));
                       if (read_twice)
                         x->read_body([](std::error_code, std::string) {});
                       if (read_twice)
                         x->read_body([&](std::error_code ec, std::string) {
                           second.set_value(ec);
                         });
                       read_all(x, t);
                     },
                     streaming_all()};
  SECTION("the client leaves mid-body") {
    {
      raw_socket s{srv.port()};
      s.send(post_head("Content-Length: 100\r\n") + "abc");
      REQUIRE(gale::test::eventually([&] {
        std::lock_guard lock{t->m};
        return !t->pieces.empty();
      }));
    }
    t->ended.get_future().wait();
    CHECK(t->error == gale::io::stream_errc::closed);
  }
  SECTION("one read at a time") {
    read_twice = true;
    raw_socket s{srv.port()};
    s.send(post_head("Content-Length: 100\r\n"));
    CHECK(second.get_future().get() == gale::io::stream_errc::already_reading);
  }
  SECTION("a malformed chunk: 400") {
    raw_socket s{srv.port()};
    s.send(post_head("Transfer-Encoding: chunked\r\n") + "zz\r\n");
    CHECK(s.read_all().starts_with("HTTP/1.1 400 "));
    t->ended.get_future().wait();
    CHECK(t->error == gale::http::errc::invalid_chunk_size);
  }
  SECTION("an answer before the body: sent, then the connection closes") {
    answer_early = true;
    raw_socket s{srv.port()};
    s.send(post_head("Content-Length: 100\r\n") + "abc");
    auto all = s.read_all();
    CHECK(all.find("Connection: close") != std::string::npos);
    CHECK(all.ends_with("early"));
  }
  SECTION("the body keeps coming after the answer: it is dropped, not reset "
          "under the client") {
    answer_early = true;
    raw_socket s{srv.port(), 10s};
    // A client that writes its whole request before it reads (Python's
    // http.client does): closing with its body unread would reset the
    // connection and fail its send before it saw the answer.
    s.send(post_head("Content-Length: 8388608\r\n"));
    std::this_thread::sleep_for(50ms); // the answer is out first
    CHECK(s.send(std::string(8 * 1024 * 1024, 'x')));
    auto all = s.read_all();
    CHECK(all.starts_with("HTTP/1.1 200 "));
    CHECK(all.ends_with("early"));
  }
}

TEST_CASE("only the requests the predicate names stream; others read whole",
          "[io][http_server][request_body]") {
  http_server_options opts;
  opts.stream_request_body = [](const gale::http::request& head) {
    return head.target == "/stream";
  };
  std::promise<std::string> whole;
  server_fixture srv{[&](exchange_ptr x) {
                       if (x->body_streamed())
                         return x->respond(text(200, "streamed"));
                       // A buffered body reads as one piece, then its end.
                       x->read_body([&, x](std::error_code, std::string all) {
                         x->read_body(
                           [&, x, all](std::error_code ec, std::string end) {
                             whole.set_value(ec || !end.empty() ? "bad" : all);
                             x->respond(text(200, all));
                           });
                       });
                     },
                     opts};
  raw_socket s{srv.port()};
  s.send(post_head("Content-Length: 4\r\n") + "body");
  CHECK(read_response(s).ends_with("body"));
  CHECK(whole.get_future().get() == "body");
  raw_socket t{srv.port()};
  t.send("POST /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  CHECK(read_response(t).ends_with("streamed"));
}

TEST_CASE("async_read_body in the coroutine and future styles",
          "[io][http_server][request_body]") {
  std::promise<std::string> from_future;
  std::atomic<bool> as_future{false};
  asio::io_context foreign;
  server_fixture srv{
    [&](exchange_ptr x) {
      if (as_future) {
        // Off the loop, blocking on each piece.
        std::thread{[&, x] {
          std::string all;
          for (;;) {
            auto piece = gale::io::async_read_body(x, asio::use_future).get();
            if (piece.empty())
              break;
            all += piece;
          }
          from_future.set_value(all);
          x->respond(text(200, all));
        }}.detach();
        return;
      }
      asio::co_spawn(
        x->executor(),
        [x]() -> asio::awaitable<void> {
          std::string all;
          for (;;) {
            auto piece =
              co_await gale::io::async_read_body(x, asio::use_awaitable);
            if (piece.empty())
              break;
            all += piece;
          }
          x->respond(text(200, all));
        },
        asio::detached);
    },
    streaming_all()};
  raw_socket s{srv.port()};
  s.send(post_head("Transfer-Encoding: chunked\r\n")
         + "2\r\nco\r\n2\r\nro\r\n0\r\n\r\n");
  CHECK(read_response(s).ends_with("coro"));
  as_future = true;
  s.send(post_head("Transfer-Encoding: chunked\r\n")
         + "3\r\nfut\r\n3\r\nure\r\n0\r\n\r\n");
  CHECK(read_response(s).ends_with("future"));
  CHECK(from_future.get_future().get() == "future");
}
