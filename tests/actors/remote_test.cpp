// The I/O actor and the HTTP client actor in another process, reached
// through CAF's middleman: the same code, every style, the same results and
// the same errors as with a local actor; and what a caller sees when that
// process dies.
#include "../support/child_process.hpp"
#include "../support/scripted_server.hpp"
#include "gale/http/server.hpp"
#include "gale/io_client.hpp"

#include "../support/certificate.hpp"
#include "gale/pipeline.hpp"
#include "gale/remote.hpp"
#include "http_styles.hpp"

#include <gale/io/stream_error.hpp>

#include <catch2/catch.hpp>

#include <filesystem>

#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include <csignal>

using namespace std::chrono_literals;
using namespace gale::test::http_styles;
using gale::io::http_request;
using gale::test::child_process;
using gale::test::misbehaving;
using gale::test::peer;
using gale::test::reply_with;
using gale::test::scripted_server;

namespace {

struct middleman_config : caf::actor_system_config {
  middleman_config() {
    gale::configure(*this);
    load<caf::io::middleman>();
    set("logger.console", caf::atom("none"));
    // A frozen peer is lost after 3 s here (gale's default: 10 s).
    set("middleman.connection-timeout", caf::timespan{3s});
  }
};

/// This process's actor system, and an I/O actor published by another
/// process (tests/actors/remote_io_peer.cpp), reached with remote_actor.
struct remote_fixture {
  middleman_config cfg;
  caf::actor_system sys{cfg};
  child_process other{{GALE_REMOTE_IO_PEER}};
  // Set by published_port(), so declared before it.
  std::uint16_t pipeline_port = 0;
  std::uint16_t handler_port = 0;
  std::uint16_t port = published_port();
  gale::io_actor io = reach<gale::io_actor>();

  std::uint16_t published_port() {
    auto line = other.read_line(20s);
    REQUIRE(line);
    REQUIRE(line->starts_with("port "));
    auto second = other.read_line(20s);
    REQUIRE(second);
    REQUIRE(second->starts_with("pipeline "));
    pipeline_port = static_cast<std::uint16_t>(std::stoi(second->substr(9)));
    auto third = other.read_line(20s);
    REQUIRE(third);
    REQUIRE(third->starts_with("handler "));
    handler_port = static_cast<std::uint16_t>(std::stoi(third->substr(8)));
    return static_cast<std::uint16_t>(std::stoi(line->substr(5)));
  }

  template <class Handle>
  Handle reach() {
    auto remote = sys.middleman().remote_actor<Handle>("127.0.0.1", port);
    REQUIRE(remote);
    return *remote;
  }
};

struct remote_http_fixture : remote_fixture {
  gale::http_client_actor http_actor = reach<gale::http_client_actor>();
  gale::http::client client{sys, http_actor};
};

} // namespace

