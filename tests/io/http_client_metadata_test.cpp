// What a response says of its fetch (effective URL, the request as asked,
// times, attempts), and retries with backoff.

#include "gale/io/http_client.hpp"

#include "../support/ports.hpp"
#include "../support/scripted_server.hpp"
#include "http_client_fixture.hpp"

#include <gale/http/error.hpp>

#include <catch2/catch.hpp>

#include <asio/error.hpp>

#include <atomic>
#include <cstdio>
#include <chrono>
#include <string>

using namespace std::chrono_literals;
using gale::io::http_request;
using gale::test::client_fixture;
using gale::test::peer;
using gale::test::reply_with;
using gale::test::scripted_server;

namespace {

/// /a redirects to /b, which answers after 50 ms.
scripted_server redirecting_server() {
  return scripted_server{[](peer& p) -> asio::awaitable<void> {
    while (auto req = co_await p.read_request()) {
      if (req->target == "/a") {
        if (!co_await p.write(reply_with(302, "", "Location: /b\r\n")))
          co_return;
        continue;
      }
      co_await p.sleep(50ms);
      if (!co_await p.write(reply_with(200, "b")))
        co_return;
    }
  }};
}

/// Resets the first `resets` connections once their request is in, then
/// answers.
scripted_server resetting_server(int resets,
                                 std::shared_ptr<std::atomic<int>> seen) {
  return scripted_server{[=](peer& p) -> asio::awaitable<void> {
    if (!co_await p.read_request())
      co_return;
    if (++*seen <= resets) {
      p.reset();
      co_return;
    }
    co_await p.write(reply_with(200, "at last"));
  }};
}

http_request retried(std::string url, int attempts,
                     std::chrono::milliseconds backoff = 50ms) {
  http_request req;
  req.url = std::move(url);
  req.retry.max_attempts = attempts;
  req.retry.backoff = backoff;
  return req;
}

} // namespace

TEST_CASE("a response knows its effective URL, request, times and attempts",
          "[io][http_client][metadata]") {
  auto server = redirecting_server();
  client_fixture c;
  auto port = std::to_string(server.port());
  http_request req;
  req.url = "http://user:secret@127.0.0.1:" + port + "/a";
  req.headers.set("X-Trace", "42");
  auto before = std::chrono::system_clock::now();
  auto [ec, res] = c.fetch(req);
  REQUIRE_FALSE(ec);
  // [metadata]
  const gale::http::fetch_info& info = res.fetch;
  std::printf("%s %s: %zu tries, %lld us (first byte after %lld us)\n",
              info.method.c_str(), info.effective_url.c_str(),
              info.time.attempts.size(),
              static_cast<long long>(info.request_time.count()),
              static_cast<long long>(info.time.first_byte.count()));
  // [end]
  CHECK(info.method == "GET");
  CHECK(info.url == req.url); // as asked
  CHECK(*info.request_headers.find("X-Trace") == "42");
  CHECK_FALSE(info.request_headers.contains("Host")); // the client's own
  CHECK(info.effective_url == "http://127.0.0.1:" + port + "/b");
  CHECK(info.start_time >= before);
  CHECK(info.start_time <= std::chrono::system_clock::now());
  CHECK(info.request_time >= 50ms);
  CHECK(info.time.first_byte >= 45ms); // the server's pause before /b
  REQUIRE(info.time.attempts.size() == 2);
  CHECK(info.time.attempts[0].url == "http://127.0.0.1:" + port + "/a");
  CHECK(info.time.attempts[0].status == 302);
  CHECK(info.time.attempts[1].status == 200);
  CHECK(info.time.attempts[1].start
        >= info.time.attempts[0].start + info.time.attempts[0].duration);
  CHECK(info.time.attempts[1].error.empty());
  CHECK(info.time.attempts[1].start + info.time.attempts[1].duration
        <= info.request_time);
}

