// The client against real peers: Debian's nginx (plain and TLS) and
// servers that misbehave on purpose.
#include "gale/io/http_client.hpp"

#include "../support/nginx.hpp"
#include "../support/scripted_server.hpp"
#include "http_client_fixture.hpp"

#include <gale/http/error.hpp>
#include <gale/io/loop.hpp>

#include <catch2/catch.hpp>

#include <asio/ip/address.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/error.hpp>

#include <future>
#include <set>
#include <vector>

using namespace std::chrono_literals;
using gale::io::http_request;
using gale::test::client_fixture;
using gale::test::misbehaving;
using gale::test::outcome;
using gale::test::peer;
using gale::test::reply_with;
using gale::test::scripted_server;

TEST_CASE("nginx: plain fetches, keep-alive, gzip, redirects, 404",
          "[io][http_client][nginx]") {
  gale::test::nginx_server nginx;
  client_fixture c;
  auto [ec, res] = c.fetch(nginx.http_url("/index.html"));
  REQUIRE_FALSE(ec);
  CHECK(res.status == 200);
  CHECK(res.body == gale::test::nginx_server::index_body());

  auto [ec2, big] = c.fetch(nginx.http_url("/big.txt"));
  REQUIRE_FALSE(ec2);
  CHECK(big.body == gale::test::nginx_server::big_body());
  CHECK(*big.headers.find("X-Consumed-Content-Encoding") == "gzip");

  auto [ec3, moved] = c.fetch(nginx.http_url("/redirect"));
  REQUIRE_FALSE(ec3);
  CHECK(moved.body == "sub page\n");

  auto [ec4, missing] = c.fetch(nginx.http_url("/missing"));
  CHECK(ec4 == gale::http::make_status_error(404));
  CHECK(missing.status == 404);

  http_request head;
  head.url = nginx.http_url("/big.txt");
  head.method = "HEAD";
  auto [ec5, h] = c.fetch(head);
  REQUIRE_FALSE(ec5);
  CHECK(h.body.empty());
  // The same kept-alive connection served everything afterwards.
  auto [ec6, again] = c.fetch(nginx.http_url("/index.html"));
  CHECK_FALSE(ec6);
}

TEST_CASE("nginx over TLS: verification by default, a CA file, or none",
          "[io][http_client][nginx][tls]") {
  gale::test::nginx_server nginx;
  client_fixture c;
  // The test certificate is in no system store.
  auto [ec, res] = c.fetch(nginx.https_url("/index.html"));
  CHECK(ec.category() == asio::error::get_ssl_category());
  INFO(ec.message());
  CHECK(ec.message().find("certificate verify failed") != std::string::npos);

  http_request trusted;
  trusted.url = nginx.https_url("/index.html");
  trusted.ca_file = nginx.ca_file();
  auto [ec2, res2] = c.fetch(trusted);
  REQUIRE_FALSE(ec2);
  CHECK(res2.body == gale::test::nginx_server::index_body());

  // The certificate is valid for localhost and 127.0.0.1, not another name.
  http_request wrong_name = trusted;
  wrong_name.url = nginx.https_url("/index.html", "127.0.0.2");
  auto [ec3, res3] = c.fetch(wrong_name);
  CHECK(ec3);

  http_request unchecked;
  unchecked.url = nginx.https_url("/big.txt", "127.0.0.1");
  unchecked.validate_cert = false;
  auto [ec4, res4] = c.fetch(unchecked);
  REQUIRE_FALSE(ec4);
  CHECK(res4.body == gale::test::nginx_server::big_body());

  http_request missing_ca = trusted;
  missing_ca.ca_file = "/nonexistent/ca.pem";
  CHECK(c.fetch(missing_ca).first);
}

