#include "gale/io/http_server.hpp"

#include "../support/certificate.hpp"
#include "../support/eventually.hpp"
#include "../support/ports.hpp"
#include "../support/raw_socket.hpp"
#include "http_client_fixture.hpp"
#include "http_server_fixture.hpp"
#include "http_server_wire.hpp"

#include <gale/io/loop.hpp>
#include <gale/http/error.hpp>
#include <gale/io/timers.hpp>
#include <gale/io/websocket_client.hpp>
#include <gale/ws/codec.hpp>

#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <future>
#include <thread>

#if defined(__GNUC__) && !defined(__clang__)
// g++ 12 at -O2 -g (the TSan preset) takes the coroutine frame of the
// foreign-executor test below, which Asio allocates with its recycling
// operator new and frees with the matching aligned_delete, for a
// mismatched new/delete once the frame's code is inlined here.
#  pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

using namespace std::chrono_literals;
using gale::io::exchange_ptr;
using gale::io::http_server_options;
using gale::test::eventually;
using gale::test::raw_socket;
using gale::test::server_fixture;

using gale::test::client_frame;
using gale::test::echo;
using gale::test::handshake;
using gale::test::next_event;
using gale::test::read_response;
using gale::test::text;
using gale::test::websocket_echo;

TEST_CASE("the server answers, keeps connections alive, and says HEAD",
          "[io][http_server]") {
  server_fixture srv{echo};
  gale::test::client_fixture c;
  for (int i = 0; i < 3; ++i) {
    auto [ec, res] = c.fetch(srv.url("/x" + std::to_string(i)));
    REQUIRE_FALSE(ec);
    CHECK(res.body == "GET /x" + std::to_string(i) + " ");
    CHECK(*res.headers.find("Content-Type") == "text/plain");
  }
  CHECK(srv.connections() == 1);

  gale::io::http_request head;
  head.url = srv.url("/h");
  head.method = "HEAD";
  auto [ec, res] = c.fetch(head);
  REQUIRE_FALSE(ec);
  CHECK(res.body.empty());
  CHECK(*res.headers.find("Content-Length") == "8");

  gale::io::http_request post;
  post.url = srv.url("/p");
  post.method = "POST";
  post.body = "payload";
  post.expect_100_continue = true;
  CHECK(c.fetch(post).second.body == "POST /p payload");
}

TEST_CASE("pipelined requests are answered in order", "[io][http_server]") {
  // The first request's answer comes last in time, yet first on the wire.
  server_fixture srv{[&](exchange_ptr x) {
    if (x->request().target == "/slow")
      gale::io::call_later(x->executor(), 100ms, [x] { echo(x); });
    else
      echo(x);
  }};
  raw_socket s{srv.port()};
  s.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
         "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
         "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
  CHECK(read_response(s).ends_with("GET /slow "));
  CHECK(read_response(s).ends_with("GET /a "));
  CHECK(read_response(s).ends_with("POST /b abc"));
}