TEST_CASE("time_info: the queue, and the connect's steps on a new connection",
          "[io][http_client][metadata]") {
  scripted_server server{[](peer& p) -> asio::awaitable<void> {
    while (co_await p.read_request()) {
      co_await p.sleep(100ms);
      if (!co_await p.write(reply_with(200, "slow")))
        co_return;
    }
  }};
  gale::io::http_client_options opts;
  opts.max_clients = 1;
  client_fixture c{opts};
  http_request req;
  req.url = server.url();
  auto first = c.start(req);
  auto [ec, second] = c.fetch(req);
  REQUIRE_FALSE(ec);
  auto [first_ec, first_res] = first.get();
  REQUIRE_FALSE(first_ec);
  CHECK(first_res.fetch.time.queue < 50ms);
  CHECK(first_res.fetch.time.connect > 0us); // a connection of its own
  CHECK(second.fetch.time.queue >= 80ms);    // behind the first
  CHECK(second.fetch.time.connect == 0us);   // the first's, from the pool
  CHECK(second.fetch.time.tls == 0us);       // plain http
}

TEST_CASE("a failed fetch's response still tells its attempts",
          "[io][http_client][metadata]") {
  client_fixture c;
  auto url = "http://127.0.0.1:" + std::to_string(gale::test::closed_port());
  auto [ec, res] = c.fetch(url + "/");
  CHECK(ec == asio::error::connection_refused);
  REQUIRE(res.fetch.time.attempts.size() == 1); // no retries by default
  CHECK(res.fetch.time.attempts[0].status == 0);
  CHECK(res.fetch.time.attempts[0].error
        == std::error_code{asio::error::connection_refused}.message());
  CHECK(res.fetch.effective_url == url + "/");
}

TEST_CASE("a refused connect is retried with a doubling backoff",
          "[io][http_client][retry]") {
  client_fixture c;
  auto url = "http://127.0.0.1:" + std::to_string(gale::test::closed_port());
  auto start = std::chrono::steady_clock::now();
  auto [ec, res] = c.fetch(retried(url + "/", 3));
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(ec == asio::error::connection_refused);
  const auto& attempts = res.fetch.time.attempts;
  REQUIRE(attempts.size() == 3);
  CHECK(took >= 150ms); // 50 ms, then 100 ms
  CHECK(attempts[1].start - attempts[0].start >= 50ms);
  CHECK(attempts[2].start - attempts[1].start >= 100ms);
  for (const auto& a : attempts)
    CHECK_FALSE(a.error.empty());
}

TEST_CASE("a tunnel that times out is retried and not ended by its old "
          "connection",
          "[io][http_client][retry]") {
  scripted_server silent_proxy{[](peer& p) -> asio::awaitable<void> {
    co_await p.sleep(3s); // takes the CONNECT, never answers
  }};
  client_fixture c;
  auto req = retried("https://service.test/", 2, 10ms);
  req.proxy_host = "127.0.0.1";
  req.proxy_port = silent_proxy.port();
  req.connect_timeout = 100ms;
  auto [ec, res] = c.fetch(req);
  CHECK(ec == gale::http::errc::connect_timeout);
  CHECK(res.fetch.time.attempts.size() == 2);
  CHECK(silent_proxy.connections() == 2);
}

TEST_CASE("a retry policy in the client's defaults applies to every fetch",
          "[io][http_client][retry]") {
  gale::io::http_client_options opts;
  opts.defaults.emplace();
  opts.defaults->retry.max_attempts = 2;
  opts.defaults->retry.backoff = 10ms;
  client_fixture c{opts};
  auto url = "http://127.0.0.1:" + std::to_string(gale::test::closed_port());
  auto [ec, res] = c.fetch(url + "/");
  CHECK(ec == asio::error::connection_refused);
  CHECK(res.fetch.time.attempts.size() == 2);
}

