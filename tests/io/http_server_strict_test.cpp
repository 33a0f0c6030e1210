// The server held to RFC 9112 where clients push it: deep pipelines,
// transfer codings, slow bodies, and answers to connections that went.

#include "gale/io/http_server.hpp"

#include "../support/eventually.hpp"
#include "../support/raw_socket.hpp"
#include "http_server_fixture.hpp"
#include "http_server_wire.hpp"

#include <gale/io/timers.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

using namespace std::chrono_literals;
using gale::io::exchange_ptr;
using gale::io::http_server_options;
using gale::test::echo;
using gale::test::raw_socket;
using gale::test::read_response;
using gale::test::server_fixture;

namespace {

/// The status line a lone request gets, read to the connection's end.
std::string status_line_for(server_fixture& srv, const std::string& bytes) {
  raw_socket s{srv.port()};
  s.send(bytes);
  auto got = s.read_all();
  return got.substr(0, got.find("\r\n"));
}

std::string post(int i) {
  auto body = std::to_string(i);
  return "POST /p" + body + " HTTP/1.1\r\nHost: x\r\nContent-Length: "
         + std::to_string(body.size()) + "\r\n\r\n" + body;
}

} // namespace

TEST_CASE("a pipeline deeper than max_pipelined is answered whole and in order",
          "[io][http_server][strict]") {
  http_server_options opts;
  auto depth = GENERATE(4, 16); // 16: the default
  opts.max_pipelined = static_cast<std::size_t>(depth);
  server_fixture srv{echo, opts};
  // 50 requests in one send (most wait in the parser's buffer while
  // reading is paused for the pipeline's depth), or in 7-byte pieces.
  std::string all;
  for (int i = 0; i < 50; ++i)
    all += post(i);
  for (auto [piece, slow_answers] :
       {std::pair{all.size(), false}, std::pair{all.size(), true},
        std::pair{std::size_t{7}, false}}) {
    CAPTURE(depth, piece, slow_answers);
    raw_socket s{srv.port()};
    for (std::size_t at = 0; at < all.size(); at += piece)
      s.send(all.substr(at, piece));
    for (int i = 0; i < 50; ++i) {
      if (slow_answers && i % 10 == 0)
        std::this_thread::sleep_for(20ms); // the socket fills meanwhile
      auto answer = read_response(s);
      REQUIRE(answer.ends_with("POST /p" + std::to_string(i) + " "
                               + std::to_string(i)));
    }
  }
}

TEST_CASE(
  "Transfer-Encoding: 400 for no final chunked, 501 for an unknown coding",
  "[io][http_server][strict]") {
  server_fixture srv{echo};
  auto with_te = [&](const std::string& te) {
    return status_line_for(srv, "POST / HTTP/1.1\r\nHost: x\r\n" + te
                                  + "\r\n\r\n0\r\n\r\n");
  };
  CHECK(with_te("Transfer-Encoding: gzip") == "HTTP/1.1 400 Bad Request");
  CHECK(with_te("Transfer-Encoding: chunked, gzip")
        == "HTTP/1.1 400 Bad Request");
  CHECK(with_te("Transfer-Encoding: chunked, chunked")
        == "HTTP/1.1 400 Bad Request");
  CHECK(with_te("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked")
        == "HTTP/1.1 400 Bad Request");
  CHECK(with_te("Transfer-Encoding: gzip, chunked")
        == "HTTP/1.1 501 Not Implemented");
  // Nothing else disturbed: a good chunked request is served.
  raw_socket s{srv.port()};
  s.send("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
         "3\r\nabc\r\n0\r\n\r\n");
  CHECK(read_response(s).ends_with("POST /c abc"));
}

TEST_CASE("a slow body that keeps moving is served; a stalled one gets 408",
          "[io][http_server][strict]") {
  http_server_options opts;
  opts.header_timeout = 500ms; // the head's deadline, not the body's
  opts.body_timeout = 300ms;
  server_fixture srv{echo, opts};
  {
    // 12 bytes at one per 100 ms: 1.2 s in all, past header_timeout.
    raw_socket s{srv.port(), 5s};
    s.send("POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n");
    for (char c : std::string{"hello, world"}) {
      std::this_thread::sleep_for(100ms);
      s.send(std::string(1, c));
    }
    CHECK(read_response(s).ends_with("POST /slow hello, world"));
  }
  {
    raw_socket s{srv.port(), 5s};
    s.send("POST /stall HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\nhel");
    auto start = std::chrono::steady_clock::now();
    auto all = s.read_all();
    CHECK(all.starts_with("HTTP/1.1 408 Request Timeout"));
    CHECK(std::chrono::steady_clock::now() - start < 2s);
  }
  // A request answered later is not timed out by its body's deadline.
  {
    server_fixture late{[](exchange_ptr x) {
                          gale::io::call_later(x->executor(), 500ms,
                                               [x] { echo(x); });
                        },
                        opts};
    raw_socket s{late.port(), 5s};
    s.send("POST /late HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok");
    CHECK(read_response(s).ends_with("POST /late ok"));
  }
}

TEST_CASE("Host: one valid field or 400; an absolute-form target is routed",
          "[io][http_server][strict]") {
  server_fixture srv{[](exchange_ptr x) {
    const auto* host = x->request().headers.find("Host");
    x->respond(gale::test::text(200, x->request().target + " at "
                                       + (host ? *host : "(none)")));
  }};
  auto request_with = [&](const std::string& target,
                          const std::string& headers) {
    return "GET " + target + " HTTP/1.1\r\n" + headers + "\r\n";
  };
  CHECK(status_line_for(srv, request_with("/", ""))
        == "HTTP/1.1 400 Bad Request");
  CHECK(status_line_for(srv, request_with("/", "Host: a\r\nHost: a\r\n"))
        == "HTTP/1.1 400 Bad Request");
  CHECK(status_line_for(srv, request_with("/", "Host: a b\r\n"))
        == "HTTP/1.1 400 Bad Request");
  CHECK(status_line_for(srv, request_with("/", "Host: u@h\r\n"))
        == "HTTP/1.1 400 Bad Request");
  CHECK(status_line_for(srv, request_with("no-slash", "Host: h\r\n"))
        == "HTTP/1.1 400 Bad Request");
  // The refused request's body is not read as another request.
  CHECK(status_line_for(srv, "POST / HTTP/1.1\r\nContent-Length: 18\r\n\r\n"
                             "GET / HTTP/1.1\r\n\r\n")
        == "HTTP/1.1 400 Bad Request");

  raw_socket s{srv.port()};
  s.send(request_with("/x?y=1", "Host: Example.COM:8080\r\n"));
  CHECK(read_response(s).ends_with("/x?y=1 at example.com:8080"));
  s.send(request_with("http://Proxy.Example:81/p?q", "Host: other\r\n"));
  CHECK(read_response(s).ends_with("/p?q at proxy.example:81"));
  s.send("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  CHECK(read_response(s).ends_with("/old at (none)"));
}