TEST_CASE("nginx asking for a client certificate: mutual TLS",
          "[io][http_client][nginx][tls]") {
  gale::test::nginx_server nginx;
  client_fixture c;
  auto cert = nginx.client_certificate();
  http_request req;
  req.url = nginx.mtls_url();
  req.ca_file = nginx.ca_file();
  auto [ec, refused] = c.fetch(req);
  CHECK(ec == gale::http::make_status_error(400)); // nginx: none was sent
  CHECK(refused.status == 400);

  req.client_certificate_file = cert.certificate;
  req.client_key_file = cert.private_key;
  auto [ec2, res] = c.fetch(req);
  REQUIRE_FALSE(ec2);
  CHECK(res.body == "CN=gale-client\n");

  // The same certificate in a context of the caller's making.
  auto ctx =
    std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->load_verify_file(nginx.ca_file());
  ctx->use_certificate_chain_file(cert.certificate);
  ctx->use_private_key_file(cert.private_key, asio::ssl::context::pem);
  gale::io::http_client_options with_ctx;
  with_ctx.tls_context = ctx;
  client_fixture own{with_ctx};
  http_request bare;
  bare.url = nginx.mtls_url();
  auto [ec3, res3] = own.fetch(bare);
  REQUIRE_FALSE(ec3);
  CHECK(res3.body == "CN=gale-client\n");
}

TEST_CASE("nginx with two virtual hosts: the per-host limit holds one, "
          "not the other",
          "[io][http_client][nginx][per_host]") {
  gale::test::nginx_server nginx;
  gale::io::http_client_options opts;
  opts.max_clients_per_host = 1;
  for (auto name : {"a.test", "b.test"})
    opts.hostname_mapping[name] = {{asio::ip::make_address("127.0.0.1"), 0}};
  client_fixture c{opts};
  auto fetch_from = [&](const std::string& host) {
    http_request req;
    req.url = nginx.vhost_url(host, "/slow.bin");
    return c.start(req);
  };
  std::vector<std::future<gale::test::outcome>> a;
  for (int i = 0; i < 3; ++i)
    a.push_back(fetch_from("a.test"));
  auto b = fetch_from("b.test");
  auto [b_ec, b_res] = b.get();
  REQUIRE_FALSE(b_ec);
  CHECK(*b_res.headers.find("X-Host") == "b.test");
  CHECK(b_res.fetch.time.queue < 100ms); // not behind a.test's fetches
  std::set<std::string> connections;
  std::vector<std::chrono::microseconds> queued;
  for (auto& f : a) {
    auto [ec, res] = f.get();
    REQUIRE_FALSE(ec);
    CHECK(res.body.size() == gale::test::nginx_server::slow_body_size);
    CHECK(*res.headers.find("X-Host") == "a.test");
    connections.insert(*res.headers.find("X-Connection"));
    queued.push_back(res.fetch.time.queue);
  }
  CHECK(connections.size() == 1); // one at a time: one connection, reused
  CHECK(queued[1] >= 150ms);      // each waited for the one before
  CHECK(queued[2] >= queued[1] + 150ms);
  CHECK(b_res.fetch.request_time < queued[2]);
}