TEST_CASE("retries stop at max_time and max_backoff caps the wait",
          "[io][http_client][retry]") {
  client_fixture c;
  auto url = "http://127.0.0.1:" + std::to_string(gale::test::closed_port());
  auto req = retried(url + "/", 10, 100ms);
  req.retry.max_time = 250ms; // tries at 0 and 100 ms; the next at 300
  auto [ec, res] = c.fetch(req);
  CHECK(ec == asio::error::connection_refused);
  CHECK(res.fetch.time.attempts.size() == 2);

  req.retry.max_time = 10s;
  req.retry.max_attempts = 4;
  req.retry.backoff = 40ms;
  req.retry.max_backoff = 40ms; // no doubling past 40 ms
  auto start = std::chrono::steady_clock::now();
  auto [capped_ec, capped] = c.fetch(req);
  CHECK(capped.fetch.time.attempts.size() == 4);
  CHECK(std::chrono::steady_clock::now() - start < 400ms); // 3 x 40, not 280
}

TEST_CASE("an idempotent request reset before any answer is retried",
          "[io][http_client][retry]") {
  auto seen = std::make_shared<std::atomic<int>>(0);
  auto server = resetting_server(2, seen);
  client_fixture c;
  // [retry]
  gale::io::http_request req;
  req.url = server.url("/");
  req.retry.max_attempts = 3;                        // the first try included
  req.retry.backoff = std::chrono::milliseconds{50}; // then 100 ms, ...
  auto [ec, res] = c.fetch(req);
  for (const auto& attempt : res.fetch.time.attempts)
    std::printf("%s after %lld us: %s\n", attempt.url.c_str(),
                static_cast<long long>(attempt.start.count()),
                attempt.error.empty() ? "answered" : attempt.error.c_str());
  // [end]
  REQUIRE_FALSE(ec);
  CHECK(res.body == "at last");
  REQUIRE(res.fetch.time.attempts.size() == 3);
  CHECK_FALSE(res.fetch.time.attempts[0].error.empty());
  CHECK(res.fetch.time.attempts[2].status == 200);
  CHECK(seen->load() == 3);
}

TEST_CASE("a POST, a produced body and a policy of one try are not retried",
          "[io][http_client][retry]") {
  auto seen = std::make_shared<std::atomic<int>>(0);
  auto server = resetting_server(100, seen);
  client_fixture c;
  auto post = retried(server.url("/"), 3);
  post.method = "POST";
  post.body = "once";
  auto [post_ec, post_res] = c.fetch(post);
  CHECK(post_ec);
  CHECK(post_res.fetch.time.attempts.size() == 1);
  CHECK(seen->load() == 1);

  auto produced = retried(server.url("/"), 3);
  produced.method = "PUT";
  produced.body_producer = [](gale::io::body_piece_handler next) {
    next({}, "");
  };
  auto [produced_ec, produced_res] = c.fetch(produced);
  CHECK(produced_ec);
  CHECK(produced_res.fetch.time.attempts.size() == 1);

  auto [plain_ec, plain_res] = c.fetch(server.url("/"));
  CHECK(plain_ec);
  CHECK(plain_res.fetch.time.attempts.size() == 1);
  CHECK(seen->load() == 3);
}

TEST_CASE("a status error is an answer, not retried - request_timeout still "
          "ends retries",
          "[io][http_client][retry]") {
  scripted_server server{gale::test::answer_always(reply_with(503, "busy"))};
  client_fixture c;
  auto [ec, res] = c.fetch(retried(server.url("/"), 3));
  CHECK(ec == gale::http::make_status_error(503));
  CHECK(res.fetch.time.attempts.size() == 1);
  CHECK(server.connections() == 1);

  auto url = "http://127.0.0.1:" + std::to_string(gale::test::closed_port());
  auto req = retried(url + "/", 100, 100ms);
  req.request_timeout = 250ms;
  auto [timeout_ec, timed_out] = c.fetch(req);
  CHECK(timeout_ec == gale::http::errc::request_timeout);
  CHECK(timed_out.fetch.time.attempts.size() <= 3);
}
