// Deployment options of the server: no_keep_alive, the scheme a handler is
// told (TLS, a forced one behind a proxy, a trusted proxy's), and the
// notice that a client went away.

#include "gale/io/http_server.hpp"

#include "../support/certificate.hpp"
#include "../support/eventually.hpp"
#include "../support/raw_socket.hpp"
#include "http_client_fixture.hpp"
#include "http_server_fixture.hpp"
#include "http_server_wire.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <future>

#include <stdlib.h>

using gale::io::exchange_ptr;
using gale::io::http_server_options;
using gale::test::raw_socket;
using gale::test::read_response;
using gale::test::server_fixture;

namespace {

void say_scheme(exchange_ptr x) {
  x->respond(gale::test::text(200, x->scheme()));
}

} // namespace

TEST_CASE("no_keep_alive: every answer closes its connection",
          "[io][http_server][options]") {
  http_server_options opts;
  opts.no_keep_alive = true;
  server_fixture srv{gale::test::echo, opts};
  raw_socket s{srv.port()};
  s.send(
    "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
  auto all = s.read_all(); // the server closes after the first answer
  CHECK(all.find("Connection: close\r\n") != std::string::npos);
  CHECK(all.ends_with("GET /a "));
  CHECK(all.find("GET /b") == std::string::npos);

  gale::test::client_fixture c; // a client opens a connection per fetch
  for (int i = 0; i < 2; ++i)
    CHECK_FALSE(c.fetch(srv.url()).first);
}

TEST_CASE("scheme: https on TLS, forced by the option, or a trusted proxy's",
          "[io][http_server][options]") {
  auto ask = [](server_fixture& srv, const std::string& headers) {
    raw_socket s{srv.port()};
    s.send("GET / HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n");
    auto r = read_response(s);
    return r.substr(r.find("\r\n\r\n") + 4);
  };
  server_fixture plain{say_scheme};
  CHECK(ask(plain, "") == "http");
  CHECK(ask(plain, "X-Forwarded-Proto: https\r\n") == "http"); // untrusted

  http_server_options behind_proxy;
  behind_proxy.scheme = "https";
  server_fixture forced{say_scheme, behind_proxy};
  CHECK(ask(forced, "") == "https");

  http_server_options trusting;
  trusting.scheme = "https";
  trusting.trusted_proxies = {"127.0.0.1"};
  server_fixture proxied{say_scheme, trusting};
  CHECK(ask(proxied, "X-Forwarded-Proto: http\r\n") == "http");
  CHECK(ask(proxied, "X-Forwarded-Proto: gopher\r\n") == "https"); // ignored

  char pattern[] = "/tmp/gale-scheme-XXXXXX";
  std::filesystem::path dir = mkdtemp(pattern);
  auto files = gale::test::make_certificate(dir);
  http_server_options tls;
  tls.tls_certificate_file = files.certificate;
  tls.tls_private_key_file = files.private_key;
  {
    server_fixture secure{say_scheme, tls};
    gale::test::client_fixture c;
    gale::io::http_request req;
    req.url = "https://localhost:" + std::to_string(secure.port()) + "/";
    req.ca_file = files.certificate;
    auto [ec, res] = c.fetch(req);
    REQUIRE_FALSE(ec);
    CHECK(res.body == "https");
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("on_connection_close tells a waiting handler its client went away",
          "[io][http_server][on_connection_close]") {
  std::promise<void> went_away;
  std::atomic<int> calls{0};
  std::promise<exchange_ptr> kept;
  exchange_ptr held;
  server_fixture srv{[&](exchange_ptr x) {
    if (x->request().target == "/answered") {
      x->on_connection_close([&] { ++calls; });
      return gale::test::echo(x);
    }
    x->on_connection_close([&] { // a long poll: no answer yet
      ++calls;
      went_away.set_value();
    });
    kept.set_value(x);
  }};
  {
    raw_socket answered{srv.port()};
    answered.send("GET /answered HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(read_response(answered).ends_with("GET /answered "));
  } // closed after its answer: no call
  {
    raw_socket poll{srv.port()};
    poll.send("GET /poll HTTP/1.1\r\nHost: x\r\n\r\n");
    held = kept.get_future().get();
  } // the client goes away mid-poll
  REQUIRE(went_away.get_future().wait_for(std::chrono::seconds{5})
          == std::future_status::ready);
  CHECK(calls == 1);
  CHECK(held->closed());
  // Asked again once the connection is gone: it runs at once.
  std::promise<void> late;
  held->on_connection_close([&] { late.set_value(); });
  CHECK(late.get_future().wait_for(std::chrono::seconds{5})
        == std::future_status::ready);
  held.reset();
  CHECK(gale::test::eventually([&] { return srv.connections() == 0; }));
}