TEST_CASE("https through an HTTP proxy's CONNECT tunnel",
          "[io][http_client][nginx][tls]") {
  gale::test::nginx_server nginx;
  // A tunnelling proxy: answers CONNECT, then relays bytes both ways.
  scripted_server proxy{[&](peer& p) -> asio::awaitable<void> {
    p.stop_after_head(true);
    auto req = co_await p.read_request();
    if (!req || req->method != "CONNECT")
      co_return;
    gale::io::tcp::socket upstream{p.socket.get_executor()};
    co_await upstream.async_connect(
      {asio::ip::make_address("127.0.0.1"), nginx.https_port()},
      asio::use_awaitable);
    co_await p.write("HTTP/1.1 200 Connection established\r\n\r\n");
    auto relay = [](gale::io::tcp::socket& from,
                    gale::io::tcp::socket& to) -> asio::awaitable<void> {
      char buf[8192];
      for (;;) {
        std::error_code ec;
        auto n = co_await from.async_read_some(
          asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
        if (ec)
          break;
        co_await asio::async_write(
          to, asio::buffer(buf, n),
          asio::redirect_error(asio::use_awaitable, ec));
        if (ec)
          break;
      }
      std::error_code ignored;
      to.shutdown(gale::io::tcp::socket::shutdown_send, ignored);
    };
    asio::co_spawn(p.socket.get_executor(), relay(upstream, p.socket),
                   asio::detached);
    co_await relay(p.socket, upstream);
    co_await p.sleep(200ms);
  }};
  client_fixture c;
  http_request req;
  req.url = nginx.https_url("/index.html");
  req.ca_file = nginx.ca_file();
  req.proxy_host = "127.0.0.1";
  req.proxy_port = proxy.port();
  auto [ec, res] = c.fetch(req);
  REQUIRE_FALSE(ec);
  CHECK(res.body == gale::test::nginx_server::index_body());
  CHECK(proxy.requests().at(0).target
        == "localhost:" + std::to_string(nginx.https_port()));
}

TEST_CASE("bad servers: each gives its own clear error",
          "[io][http_client][bad_server]") {
  client_fixture c;

  SECTION("connection refused") {
    auto [ec, res] = c.fetch(
      "http://127.0.0.1:" + std::to_string(gale::test::closed_port()) + "/");
    CHECK(ec == asio::error::connection_refused);
  }
  SECTION("unknown host") {
    auto [ec, res] = c.fetch("http://no-such-host.invalid/");
    CHECK((ec == asio::error::host_not_found
           || ec == asio::error::host_not_found_try_again));
  }
  SECTION("closed before answering") {
    auto server = misbehaving("");
    CHECK(c.fetch(server.url()).first == gale::http::errc::connection_closed);
  }
  SECTION("reset in the middle of the headers") {
    auto server = misbehaving("HTTP/1.1 200 OK\r\nContent-Le", true);
    CHECK(c.fetch(server.url()).first == asio::error::connection_reset);
  }
  SECTION("reset in the middle of the body") {
    auto server =
      misbehaving("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", true);
    CHECK(c.fetch(server.url()).first == asio::error::connection_reset);
  }
  SECTION("truncated body") {
    auto server =
      misbehaving("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    CHECK(c.fetch(server.url()).first == gale::http::errc::truncated_message);
  }
  SECTION("garbage status line") {
    auto server = misbehaving("SSH-2.0-OpenSSH_9.2\r\n\r\n");
    CHECK(c.fetch(server.url()).first == gale::http::errc::invalid_version);
    auto worse = misbehaving("HTTP/1.1 two hundred OK\r\n\r\n");
    CHECK(c.fetch(worse.url()).first == gale::http::errc::invalid_status);
  }
  SECTION("invalid chunked coding") {
    auto server = misbehaving(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n");
    CHECK(c.fetch(server.url()).first == gale::http::errc::invalid_chunk_size);
  }
  SECTION("headers over the limit") {
    auto server = misbehaving(
      "HTTP/1.1 200 OK\r\nX-Big: " + std::string(2000, 'x') + "\r\n\r\n");
    http_request req;
    req.url = server.url();
    req.max_header_size = 1024;
    CHECK(c.fetch(req).first == gale::http::errc::header_section_too_large);
  }
  SECTION("body over max_body_size") {
    auto server = misbehaving(reply_with(200, std::string(5000, 'b')));
    http_request req;
    req.url = server.url();
    req.max_body_size = 1000;
    CHECK(c.fetch(req).first == gale::http::errc::body_too_large);
  }
  SECTION("a server that never answers") {
    scripted_server silent{[](peer& p) -> asio::awaitable<void> {
      co_await p.read_request();
      co_await p.sleep(3s);
    }};
    http_request req;
    req.url = silent.url();
    req.request_timeout = 200ms;
    CHECK(c.fetch(req).first == gale::http::errc::request_timeout);
  }
}

TEST_CASE("a bad server disturbs no other fetch and leaves no connection",
          "[io][http_client][bad_server]") {
  auto bad = misbehaving("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  scripted_server good{gale::test::answer_always(reply_with(200, "fine"))};
  client_fixture c;
  std::vector<std::future<outcome>> results;
  for (int i = 0; i < 10; ++i) {
    auto done = std::make_shared<std::promise<outcome>>();
    results.push_back(done->get_future());
    http_request req;
    req.url = i % 2 ? bad.url() : good.url();
    c.client->async_fetch(req,
                          [done](std::error_code ec, gale::http::response r) {
                            done->set_value({ec, std::move(r)});
                          });
  }
  for (int i = 0; i < 10; ++i) {
    auto [ec, res] = results[i].get();
    if (i % 2)
      CHECK(ec == gale::http::errc::truncated_message);
    else
      CHECK(res.body == "fine");
  }
  std::promise<std::size_t> idle;
  c.loop.post([&] { idle.set_value(c.client->idle_connections()); });
  // Only connections to the good server are kept.
  CHECK(idle.get_future().get() <= 5);
  CHECK(bad.connections() == 5);
}