TEST_CASE_METHOD(remote_fixture, "an I/O actor in another process",
                 "[actors][remote]") {
  gale::io_client client{sys, io};
  // A timespan and the strings after it cross intact (see the note in
  // actors/src/configure.cpp): the sleep lasts, the names arrive.
  SECTION("ping, sleep and resolve") {
    CHECK(client.ping(gale::use_blocking) == gale::pong_atom_v);
    auto start = std::chrono::steady_clock::now();
    client.sleep(50ms, gale::use_blocking);
    CHECK(std::chrono::steady_clock::now() - start >= 50ms);
    auto addresses = client.resolve("localhost", "80", gale::use_future);
    CHECK_FALSE(addresses.get(5s).empty());
  }
  SECTION("bytes through a connection pair on the other process's loop") {
    auto l = client.listen("127.0.0.1", 0, gale::use_blocking);
    auto accepted = client.accept(l.id, gale::use_future);
    auto c =
      client.connect("127.0.0.1", std::to_string(l.port), gale::use_blocking);
    auto s = accepted.get(5s);
    CHECK(client.write(c, "over the middleman", gale::use_blocking) == 18);
    std::string got;
    while (got.size() < 18)
      got += client.read(s, 64, gale::use_blocking);
    CHECK(got == "over the middleman");
    SECTION("lines, a stream error and a closed listener cross too") {
      client.write(c, "first line\nsecond", gale::use_blocking);
      CHECK(client.read_until(s, "\n", 0, gale::use_blocking)
            == "first line\n");
      CHECK(gale::test::code_of(
              [&] { client.read_until(s, "\n", 4, gale::use_blocking); })
            == gale::io::stream_errc::unsatisfiable_read);
      CHECK(client.read(s, 64, gale::use_blocking) == "second");
      // A read of up to 4 GiB asked from here allocates there what came.
      client.write(c, "tiny", gale::use_blocking);
      CHECK(client.read(s, 0xFFFFFFFFu, gale::use_blocking) == "tiny");
      client.unlisten(l.id, gale::use_blocking);
      CHECK(gale::test::code_of([&] {
              client.connect("127.0.0.1", std::to_string(l.port),
                             gale::use_blocking);
            })
            == asio::error::connection_refused);
    }
    SECTION("its errors are the same codes as locally") {
      auto timed = client.with_timeout(50ms);
      CHECK(gale::test::code_of([&] { timed.read(s, 64, gale::use_blocking); })
            == gale::errc::timed_out);
      client.close(c, gale::use_blocking);
      CHECK(gale::test::code_of([&] { client.read(s, 64, gale::use_blocking); })
            == asio::error::eof);
      CHECK(gale::test::code_of([&] {
              client.connect("127.0.0.1",
                             std::to_string(gale::test::closed_port()),
                             gale::use_blocking);
            })
            == asio::error::connection_refused);
    }
  }
  SECTION("TLS started on a Unix socket of the other process") {
    char name[] = "/tmp/gale-remote-tls-XXXXXX";
    std::filesystem::path dir = ::mkdtemp(name);
    auto cert = gale::test::make_certificate(dir); // the same host's files
    auto path = "unix:" + (dir / "r.sock").string();
    auto l = client.listen(path, 0, gale::use_blocking);
    auto accepted = client.accept(l.id, gale::use_future);
    auto c = client.connect(path, "", gale::use_blocking);
    auto s = accepted.get(5s);
    auto server_side = client.start_tls(
      s, gale::tls_settings::server_with(cert.certificate, cert.private_key),
      gale::use_future);
    auto client_side = gale::tls_settings::client("localhost");
    client_side.ca_file = cert.certificate;
    client.start_tls(c, client_side, gale::use_blocking);
    server_side.get(5s);
    client.write(c, "sealed\n", gale::use_blocking);
    CHECK(client.read_until(s, "\n", 0, gale::use_blocking) == "sealed\n");
    client.unlisten(l.id, gale::use_blocking);
    std::filesystem::remove_all(dir);
  }
  SECTION("a sleep in flight is cancelled through the token's slot") {
    asio::cancellation_signal signal;
    auto f = client.sleep(
      10s, asio::bind_cancellation_slot(signal.slot(), gale::use_future));
    std::this_thread::sleep_for(50ms);
    signal.emit(asio::cancellation_type::terminal);
    CHECK(gale::test::code_of([&] { f.get(5s); }) == gale::errc::cancelled);
  }
  SECTION("its process dies: requests in flight and later fail actor_down") {
    auto f = client.sleep(30s, gale::use_future);
    std::this_thread::sleep_for(50ms);
    other.kill_and_wait(SIGKILL);
    CHECK(gale::test::code_of([&] { f.get(10s); }) == gale::errc::actor_down);
    CHECK(
      gale::test::code_of([&] { client.sleep(1ms, gale::use_future).get(10s); })
      == gale::errc::actor_down);
  }
}