TEST_CASE("bad requests get their status and a closed connection",
          "[io][http_server]") {
  http_server_options opts;
  opts.max_body_size = 100;
  opts.max_header_size = 1024;
  server_fixture srv{echo, opts};
  auto answer = [&](const std::string& bytes) {
    raw_socket s{srv.port()};
    s.send(bytes);
    auto got = s.read_all();
    return got.substr(0, got.find("\r\n"));
  };
  CHECK(answer("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n")
        == "HTTP/1.1 413 Content Too Large");
  CHECK(answer("GET / HTTP/1.1\r\nX: " + std::string(2000, 'x') + "\r\n\r\n")
        == "HTTP/1.1 431 Request Header Fields Too Large");
  CHECK(answer("NOT HTTP AT ALL\r\n\r\n") == "HTTP/1.1 400 Bad Request");
  CHECK(answer("POST / HTTP/1.1\r\nContent-Length: 3\r\n"
               "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        == "HTTP/1.1 400 Bad Request");
  CHECK(answer("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4"
               "\r\n\r\nabcd")
        == "HTTP/1.1 400 Bad Request");
  // A good request before a bad one still gets its answer first.
  raw_socket s{srv.port()};
  s.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\nBAD\r\n\r\n");
  auto all = s.read_all();
  CHECK(all.starts_with("HTTP/1.1 200 OK"));
  CHECK(all.find("HTTP/1.1 400 Bad Request") != std::string::npos);
}

TEST_CASE("slow and idle clients are cut off", "[io][http_server]") {
  http_server_options opts;
  opts.header_timeout = 200ms;
  opts.idle_timeout = 300ms;
  server_fixture srv{echo, opts};
  {
    // slowloris: a head that never ends
    raw_socket s{srv.port(), 3s};
    s.send("GET / HTTP/1.1\r\nX-A: 1\r\n");
    std::this_thread::sleep_for(100ms);
    s.send("X-B: 2\r\n");
    auto start = std::chrono::steady_clock::now();
    CHECK(s.closed_by_peer());
    CHECK(std::chrono::steady_clock::now() - start < 1s);
  }
  {
    raw_socket s{srv.port(), 3s};
    s.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(read_response(s).ends_with("GET / "));
    CHECK(s.closed_by_peer()); // after the idle timeout
  }
  CHECK(srv.connections() == 0);
}

TEST_CASE("a streamed answer waits for a slow reader", "[io][http_server]") {
  // 16 MiB: more than loopback TCP buffers here (the sender's grows to
  // net.core.wmem_max, 4 MiB, before the first wait; 4 MiB once fitted).
  constexpr int pieces = 256;
  const std::string piece(64 * 1024, 'p');
  std::atomic<int> produced{0};
  server_fixture srv{[&](exchange_ptr x) {
    gale::http::response head;
    head.headers.set("Content-Type", "application/octet-stream");
    x->begin(head);
    // Each piece goes out only after the previous one left.
    auto next = std::make_shared<std::function<void()>>();
    *next = [x, next, &produced, &piece] {
      if (produced == pieces) {
        x->end();
        *next = nullptr; // no cycle left behind
        return;
      }
      ++produced;
      x->write(piece, *next);
    };
    (*next)();
  }};
  raw_socket s{srv.port()};
  s.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  auto head = s.read_until("\r\n\r\n");
  CHECK(head.find("Transfer-Encoding: chunked") != std::string::npos);
  std::this_thread::sleep_for(200ms);
  // The reader took nothing yet: the producer stopped with the socket full.
  CHECK(produced.load() < pieces);
  auto rest = s.read_until("0\r\n\r\n");
  CHECK(produced.load() == pieces);
  CHECK(rest.size() > pieces * piece.size());
}

TEST_CASE("long polls hold no thread, others are served meanwhile",
          "[io][http_server]") {
  server_fixture srv{[&](exchange_ptr x) {
    if (x->request().target == "/poll")
      gale::io::call_later(x->executor(), 300ms, [x] { echo(x); });
    else
      echo(x);
  }};
  gale::test::client_fixture c{{.max_clients = 200}};
  std::vector<std::future<gale::test::outcome>> polls;
  for (int i = 0; i < 100; ++i) {
    gale::io::http_request req;
    req.url = srv.url("/poll");
    polls.push_back(c.start(req));
  }
  auto t0 = std::chrono::steady_clock::now();
  auto [ec, res] = c.fetch(srv.url("/quick"));
  CHECK_FALSE(ec);
  CHECK(std::chrono::steady_clock::now() - t0 < 200ms);
  for (auto& p : polls)
    CHECK(p.get().second.body == "GET /poll ");
}

TEST_CASE("graceful shutdown lets answers in progress finish",
          "[io][http_server]") {
  server_fixture srv{[&](exchange_ptr x) {
    gale::io::call_later(x->executor(), 200ms, [x] { echo(x); });
  }};
  raw_socket idle{srv.port(), 3s};
  raw_socket busy{srv.port(), 3s};
  busy.send("GET /busy HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(50ms);
  std::promise<void> drained;
  srv.loop.post(
    [&] { srv.server->shutdown(2s, [&] { drained.set_value(); }); });
  CHECK(idle.closed_by_peer());
  auto answer = busy.read_all();
  CHECK(answer.find("Connection: close") != std::string::npos);
  CHECK(answer.ends_with("GET /busy "));
  CHECK(drained.get_future().wait_for(2s) == std::future_status::ready);
}

TEST_CASE("connections beyond max_connections wait", "[io][http_server]") {
  http_server_options opts;
  opts.max_connections = 2;
  server_fixture srv{echo, opts};
  raw_socket a{srv.port()}, b{srv.port()};
  a.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
  b.send("GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(read_response(a).ends_with("GET /a "));
  CHECK(read_response(b).ends_with("GET /b "));
  raw_socket c{srv.port(), 300ms};
  c.send("GET /c HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(read_response(c).empty()); // not accepted yet
  a.shutdown_send();
  CHECK(a.closed_by_peer());
  CHECK(read_response(c).ends_with("GET /c ")); // accepted now
}

TEST_CASE("WebSocket: handshake, echo, ping, close", "[io][http_server][ws]") {
  std::atomic<int> closes{0};
  std::atomic<int> close_code{0};
  server_fixture srv{[&](exchange_ptr x) {
    gale::io::websocket_options opts;
    opts.subprotocols = {"chat", "superchat"};
    gale::io::websocket_handlers h;
    h.on_message = [](gale::io::websocket_ptr ws, std::string m, bool binary) {
      if (binary)
        ws->send_binary(std::move(m));
      else
        ws->send_text(std::move(m));
    };
    h.on_close = [&](gale::io::websocket_ptr, std::uint16_t code, std::string) {
      close_code = code;
      ++closes;
    };
    x->accept_websocket(std::move(h), std::move(opts));
  }};
  raw_socket s{srv.port()};
  s.send(handshake("Sec-WebSocket-Protocol: superchat, chat\r\n"));
  auto head = s.read_until("\r\n\r\n");
  CHECK(head.starts_with("HTTP/1.1 101 Switching Protocols"));
  CHECK(head.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        != std::string::npos);
  CHECK(head.find("Sec-WebSocket-Protocol: chat") != std::string::npos);
  gale::ws::reader r{gale::ws::reader::role::client};
  s.send(client_frame(gale::ws::opcode::text, "Hel", false)
         + client_frame(gale::ws::opcode::ping, "are you there")
         + client_frame(gale::ws::opcode::continuation, "lo"));
  auto pong = next_event(s, r);
  CHECK(pong.first == gale::ws::event::pong);
  CHECK(pong.second == "are you there");
  auto echo = next_event(s, r);
  CHECK(echo.first == gale::ws::event::message);
  CHECK(echo.second == "Hello");
  s.send(client_frame(gale::ws::opcode::binary, std::string(70000, '\x01')));
  CHECK(next_event(s, r).second.size() == 70000);
  std::string bye;
  gale::ws::append_close(bye, 1000, "bye", gale::ws::masking_key{9, 9, 9, 9});
  s.send(bye);
  auto closing = next_event(s, r);
  CHECK(closing.first == gale::ws::event::close);
  CHECK(closing.second == "1000");
  CHECK(s.closed_by_peer());
  CHECK(eventually([&] { return closes == 1; }));
  CHECK(close_code == 1000);
}

TEST_CASE("WebSocket: bad handshakes and protocol errors",
          "[io][http_server][ws]") {
  gale::io::websocket_options small;
  small.max_message = 1000;
  server_fixture srv{[&](exchange_ptr x) { websocket_echo(x, small); }};
  auto status_of = [&](const std::string& request) {
    raw_socket s{srv.port()};
    s.send(request);
    auto head = s.read_until("\r\n");
    return head.substr(0, head.find("\r\n"));
  };
  CHECK(status_of("GET /ws HTTP/1.1\r\nHost: x\r\n\r\n")
        == "HTTP/1.1 400 Bad Request");
  auto wrong_version = handshake();
  wrong_version.replace(wrong_version.find("Version: 13"), 11, "Version: 8");
  CHECK(status_of(wrong_version) == "HTTP/1.1 426 Upgrade Required");
  CHECK(status_of(handshake("Origin: http://evil.example\r\n"))
        == "HTTP/1.1 403 Forbidden");
  CHECK(status_of(handshake("Origin: http://127.0.0.1\r\n"))
        == "HTTP/1.1 101 Switching Protocols");
  {
    raw_socket s{srv.port()};
    s.send(handshake("Sec-WebSocket-Extensions: permessage-deflate; "
                     "client_max_window_bits\r\n"));
    CHECK(s.read_until("\r\n\r\n")
            .find("Sec-WebSocket-Extensions: permessage-deflate; "
                  "server_no_context_takeover; client_no_context_takeover")
          != std::string::npos);
  }

  auto close_code_after = [&](const std::string& frames) {
    raw_socket s{srv.port()};
    s.send(handshake());
    s.read_until("\r\n\r\n");
    s.send(frames);
    gale::ws::reader r{gale::ws::reader::role::client};
    for (;;) {
      auto [e, data] = next_event(s, r);
      if (e == gale::ws::event::close)
        return data;
      if (e == gale::ws::event::error)
        return std::string{"no close frame"};
    }
  };
  // unmasked client frame: 1002
  std::string unmasked;
  gale::ws::append_frame(unmasked, gale::ws::opcode::text, "x");
  CHECK(close_code_after(unmasked) == "1002");
  CHECK(close_code_after(client_frame(gale::ws::opcode::text, "\xff\xfe"))
        == "1007");
  CHECK(close_code_after(
          client_frame(gale::ws::opcode::binary, std::string(2000, 'b')))
        == "1009");
  // After all that the server still echoes for others.
  raw_socket s{srv.port()};
  s.send(handshake());
  s.read_until("\r\n\r\n");
  s.send(client_frame(gale::ws::opcode::text, "still here"));
  gale::ws::reader r{gale::ws::reader::role::client};
  CHECK(next_event(s, r).second == "still here");
}

TEST_CASE("WebSocket: a peer that stops answering pings is dropped",
          "[io][http_server][ws]") {
  std::atomic<int> code{0};
  server_fixture srv{[&](exchange_ptr x) {
    gale::io::websocket_options opts;
    opts.ping_interval = 100ms;
    gale::io::websocket_handlers h;
    h.on_close = [&](gale::io::websocket_ptr, std::uint16_t c, std::string) {
      code = c;
    };
    x->accept_websocket(std::move(h), opts);
  }};
  raw_socket s{srv.port(), 3s};
  s.send(handshake());
  s.read_until("\r\n\r\n");
  auto start = std::chrono::steady_clock::now();
  CHECK(s.read_all().size() > 0); // pings came, then the close
  CHECK(std::chrono::steady_clock::now() - start < 1s);
  CHECK(eventually([&] { return code == 1006; }));
}

TEST_CASE("forwarded addresses are believed from trusted proxies only",
          "[io][http_server]") {
  auto origin = [](exchange_ptr x) {
    x->respond(text(200, x->remote_ip() + " " + x->scheme()));
  };
  auto ask = [](server_fixture& srv, const std::string& headers) {
    raw_socket s{srv.port()};
    s.send("GET / HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n");
    auto r = read_response(s);
    return r.substr(r.find("\r\n\r\n") + 4);
  };
  server_fixture untrusting{origin};
  CHECK(ask(untrusting, "X-Real-IP: 10.0.0.1\r\nX-Forwarded-Proto: https\r\n")
        == "127.0.0.1 http");
  http_server_options opts;
  opts.trusted_proxies = {"127.0.0.1", "10.9.9.9"};
  server_fixture trusting{origin, opts};
  CHECK(ask(trusting, "X-Real-IP: 10.0.0.1\r\nX-Forwarded-Proto: https\r\n")
        == "10.0.0.1 https");
  CHECK(ask(trusting, "X-Forwarded-For: 1.2.3.4, 10.9.9.9\r\n")
        == "1.2.3.4 http");
  CHECK(ask(trusting, "X-Real-IP: not-an-ip\r\nX-Forwarded-Proto: gopher\r\n")
        == "127.0.0.1 http");
  CHECK(ask(trusting, "X-Forwarded-For: 1.2.3.4, garbage\r\n")
        == "127.0.0.1 http");
  CHECK(ask(trusting, "X-Forwarded-For: ::1\r\n") == "::1 http");
}

TEST_CASE("HTTPS: the server speaks TLS with its certificate and key",
          "[io][http_server][tls]") {
  char pattern[] = "/tmp/gale-tls-XXXXXX";
  std::filesystem::path dir = mkdtemp(pattern);
  auto files = gale::test::make_certificate(dir);
  http_server_options opts;
  opts.tls_certificate_file = files.certificate;
  opts.tls_private_key_file = files.private_key;
  server_fixture srv{echo, opts};
  gale::test::client_fixture c;
  auto https = "https://localhost:" + std::to_string(srv.port());
  for (int i = 0; i < 3; ++i) {
    gale::io::http_request req;
    req.url = https + "/secure";
    req.ca_file = files.certificate;
    auto [ec, res] = c.fetch(req);
    REQUIRE_FALSE(ec);
    CHECK(res.body == "GET /secure ");
  }
  CHECK(srv.connections() == 1); // kept alive over TLS
  // Plain HTTP on the TLS port: the handshake fails, the server goes on.
  auto [ec, res] = c.fetch(srv.url("/plain"));
  CHECK(ec);
  gale::io::http_request again;
  again.url = https + "/after";
  again.ca_file = files.certificate;
  CHECK(c.fetch(again).second.body == "GET /after ");
  std::filesystem::remove_all(dir);

  http_server_options missing;
  missing.tls_certificate_file = "/nonexistent.pem";
  missing.tls_private_key_file = "/nonexistent.key";
  CHECK(gale::test::listen_error(missing));
}

TEST_CASE("WebSocket client: echo, subprotocol, close, TLS, refusals",
          "[io][http_server][ws][ws_client]") {
  char pattern[] = "/tmp/gale-wss-XXXXXX";
  std::filesystem::path dir = mkdtemp(pattern);
  auto files = gale::test::make_certificate(dir);
  http_server_options tls_opts;
  tls_opts.tls_certificate_file = files.certificate;
  tls_opts.tls_private_key_file = files.private_key;
  std::atomic<int> server_close_code{0};
  auto handler = [&](exchange_ptr x) {
    if (x->request().target != "/ws")
      return x->respond(text(404, "no"));
    gale::io::websocket_options opts;
    opts.subprotocols = {"echo"};
    gale::io::websocket_handlers h;
    h.on_message = [](gale::io::websocket_ptr ws, std::string m, bool binary) {
      binary ? ws->send_binary(std::move(m)) : ws->send_text(std::move(m));
    };
    h.on_close = [&](gale::io::websocket_ptr, std::uint16_t code, std::string) {
      server_close_code = code;
    };
    x->accept_websocket(std::move(h), std::move(opts));
  };
  server_fixture plain{handler};
  server_fixture secure{handler, tls_opts};
  gale::io::loop loop;
  loop.start();

  struct received {
    std::promise<std::string> text, binary;
    std::promise<std::uint16_t> closed;
  };
  auto talk = [&](const std::string& url,
                  gale::io::websocket_client_options o) {
    auto got = std::make_shared<received>();
    auto texts = std::make_shared<int>(0);
    gale::io::websocket_handlers h;
    h.on_message = [got, texts](gale::io::websocket_ptr, std::string m,
                                bool binary) {
      if (binary)
        got->binary.set_value(m);
      else
        got->text.set_value(m);
    };
    h.on_close = [got](gale::io::websocket_ptr, std::uint16_t code,
                       std::string) { got->closed.set_value(code); };
    std::promise<std::pair<std::error_code, gale::io::websocket_ptr>> opened;
    gale::io::connect_websocket(
      loop.executor(), url, std::move(o), std::move(h),
      [&](std::error_code ec, gale::io::websocket_ptr ws) {
        opened.set_value({ec, ws});
      });
    auto [ec, ws] = opened.get_future().get();
    return std::tuple{ec, ws, got};
  };

  gale::io::websocket_client_options o;
  o.subprotocols = {"other", "echo"};
  auto [ec, ws, got] =
    talk("ws://127.0.0.1:" + std::to_string(plain.port()) + "/ws", o);
  REQUIRE_FALSE(ec);
  CHECK(ws->subprotocol() == "echo");
  ws->send_text("hello, server");
  CHECK(got->text.get_future().get() == "hello, server");
  ws->send_binary(std::string(100000, '\x02'));
  CHECK(got->binary.get_future().get().size() == 100000);
  ws->close(4000, "done");
  CHECK(got->closed.get_future().get() == 4000);
  CHECK(eventually([&] { return server_close_code == 4000; }));

  gale::io::websocket_client_options tls;
  tls.ca_file = files.certificate;
  auto [ec2, wss, got2] =
    talk("wss://localhost:" + std::to_string(secure.port()) + "/ws", tls);
  REQUIRE_FALSE(ec2);
  wss->send_text("over TLS");
  CHECK(got2->text.get_future().get() == "over TLS");
  wss->close(1000, "");

  auto [ec3, none, got3] =
    talk("ws://127.0.0.1:" + std::to_string(plain.port()) + "/elsewhere", {});
  CHECK(ec3 == gale::http::make_status_error(404));
  auto [ec4, none4, got4] =
    talk("ws://127.0.0.1:" + std::to_string(gale::test::closed_port()), {});
  CHECK(ec4 == asio::error::connection_refused);
  auto [ec5, none5, got5] = talk("http://127.0.0.1/", {});
  CHECK(ec5 == gale::http::errc::unsupported_scheme);
  loop.stop();
  std::filesystem::remove_all(dir);
}

TEST_CASE("async_connect_websocket resumes a coroutine on its own executor, "
          "and fails clearly",
          "[io][http_server][ws][ws_client][executor]") {
  auto handler = [](exchange_ptr x) {
    if (x->request().target != "/ws")
      return x->respond(text(404, "no"));
    x->accept_websocket({}, {});
  };
  server_fixture plain{handler};
  gale::io::loop loop;
  loop.start();
  asio::io_context foreign;
  auto base = "ws://127.0.0.1:" + std::to_string(plain.port());
  int resumed_there = 0;
  std::error_code refused, not_ws;
  auto finished = asio::co_spawn(
    foreign,
    [&]() -> asio::awaitable<void> {
      gale::io::websocket_client_options o;
      auto ws = co_await gale::io::async_connect_websocket(
        loop.executor(), base + "/ws", o, {}, asio::use_awaitable);
      resumed_there += foreign.get_executor().running_in_this_thread();
      ws->close(1000, "bye");
      auto [ec, none] = co_await gale::io::async_connect_websocket(
        loop.executor(), base + "/elsewhere", o, {},
        asio::experimental::as_tuple(asio::use_awaitable));
      resumed_there += foreign.get_executor().running_in_this_thread();
      not_ws = ec;
      auto [ec2, none2] = co_await gale::io::async_connect_websocket(
        loop.executor(),
        "ws://127.0.0.1:" + std::to_string(gale::test::closed_port()), o, {},
        asio::experimental::as_tuple(asio::use_awaitable));
      resumed_there += foreign.get_executor().running_in_this_thread();
      refused = ec2;
    },
    asio::use_future);
  foreign.run();
  finished.get();
  CHECK(resumed_there == 3);
  CHECK(not_ws == gale::http::make_status_error(404));
  CHECK(refused == asio::error::connection_refused);
}
