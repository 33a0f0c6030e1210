#include "gale/io/http_client.hpp"

#include "../support/scripted_server.hpp"
#include "http_client_fixture.hpp"

#include <gale/http/error.hpp>
#include <gale/io/loop.hpp>

#include <catch2/catch.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <zlib.h>

#include <future>

using namespace std::chrono_literals;
using gale::io::http_request;
using gale::test::client_fixture;
using gale::test::outcome;
using gale::test::peer;
using gale::test::reply_with;
using gale::test::scripted_server;

namespace {

std::string gzip(const std::string& text) {
  z_stream z{};
  deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
               Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, text.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

} // namespace

TEST_CASE("the client fetches and reuses a kept-alive connection",
          "[io][http_client]") {
  scripted_server server{gale::test::answer_always(reply_with(200, "hi"))};
  client_fixture c;
  for (int i = 0; i < 3; ++i) {
    auto [ec, res] = c.fetch(server.url("/n" + std::to_string(i)));
    REQUIRE_FALSE(ec);
    CHECK(res.status == 200);
    CHECK(res.body == "hi");
  }
  CHECK(server.connections() == 1);
  auto reqs = server.requests();
  REQUIRE(reqs.size() == 3);
  CHECK(reqs[2].target == "/n2");
  CHECK(*reqs[0].headers.find("Host")
        == "127.0.0.1:" + std::to_string(server.port()));
  CHECK(*reqs[0].headers.find("User-Agent") == "gale/0.1");
  CHECK(*reqs[0].headers.find("Accept-Encoding") == "gzip");
}

TEST_CASE("non-2xx responses are errors carrying the response by default",
          "[io][http_client]") {
  scripted_server server{
    gale::test::answer_always(reply_with(404, "no such page"))};
  client_fixture c;
  auto [ec, res] = c.fetch(server.url());
  CHECK(ec == gale::http::make_status_error(404));
  CHECK(ec.message() == "HTTP 404 Not Found");
  CHECK(res.status == 404);
  CHECK(res.body == "no such page");

  http_request req;
  req.url = server.url();
  req.raise_error = false;
  auto [ec2, res2] = c.fetch(req);
  CHECK_FALSE(ec2);
  CHECK(res2.status == 404);
}

TEST_CASE("max_clients queues fetches in FIFO order", "[io][http_client]") {
  std::atomic<int> in_flight{0}, most{0};
  scripted_server server{[&](peer& p) -> asio::awaitable<void> {
    while (co_await p.read_request()) {
      int now = ++in_flight;
      int seen = most.load();
      while (now > seen && !most.compare_exchange_weak(seen, now)) {
      }
      co_await p.sleep(30ms);
      --in_flight;
      if (!co_await p.write(reply_with(200, "ok")))
        co_return;
    }
  }};
  client_fixture c{{.max_clients = 2}};
  std::vector<std::future<outcome>> all;
  for (int i = 0; i < 6; ++i) {
    http_request req;
    req.url = server.url("/" + std::to_string(i));
    all.push_back(c.start(req));
  }
  for (auto& f : all) {
    REQUIRE(f.wait_for(10s) == std::future_status::ready);
    CHECK_FALSE(f.get().first);
  }
  CHECK(most.load() <= 2);
  CHECK(server.connections() == 2);
  auto reqs = server.requests();
  REQUIRE(reqs.size() == 6);
}

TEST_CASE("the queue behind max_clients is first in, first out",
          "[io][http_client]") {
  scripted_server server{[](peer& p) -> asio::awaitable<void> {
    while (co_await p.read_request()) {
      co_await p.sleep(5ms);
      if (!co_await p.write(reply_with(200, "ok")))
        co_return;
    }
  }};
  client_fixture c{{.max_clients = 1}};
  std::vector<std::future<outcome>> all;
  for (int i = 0; i < 8; ++i) {
    http_request req;
    req.url = server.url("/" + std::to_string(i));
    all.push_back(c.start(req));
  }
  for (auto& f : all)
    CHECK_FALSE(f.get().first);
  auto reqs = server.requests();
  REQUIRE(reqs.size() == 8);
  for (int i = 0; i < 8; ++i)
    CHECK(reqs[i].target == "/" + std::to_string(i));
}

TEST_CASE("a request queued too long fails with queue_timeout",
          "[io][http_client]") {
  scripted_server server{[](peer& p) -> asio::awaitable<void> {
    co_await p.read_request();
    co_await p.sleep(1s);
    co_await p.write(reply_with(200, "late"));
  }};
  client_fixture c{{.max_clients = 1}};
  http_request slow;
  slow.url = server.url();
  auto first = c.start(slow);
  http_request queued;
  queued.url = server.url();
  queued.connect_timeout = 100ms;
  auto [ec, res] = c.fetch(queued);
  CHECK(ec == gale::http::errc::queue_timeout);
  CHECK_FALSE(first.get().first);
}

TEST_CASE("request_timeout and connect_timeout are distinct errors",
          "[io][http_client]") {
  scripted_server silent{[](peer& p) -> asio::awaitable<void> {
    co_await p.read_request();
    co_await p.sleep(3s);
  }};
  client_fixture c;
  http_request req;
  req.url = silent.url();
  req.request_timeout = 150ms;
  auto [ec, res] = c.fetch(req);
  CHECK(ec == gale::http::errc::request_timeout);

  // A server that never speaks TLS stalls the handshake.
  req.url = "https://127.0.0.1:" + std::to_string(silent.port()) + "/";
  req.connect_timeout = 150ms;
  req.request_timeout = 5s;
  auto [ec2, res2] = c.fetch(req);
  CHECK(ec2 == gale::http::errc::connect_timeout);
}

TEST_CASE("a stale pooled connection is retried once on a fresh one",
          "[io][http_client]") {
  // Each connection answers one request, then closes without saying so.
  scripted_server server{[](peer& p) -> asio::awaitable<void> {
    if (co_await p.read_request())
      co_await p.write(reply_with(200, "once"));
    co_await p.sleep(50ms);
    p.close();
  }};
  client_fixture c;
  REQUIRE_FALSE(c.fetch(server.url()).first);
  std::this_thread::sleep_for(150ms); // the server has closed by now
  auto [ec, res] = c.fetch(server.url());
  CHECK_FALSE(ec);
  CHECK(res.body == "once");
  CHECK(server.connections() == 2);

  // A POST is not repeated: the error shows.
  std::this_thread::sleep_for(150ms);
  http_request post;
  post.url = server.url();
  post.method = "POST";
  post.body = "data";
  auto [ec2, res2] = c.fetch(post);
  CHECK(ec2 == gale::http::errc::connection_closed);
}

TEST_CASE("a header with CR or LF is refused before anything is sent",
          "[io][http_client]") {
  scripted_server server{gale::test::answer_always(reply_with(200, ""))};
  client_fixture c;
  http_request req;
  req.url = server.url();
  req.headers.add("X-Evil", "a\r\nInjected: yes");
  CHECK(c.fetch(req).first == gale::http::errc::invalid_field_value);
  http_request bad_name;
  bad_name.url = server.url();
  bad_name.headers.add("X\nY", "v");
  CHECK(c.fetch(bad_name).first == gale::http::errc::invalid_field_name);
  CHECK(c.fetch("ftp://127.0.0.1/").first
        == gale::http::errc::unsupported_scheme);
  CHECK(c.fetch("not a url").first == gale::http::errc::invalid_url);
  std::this_thread::sleep_for(50ms);
  CHECK(server.connections() == 0);
}

TEST_CASE("redirects: method rules, limits and credentials across origins",
          "[io][http_client]") {
  scripted_server other{gale::test::answer_always(reply_with(200, "other"))};
  scripted_server server{[&](peer& p) -> asio::awaitable<void> {
    while (auto req = co_await p.read_request()) {
      std::string reply;
      if (req->target == "/301")
        reply = reply_with(301, "", "Location: /final\r\n");
      else if (req->target == "/303")
        reply = reply_with(303, "", "Location: final\r\n");
      else if (req->target == "/307")
        reply = reply_with(307, "", "Location: /final\r\n");
      else if (req->target == "/308")
        reply = reply_with(308, "", "Location: /final\r\n");
      else if (req->target == "/loop")
        reply = reply_with(302, "", "Location: /loop\r\n");
      else if (req->target == "/away")
        reply = reply_with(302, "", "Location: " + other.url("/x") + "\r\n");
      else
        reply = reply_with(200, req->method + " " + req->body);
      if (!co_await p.write(reply))
        co_return;
    }
  }};
  client_fixture c;
  auto post = [&](std::string path) {
    http_request req;
    req.url = server.url(path);
    req.method = "POST";
    req.body = "payload";
    req.headers.add("Content-Type", "text/plain");
    return c.fetch(req);
  };
  CHECK(post("/301").second.body == "GET ");
  CHECK(post("/303").second.body == "GET ");
  CHECK(post("/307").second.body == "POST payload");
  CHECK(post("/308").second.body == "POST payload");
  auto reqs = server.requests();
  CHECK_FALSE(reqs[1].headers.contains("Content-Type")); // after the 301

  auto [ec, res] = c.fetch(server.url("/loop"));
  CHECK(ec == gale::http::errc::too_many_redirects);
  CHECK(res.status == 302);

  http_request no_follow;
  no_follow.url = server.url("/301");
  no_follow.follow_redirects = false;
  auto [ec2, res2] = c.fetch(no_follow);
  CHECK(ec2 == gale::http::make_status_error(301));
  CHECK(*res2.headers.find("Location") == "/final");

  http_request away;
  away.url =
    "http://user:pw@127.0.0.1:" + std::to_string(server.port()) + "/away";
  away.headers.add("Cookie", "session=1");
  auto [ec3, res3] = c.fetch(away);
  REQUIRE_FALSE(ec3);
  CHECK(res3.body == "other");
  auto first = server.requests().back();
  CHECK(*first.headers.find("Authorization") == "Basic dXNlcjpwdw==");
  auto forwarded = other.requests().at(0);
  CHECK_FALSE(forwarded.headers.contains("Authorization"));
  CHECK_FALSE(forwarded.headers.contains("Cookie"));
}

TEST_CASE("gzip bodies are decoded, limits hold after decoding",
          "[io][http_client]") {
  std::string text(100'000, 'z');
  auto packed = gzip(text);
  scripted_server server{gale::test::answer_always(
    reply_with(200, packed, "Content-Encoding: gzip\r\n"))};
  client_fixture c;
  auto [ec, res] = c.fetch(server.url());
  REQUIRE_FALSE(ec);
  CHECK(res.body == text);
  CHECK_FALSE(res.headers.contains("Content-Encoding"));
  CHECK(*res.headers.find("X-Consumed-Content-Encoding") == "gzip");

  http_request small;
  small.url = server.url();
  small.max_body_size = 10'000;
  CHECK(c.fetch(small).first == gale::http::errc::decompressed_too_large);

  http_request raw;
  raw.url = server.url();
  raw.decompress_response = false;
  auto [ec2, res2] = c.fetch(raw);
  CHECK(res2.body == packed);
  CHECK(server.requests().back().headers.find("Accept-Encoding") == nullptr);
}

TEST_CASE("streaming callbacks see the body piece by piece",
          "[io][http_client]") {
  std::string body(200'000, 'b');
  scripted_server server{gale::test::answer_always(reply_with(200, body))};
  client_fixture c;

  http_request req;
  req.url = server.url();
  std::size_t seen = 0;
  int heads = 0;
  req.header_callback = [&](const gale::http::response& head) {
    ++heads;
    CHECK(head.status == 200);
  };
  req.streaming_callback = [&](std::string_view piece) {
    seen += piece.size();
  };
  auto [ec, res] = c.fetch(req);
  REQUIRE_FALSE(ec);
  CHECK(seen == body.size());
  CHECK(res.body.empty());
  CHECK(heads == 1);

  // An asynchronous consumer: nothing more is read until it resumes.
  http_request slow;
  slow.url = server.url();
  std::size_t slow_seen = 0;
  int pieces = 0;
  std::vector<std::thread> consumers;
  slow.async_streaming_callback = [&](std::string_view piece,
                                      gale::io::resume_reading resume) {
    slow_seen += piece.size();
    ++pieces;
    consumers.emplace_back([resume = std::move(resume)]() mutable {
      std::this_thread::sleep_for(1ms);
      resume();
    });
  };
  auto [ec2, res2] = c.fetch(slow);
  REQUIRE_FALSE(ec2);
  CHECK(slow_seen == body.size());
  CHECK(pieces > 1);
  for (auto& t : consumers)
    t.join();
}

TEST_CASE("request bodies: whole, produced, and after 100-continue",
          "[io][http_client]") {
  scripted_server server{[](peer& p) -> asio::awaitable<void> {
    while (auto req = co_await p.read_request())
      if (!co_await p.write(reply_with(200, req->body)))
        co_return;
  }};
  client_fixture c;

  http_request produced;
  produced.url = server.url();
  produced.method = "PUT";
  int calls = 0;
  produced.body_producer = [&](gale::io::body_piece_handler next) {
    ++calls;
    next({}, calls <= 3 ? "piece" + std::to_string(calls) + ";" : "");
  };
  auto [ec, res] = c.fetch(produced);
  REQUIRE_FALSE(ec);
  CHECK(res.body == "piece1;piece2;piece3;");
  CHECK(*server.requests().back().headers.find("Transfer-Encoding")
        == "chunked");

  http_request failing;
  failing.url = server.url();
  failing.method = "PUT";
  failing.body_producer = [](gale::io::body_piece_handler next) {
    next(std::make_error_code(std::errc::io_error), "");
  };
  CHECK(c.fetch(failing).first == std::errc::io_error);

  http_request expecting;
  expecting.url = server.url();
  expecting.method = "POST";
  expecting.body = "after the 100";
  expecting.expect_100_continue = true;
  auto [ec3, res3] = c.fetch(expecting);
  REQUIRE_FALSE(ec3);
  CHECK(res3.body == "after the 100");
  CHECK(server.requests().back().headers.has_token("Expect", "100-continue"));
}

TEST_CASE("a final answer before 100-continue means the body is never sent",
          "[io][http_client]") {
  std::atomic<bool> body_arrived{false};
  scripted_server server{[&](peer& p) -> asio::awaitable<void> {
    p.stop_after_head(true);
    p.answer_100_continue(false);
    if (!co_await p.read_request())
      co_return;
    co_await p.write(reply_with(417, "no", "Connection: close\r\n"));
    char byte;
    std::error_code ec;
    co_await p.socket.async_read_some(
      asio::buffer(&byte, 1), asio::redirect_error(asio::use_awaitable, ec));
    body_arrived = !ec;
  }};
  client_fixture c;
  http_request req;
  req.url = server.url();
  req.method = "POST";
  req.body = "must not be sent";
  req.expect_100_continue = true;
  auto [ec, res] = c.fetch(req);
  CHECK(ec == gale::http::make_status_error(417));
  std::this_thread::sleep_for(100ms);
  CHECK_FALSE(body_arrived.load());
}

TEST_CASE("cancelling completes once and frees the slot", "[io][http_client]") {
  scripted_server server{[](peer& p) -> asio::awaitable<void> {
    while (auto req = co_await p.read_request()) {
      if (req->target == "/slow")
        co_await p.sleep(2s);
      if (!co_await p.write(reply_with(200, "ok")))
        co_return;
    }
  }};
  client_fixture c{{.max_clients = 1}};
  asio::cancellation_signal in_flight, queued;
  std::promise<std::error_code> a, b;
  std::atomic<int> completions{0};
  http_request slow;
  slow.url = server.url("/slow");
  c.client->async_fetch(
    slow, asio::bind_cancellation_slot(
            in_flight.slot(), [&](std::error_code ec, gale::http::response) {
              ++completions;
              a.set_value(ec);
            }));
  c.client->async_fetch(
    slow, asio::bind_cancellation_slot(
            queued.slot(), [&](std::error_code ec, gale::http::response) {
              ++completions;
              b.set_value(ec);
            }));
  std::this_thread::sleep_for(100ms);
  c.loop.post([&] { queued.emit(asio::cancellation_type::terminal); });
  CHECK(b.get_future().get() == asio::error::operation_aborted);
  c.loop.post([&] { in_flight.emit(asio::cancellation_type::terminal); });
  CHECK(a.get_future().get() == asio::error::operation_aborted);
  // The one slot is free again.
  auto [ec, res] = c.fetch(server.url("/fast"));
  CHECK_FALSE(ec);
  CHECK(completions.load() == 2);
}

TEST_CASE("basic auth, user agent and an HTTP proxy's absolute form",
          "[io][http_client]") {
  scripted_server proxy{gale::test::answer_always(reply_with(200, "via"))};
  client_fixture c;
  http_request req;
  req.url = "http://example.invalid:8080/p?q=1#frag";
  req.proxy_host = "127.0.0.1";
  req.proxy_port = proxy.port();
  req.proxy_username = "pu";
  req.proxy_password = "pp";
  req.auth_username = "Aladdin";
  req.auth_password = "open sesame";
  req.user_agent = "tester/1";
  auto [ec, res] = c.fetch(req);
  REQUIRE_FALSE(ec);
  auto seen = proxy.requests().at(0);
  CHECK(seen.target == "http://example.invalid:8080/p?q=1");
  CHECK(*seen.headers.find("Host") == "example.invalid:8080");
  CHECK(*seen.headers.find("Authorization")
        == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  CHECK(*seen.headers.find("Proxy-Authorization") == "Basic cHU6cHA=");
  CHECK(*seen.headers.find("User-Agent") == "tester/1");

  scripted_server refusing{gale::test::answer_always(reply_with(403, ""))};
  req.url = "https://example.invalid/";
  req.proxy_port = refusing.port();
  CHECK(c.fetch(req).first == gale::http::errc::proxy_refused);
  CHECK(refusing.requests().at(0).method == "CONNECT");
  CHECK(refusing.requests().at(0).target == "example.invalid:443");
}

TEST_CASE("idle pooled connections close after idle_timeout",
          "[io][http_client]") {
  scripted_server server{gale::test::answer_always(reply_with(200, "x"))};
  client_fixture c{{.idle_timeout = 100ms}};
  REQUIRE_FALSE(c.fetch(server.url()).first);
  auto idle = [&] {
    std::promise<std::size_t> n;
    c.loop.post([&] { n.set_value(c.client->idle_connections()); });
    return n.get_future().get();
  };
  CHECK(idle() == 1);
  std::this_thread::sleep_for(300ms);
  CHECK(idle() == 0);
  REQUIRE_FALSE(c.fetch(server.url()).first);
  CHECK(server.connections() == 2);
}

TEST_CASE("destroying the client fails pending fetches once",
          "[io][http_client]") {
  scripted_server silent{[](peer& p) -> asio::awaitable<void> {
    co_await p.read_request();
    co_await p.sleep(2s);
  }};
  client_fixture c;
  http_request req;
  req.url = silent.url();
  auto pending = c.start(req);
  std::this_thread::sleep_for(50ms);
  c.client.reset();
  REQUIRE(pending.wait_for(5s) == std::future_status::ready);
  CHECK(pending.get().first == gale::http::errc::client_closed);
}

TEST_CASE("responses framed by the close, after interim ones, and to HEAD",
          "[io][http_client]") {
  client_fixture c;
  SECTION("until close: read to the end, never pooled") {
    scripted_server server{[](peer& p) -> asio::awaitable<void> {
      if (co_await p.read_request())
        co_await p.write("HTTP/1.0 200 OK\r\n\r\nall of it");
      p.close();
    }};
    auto [ec, res] = c.fetch(server.url());
    REQUIRE_FALSE(ec);
    CHECK(res.body == "all of it");
    CHECK_FALSE(c.fetch(server.url()).first);
    CHECK(server.connections() == 2);
  }
  SECTION("interim 1xx responses before the final one") {
    scripted_server server{gale::test::answer_always(
      "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"
      "HTTP/1.1 100 Continue\r\n\r\n"
      "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok")};
    auto [ec, res] = c.fetch(server.url());
    REQUIRE_FALSE(ec);
    CHECK(res.status == 201);
    CHECK(res.body == "ok");
    CHECK_FALSE(res.headers.contains("Link"));
  }
  SECTION("HEAD: no body despite Content-Length; the connection goes on") {
    scripted_server server{[](peer& p) -> asio::awaitable<void> {
      while (auto req = co_await p.read_request()) {
        // Named first: g++ 12 mishandles a ?: temporary inside co_await.
        std::string reply = reply_with(200, "x");
        if (req->method == "HEAD")
          reply = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
        if (!co_await p.write(reply))
          co_return;
      }
    }};
    http_request head;
    head.url = server.url();
    head.method = "HEAD";
    auto [ec, res] = c.fetch(head);
    REQUIRE_FALSE(ec);
    CHECK(res.body.empty());
    CHECK(c.fetch(server.url()).second.body == "x");
    CHECK(server.connections() == 1);
  }
}

TEST_CASE("a connection with bytes beyond the response is not reused",
          "[io][http_client]") {
  scripted_server server{gale::test::answer_always(
    reply_with(200, "ok")
    + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale")};
  client_fixture c;
  for (int i = 0; i < 2; ++i) {
    auto [ec, res] = c.fetch(server.url());
    REQUIRE_FALSE(ec);
    CHECK(res.body == "ok");
  }
  CHECK(server.connections() == 2);
}

TEST_CASE("async_fetch resumes a coroutine on its own executor",
          "[io][http_client][executor]") {
  scripted_server server{gale::test::answer_always(reply_with(200, "hi"))};
  client_fixture c;
  asio::io_context foreign;
  int resumed_there = 0;
  std::string body;
  auto finished = asio::co_spawn(
    foreign,
    [&]() -> asio::awaitable<void> {
      gale::io::http_request req;
      req.url = server.url("/");
      auto res = co_await c.client->async_fetch(req, asio::use_awaitable);
      resumed_there += foreign.get_executor().running_in_this_thread();
      body = res.body;
      req.url = "http://127.0.0.1:" + std::to_string(gale::test::closed_port());
      try {
        co_await c.client->async_fetch(req, asio::use_awaitable);
      } catch (const std::system_error&) {
        resumed_there += foreign.get_executor().running_in_this_thread();
      }
    },
    asio::use_future);
  foreign.run();
  finished.get();
  CHECK(body == "hi");
  CHECK(resumed_there == 2);
}