TEST_CASE_METHOD(remote_http_fixture,
                 "an HTTP client actor in another process, in every style",
                 "[actors][remote][http_client]") {
  auto s = GENERATE(all_styles());
  CAPTURE(name(s));
  scripted_server server{outcome_script};
  check_outcomes(s, sys, client, server);
  SECTION("refused") {
    http_request req;
    req.url =
      "http://127.0.0.1:" + std::to_string(gale::test::closed_port()) + "/";
    CHECK(fetch(s, sys, client, req).first == asio::error::connection_refused);
  }
  SECTION("callbacks cannot cross: the fetch is refused, not altered") {
    // (through http::client; a bare message is the sender's to get right)
    if (s == style::message || s == style::actor_coroutine)
      return;
    auto req = request_to(server, "/");
    req.streaming_callback = [](std::string_view) {};
    CHECK(fetch(s, sys, client, req).first == gale::errc::invalid_argument);
  }
  SECTION("a truncated body") {
    auto bad = misbehaving("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nab");
    http_request req;
    req.url = bad.url();
    CHECK(fetch(s, sys, client, req).first
          == gale::http::errc::truncated_message);
  }
}

TEST_CASE_METHOD(
  remote_http_fixture,
  "cancelling a fetch on an HTTP client actor in another process",
  "[actors][remote][http_client][cancel]") {
  auto s = GENERATE(style::callback, style::gale_future, style::to_actor);
  CAPTURE(name(s));
  scripted_server silent{[](peer& p) { return read_then_silent(p, 3s); }};
  asio::cancellation_signal signal;
  auto outcome = start_cancellable(s, sys, client, silent.url(), signal.slot());
  std::this_thread::sleep_for(100ms);
  signal.emit(asio::cancellation_type::terminal);
  CHECK(outcome() == gale::errc::cancelled);
}

TEST_CASE_METHOD(remote_http_fixture,
                 "an HTTP client actor's process dies with fetches in flight",
                 "[actors][remote][http_client]") {
  // Every style but the bare message: gale watches the receiver of what it
  // asks (also gale::ask inside an actor), so a lost process ends the wait
  // with actor_down.
  auto s =
    GENERATE(style::callback, style::std_future, style::gale_future,
             style::awaitable, style::queue, style::blocking, style::to_actor,
             style::actor_coroutine, style::blocking_client);
  CAPTURE(name(s));
  scripted_server silent{[](peer& p) { return read_then_silent(p, 5s); }};
  std::thread killer{[&] {
    std::this_thread::sleep_for(200ms);
    other.kill_and_wait(SIGKILL);
  }};
  http_request req;
  req.url = silent.url();
  auto [ec, res] = fetch(s, sys, client, req);
  killer.join();
  CHECK(ec == gale::errc::actor_down);
}

TEST_CASE_METHOD(remote_http_fixture,
                 "an HTTP client actor's process freezes: its node is lost",
                 "[actors][remote][http_client]") {
  // SIGSTOP: the connection stays open but nothing answers, not even
  // heartbeats; after the connection timeout the node is declared lost.
  scripted_server silent{[](peer& p) { return read_then_silent(p, 30s); }};
  auto f = client.fetch(silent.url(), gale::use_future);
  std::this_thread::sleep_for(200ms);
  other.send_signal(SIGSTOP);
  auto start = std::chrono::steady_clock::now();
  CHECK(gale::test::code_of([&] { f.get(20s); }) == gale::errc::actor_down);
  CHECK(std::chrono::steady_clock::now() - start < 10s);
}

TEST_CASE_METHOD(remote_http_fixture,
                 "a bare request to a lost process: monitor it, or time out",
                 "[actors][remote][http_client]") {
  // CAF answers no request that was already forwarded to a node that is
  // then lost; an actor that asks directly learns of the loss from a
  // monitor (or its request's own timeout).
  scripted_server silent{[](peer& p) { return read_then_silent(p, 5s); }};
  caf::scoped_actor self{sys};
  self->monitor(http_actor);
  std::thread killer{[&] {
    std::this_thread::sleep_for(200ms);
    other.kill_and_wait(SIGKILL);
  }};
  http_request req;
  req.url = silent.url();
  std::error_code ec;
  self->request(http_actor, 2s, gale::fetch_atom_v, gale::op_id{0}, req)
    .receive([](gale::http::response&) {},
             [&](caf::error& err) { ec = gale::to_error_code(err); });
  killer.join();
  CHECK(ec == gale::errc::timed_out);
  caf::error reason;
  self->receive([&](caf::down_msg& down) { reason = down.reason; },
                caf::after(5s) >> [] {});
  CHECK(reason == caf::exit_reason::remote_link_unreachable);
  CHECK(gale::to_error_code(reason) == gale::errc::actor_down);
}

