// The client's Tornado-style settings: hostname_mapping, defaults=,
// if_modified_since, allow_ipv6 and the source address.

#include "gale/io/http_client.hpp"

#include "../support/scripted_server.hpp"
#include "http_client_fixture.hpp"
#include "http_server_fixture.hpp"

#include <gale/http/date.hpp>
#include <gale/http/error.hpp>

#include <catch2/catch.hpp>

#include <asio/ip/address.hpp>
#include <asio/steady_timer.hpp>

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using gale::io::http_request;
using gale::test::client_fixture;
using gale::test::reply_with;
using gale::test::scripted_server;

TEST_CASE("an HTTP-date is IMF-fixdate in GMT", "[io][http_client][options]") {
  using namespace std::chrono;
  CHECK(gale::http::format_http_date(system_clock::time_point{784111777s})
        == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(gale::http::format_http_date(system_clock::time_point{})
        == "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST_CASE("hostname_mapping answers a name without DNS; Host stays the name",
          "[io][http_client][options]") {
  scripted_server server{gale::test::answer_always(reply_with(200, "mapped"))};
  gale::io::http_client_options opts;
  opts.hostname_mapping["service.test"] = {
    {asio::ip::make_address("127.0.0.1"), 0}}; // 0: the URL's port
  client_fixture c{opts};
  auto port = std::to_string(server.port());
  auto [ec, res] = c.fetch("http://service.test:" + port + "/x");
  REQUIRE_FALSE(ec);
  CHECK(res.body == "mapped");
  CHECK(*server.requests().at(0).headers.find("Host")
        == "service.test:" + port);
  // A name that is not mapped still goes to DNS (and fails here).
  auto [unmapped, ignored] = c.fetch("http://other.invalid:" + port + "/");
  CHECK(unmapped);
}

TEST_CASE("defaults fill what a request leaves at its built-in values",
          "[io][http_client][options]") {
  scripted_server server{gale::test::answer_always(reply_with(404, "no"))};
  gale::io::http_client_options opts;
  http_request d;
  d.user_agent = "spider/2";
  d.raise_error = false;
  d.headers.set("X-Team", "crawl");
  d.headers.set("Accept", "text/html");
  opts.defaults = d;
  client_fixture c{opts};
  http_request own;
  own.url = server.url("/a");
  own.headers.set("Accept", "application/json");
  auto [ec, res] = c.fetch(own);
  CHECK_FALSE(ec); // raise_error from the defaults: a 404 is no error
  CHECK(res.status == 404);
  auto req = server.requests().at(0);
  CHECK(*req.headers.find("User-Agent") == "spider/2");
  CHECK(*req.headers.find("X-Team") == "crawl");
  CHECK(*req.headers.find("Accept") == "application/json"); // its own
  // with_defaults itself: the request's own values win.
  http_request mine;
  mine.url = "http://x/";
  mine.user_agent = "mine";
  mine.max_redirects = 1;
  auto merged = gale::io::with_defaults(mine, d);
  CHECK(merged.user_agent == "mine");
  CHECK(merged.max_redirects == 1);
  CHECK(merged.url == "http://x/");
  CHECK_FALSE(merged.raise_error);
}

TEST_CASE("if_modified_since sends the date; a 304 is no body",
          "[io][http_client][options]") {
  scripted_server server{gale::test::answer_always(reply_with(304, ""))};
  client_fixture c;
  http_request r;
  r.url = server.url("/cached");
  r.if_modified_since = std::chrono::system_clock::time_point{784111777s};
  r.raise_error = false;
  auto [ec, res] = c.fetch(r);
  REQUIRE_FALSE(ec);
  CHECK(res.status == 304);
  CHECK(*server.requests().at(0).headers.find("If-Modified-Since")
        == "Sun, 06 Nov 1994 08:49:37 GMT");
}

TEST_CASE("allow_ipv6 false and a source address shape the connection",
          "[io][http_client][options]") {
  scripted_server server{gale::test::answer_always(reply_with(200, "v4"))};
  client_fixture c;
  http_request r;
  r.url = server.url("/");
  r.allow_ipv6 = false;
  r.source_address = "127.0.0.1";
  auto [ec, res] = c.fetch(r);
  REQUIRE_FALSE(ec);
  CHECK(res.body == "v4");
  // Only IPv6 to connect to, and IPv6 refused: no address is left.
  http_request v6;
  v6.url = "http://[::1]:" + std::to_string(server.port()) + "/";
  v6.allow_ipv6 = false;
  auto [refused, ignored] = c.fetch(v6);
  CHECK(refused);
  // A source address this machine does not have cannot be bound.
  http_request foreign = r;
  foreign.source_address = "192.0.2.1";
  auto [unbound, ignored2] = c.fetch(foreign);
  CHECK(unbound);
}

TEST_CASE("header_line_callback gets the final head line by line",
          "[io][http_client][options]") {
  scripted_server server{[](gale::test::peer& p) -> asio::awaitable<void> {
    while (auto req = co_await p.read_request()) {
      std::string reply =
        req->target == "/start"
          ? reply_with(302, "", "Location: /final\r\n")
          : "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
            "HTTP/1.1 200 Fine\r\nX-Custom: yes\r\nX-Folded: one\r\n two\r\n"
            "Content-Length: 2\r\n\r\nok";
      if (!co_await p.write(reply))
        co_return;
    }
  }};
  client_fixture c;
  std::vector<std::string> lines;
  bool head_after_lines = false;
  http_request req;
  req.url = server.url("/start");
  req.header_line_callback = [&](std::string_view line) {
    lines.emplace_back(line);
  };
  req.header_callback = [&](const gale::http::response&) {
    head_after_lines = lines.size() == 5;
  };
  auto [ec, res] = c.fetch(req);
  REQUIRE_FALSE(ec);
  CHECK(res.body == "ok");
  CHECK(head_after_lines);
  CHECK(lines
        == std::vector<std::string>{
          "HTTP/1.1 200 Fine\r\n", "X-Custom: yes\r\n", "X-Folded: one two\r\n",
          "Content-Length: 2\r\n", "\r\n"});
}

namespace {

/// Requests in arrival order across servers, and how many ran at once.
struct arrivals {
  std::mutex mutex;
  std::vector<std::string> order;
  std::map<std::string, int> now, most;
};

/// Answers after 200 ms, logging its requests in `log` as `name`'s.
gale::io::http_handler slow_answer(arrivals& log, std::string name) {
  return [&log, name](gale::io::exchange_ptr x) {
    {
      std::lock_guard lock{log.mutex};
      log.order.push_back(name + x->request().target);
      log.most[name] = std::max(log.most[name], ++log.now[name]);
    }
    auto timer = std::make_shared<asio::steady_timer>(x->executor(), 200ms);
    timer->async_wait([x, timer, &log, name](std::error_code) {
      {
        std::lock_guard lock{log.mutex};
        --log.now[name];
      }
      x->respond(gale::http::response{});
    });
  };
}

} // namespace

TEST_CASE("max_clients_per_host: a busy host waits and the others go on",
          "[io][http_client][options]") {
  arrivals log;
  gale::test::server_fixture a{slow_answer(log, "a")};
  gale::test::server_fixture b{slow_answer(log, "b")};
  gale::io::http_client_options opts;
  opts.max_clients = 10;
  opts.max_clients_per_host = 2;
  client_fixture c{opts};
  std::vector<std::future<gale::test::outcome>> fetches;
  auto start = [&](std::string url) {
    http_request req;
    req.url = std::move(url);
    fetches.push_back(c.start(std::move(req)));
  };
  for (int i = 0; i < 6; ++i)
    start(a.url("/" + std::to_string(i)));
  start(b.url("/x"));
  for (auto& f : fetches) {
    REQUIRE(f.wait_for(10s) == std::future_status::ready);
    CHECK_FALSE(f.get().first);
  }
  std::lock_guard lock{log.mutex};
  CHECK(log.most["a"] == 2);
  CHECK(log.most["b"] == 1);
  // b's fetch, queued behind a's four waiting ones, started at once.
  std::vector<std::string> of_a;
  for (const auto& name : log.order)
    if (name == "b/x")
      CHECK(of_a.size() <= 2);
    else
      of_a.push_back(name);
  // a's fetches started two by two, in the order they came.
  REQUIRE(of_a.size() == 6);
  for (std::size_t wave = 0; wave < 3; ++wave)
    CHECK(std::set<std::string>{of_a[2 * wave], of_a[2 * wave + 1]}
          == std::set<std::string>{"a/" + std::to_string(2 * wave),
                                   "a/" + std::to_string(2 * wave + 1)});
}