TEST_CASE("gale::remote_actor: a deadline for CAF's handshake",
          "[actors][remote]") {
  middleman_config cfg;
  caf::actor_system sys{cfg};
  SECTION("a port where something else listens: timed_out, not a hang") {
    scripted_server silent{
      [](peer& p) -> asio::awaitable<void> { co_await p.sleep(10s); }};
    auto start = std::chrono::steady_clock::now();
    auto r = gale::remote_actor<gale::io_actor>(sys, "127.0.0.1", silent.port(),
                                                300ms);
    REQUIRE_FALSE(r);
    CHECK(gale::to_error_code(r.error()) == gale::errc::timed_out);
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    CHECK_THAT(sys.render(r.error()),
               Catch::Contains("no actor system answered at 127.0.0.1:"));
  }
  SECTION("nothing listens: CAF's cannot_connect_to_node") {
    auto r =
      gale::remote_actor(sys, "127.0.0.1", gale::test::closed_port(), 2s);
    REQUIRE_FALSE(r);
    CHECK(r.error() == caf::sec::cannot_connect_to_node);
  }
  SECTION("an actor system publishing another interface") {
    child_process other{{GALE_REMOTE_IO_PEER}};
    auto line = other.read_line(20s);
    REQUIRE(line);
    REQUIRE(other.read_line(20s)); // the pipeline's port
    REQUIRE(other.read_line(20s)); // the handler's port
    auto port = static_cast<std::uint16_t>(std::stoi(line->substr(5)));
    using other_interface =
      caf::typed_actor<caf::replies_to<int, int, int>::with<int>>;
    auto wrong =
      gale::remote_actor<other_interface>(sys, "127.0.0.1", port, 5s);
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error() == caf::sec::unexpected_actor_messaging_interface);
    auto right =
      gale::remote_actor<gale::http_client_actor>(sys, "127.0.0.1", port, 5s);
    CHECK(right);
  }
}

TEST_CASE_METHOD(remote_fixture,
                 "a pipeline in another process tells its progress",
                 "[actors][remote][pipeline]") {
  auto pipeline = gale::remote_actor(sys, "127.0.0.1", pipeline_port, 5s);
  REQUIRE(pipeline);
  caf::scoped_actor self{sys};
  auto asked = gale::test::eventually([&] {
    gale::pipeline::progress got;
    self->request(*pipeline, 5s, gale::pipeline::progress_atom::value)
      .receive([&](gale::pipeline::progress& x) { got = std::move(x); },
               [](caf::error&) {});
    return got.pulled == 3 && got.delivered == 0 && got.workers == 0
           && !got.finished && got.stages.size() == 1
           && got.stages[0].name == "stage" && got.stages[0].in == 0;
  });
  CHECK(asked);
}

TEST_CASE_METHOD(remote_fixture,
                 "an HTTP server here, its handler actor in another process",
                 "[actors][remote][http_server]") {
  auto handler = gale::remote_actor(sys, "127.0.0.1", handler_port, 5s);
  REQUIRE(handler);
  auto here = gale::spawn_io_actor(sys);
  gale::io_client loop{sys, here};
  auto req = std::make_shared<gale::requester>(sys);
  auto server = loop.serve({}, gale::http::from_actor(req, *handler, 2s),
                           gale::use_blocking);
  gale::http::client client{sys, gale::http_client_actor{here}};
  auto url = "http://127.0.0.1:" + std::to_string(server.port) + "/over/there";
  auto res = client.fetch(url, gale::use_blocking);
  CHECK(res.status == 200);
  CHECK(res.body == "handled /over/there");
  other.kill_and_wait(SIGKILL);
  // Its process gone, the handler is down: 503, not a hang.
  auto gone = gale::test::eventually([&] {
    http_request r;
    r.url = url;
    r.raise_error = false;
    return client.fetch(r, gale::use_blocking).status == 503;
  });
  CHECK(gone);
  caf::anon_send_exit(here, caf::exit_reason::user_shutdown);
}
