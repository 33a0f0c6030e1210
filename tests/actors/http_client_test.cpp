// The HTTP client actor in every style gale offers, against every outcome:
// a response, a status error (which still brings its response where the
// style can carry it), each kind of bad server, a timeout, cancellation and
// the actor's death. Each fetch ends exactly once with the same error code
// whatever the style.
#include "http_styles.hpp"
#include "../support/scripted_server.hpp"

#include <catch2/catch.hpp>

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <future>

using namespace std::chrono_literals;
using namespace gale::test::http_styles;
using gale::io::http_request;
using gale::test::misbehaving;
using gale::test::peer;
using gale::test::reply_with;
using gale::test::scripted_server;

namespace {

struct http_fixture : gale::test::fixture {
  gale::http::client client{sys, io};
};

} // namespace

TEST_CASE_METHOD(http_fixture, "HTTP fetches in every style, every outcome",
                 "[actors][http_client][styles]") {
  auto s = GENERATE(all_styles());
  CAPTURE(name(s));
  scripted_server server{outcome_script};
  check_outcomes(s, sys, client, server);
  SECTION("a header with CR LF is refused") {
    auto req = request_to(server, "/");
    req.headers.add("X-Split", "a\r\nb: c");
    CHECK(fetch(s, sys, client, req).first
          == gale::http::errc::invalid_field_value);
  }
}

TEST_CASE_METHOD(http_fixture, "bad servers give the same error in every style",
                 "[actors][http_client][bad_server]") {
  auto s = GENERATE(all_styles());
  CAPTURE(name(s));
  auto check = [&](const std::string& url, std::error_code expected,
                   std::function<void(http_request&)> tweak = {}) {
    http_request req;
    req.url = url;
    if (tweak)
      tweak(req);
    auto [ec, res] = fetch(s, sys, client, req);
    CHECK(ec == expected);
  };
  SECTION("refused") {
    check("http://127.0.0.1:" + std::to_string(gale::test::closed_port()),
          asio::error::connection_refused);
  }
  SECTION("unknown host") {
    http_request req;
    req.url = "http://no-such-host.invalid/";
    auto ec = fetch(s, sys, client, req).first;
    CHECK((ec == asio::error::host_not_found
           || ec == asio::error::host_not_found_try_again));
  }
  SECTION("reset mid-headers") {
    auto server = misbehaving("HTTP/1.1 200 OK\r\nConte", true);
    check(server.url(), asio::error::connection_reset);
  }
  SECTION("reset mid-body") {
    auto server =
      misbehaving("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", true);
    check(server.url(), asio::error::connection_reset);
  }
  SECTION("truncated body") {
    auto server = misbehaving("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nab");
    check(server.url(), gale::http::errc::truncated_message);
  }
  SECTION("garbage status line") {
    auto server = misbehaving("HTTP/1.1 2xx OK\r\n\r\n");
    check(server.url(), gale::http::errc::invalid_status);
  }
  SECTION("invalid chunked coding") {
    auto server = misbehaving(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n");
    check(server.url(), gale::http::errc::invalid_chunk_size);
  }
  SECTION("headers over the limit") {
    auto server = misbehaving("HTTP/1.1 200 OK\r\nX: " + std::string(3000, 'x')
                              + "\r\n\r\n");
    check(server.url(), gale::http::errc::header_section_too_large,
          [](http_request& r) { r.max_header_size = 1000; });
  }
  SECTION("body over max_body_size") {
    auto server = misbehaving(reply_with(200, std::string(3000, 'b')));
    check(server.url(), gale::http::errc::body_too_large,
          [](http_request& r) { r.max_body_size = 100; });
  }
  SECTION("never answers") {
    scripted_server silent{[](peer& p) { return read_then_silent(p, 2s); }};
    check(silent.url(), gale::http::errc::request_timeout,
          [](http_request& r) { r.request_timeout = 100ms; });
  }
}

TEST_CASE_METHOD(http_fixture, "cancelling a fetch in flight or in the queue",
                 "[actors][http_client][cancel]") {
  auto s = GENERATE(style::callback, style::std_future, style::gale_future,
                    style::queue, style::to_actor);
  CAPTURE(name(s));
  scripted_server silent{[](peer& p) { return read_then_silent(p, 3s); }};
  auto limited = gale::spawn_http_client(sys, {.max_clients = 1});
  gale::http::client c{sys, limited};
  asio::cancellation_signal in_flight, queued;
  auto first = start_cancellable(s, sys, c, silent.url(), in_flight.slot());
  auto second = start_cancellable(s, sys, c, silent.url(), queued.slot());
  std::this_thread::sleep_for(100ms);
  queued.emit(asio::cancellation_type::terminal);
  CHECK(second() == gale::errc::cancelled);
  in_flight.emit(asio::cancellation_type::terminal);
  CHECK(first() == gale::errc::cancelled);
  // The slot is free again: a third fetch starts and times out normally.
  http_request third;
  third.url = silent.url();
  third.request_timeout = 100ms;
  auto f = c.fetch(third, gale::use_future);
  CHECK(gale::test::code_of([&] { f.get(5s); })
        == gale::http::errc::request_timeout);
  caf::anon_send_exit(limited, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(http_fixture, "the message style cancels with (cancel, op)",
                 "[actors][http_client][cancel]") {
  scripted_server silent{[](peer& p) { return read_then_silent(p, 3s); }};
  caf::scoped_actor self{sys};
  http_request req;
  req.url = silent.url();
  auto pending =
    self->request(client.actor(), 10s, gale::fetch_atom_v, gale::op_id{7}, req);
  std::this_thread::sleep_for(100ms);
  self->send(client.actor(), gale::cancel_atom_v, gale::op_id{7});
  std::error_code ec;
  pending.receive([&](gale::http::response&) {},
                  [&](caf::error& err) { ec = gale::to_error_code(err); });
  CHECK(ec == gale::errc::cancelled);
}

TEST_CASE_METHOD(http_fixture,
                 "a fetch fails with actor_down when its actor dies",
                 "[actors][http_client]") {
  scripted_server silent{[](peer& p) { return read_then_silent(p, 3s); }};
  auto f = client.fetch(silent.url(), gale::use_future);
  std::this_thread::sleep_for(50ms);
  caf::anon_send_exit(io, caf::exit_reason::kill);
  CHECK(gale::test::code_of([&] { f.get(5s); }) == gale::errc::actor_down);
}

TEST_CASE("the blocking client on its own, and on a loop thread",
          "[actors][http_client][blocking]") {
  scripted_server server{gale::test::answer_always(reply_with(200, "sync"))};
  gale::http::blocking_client client;
  CHECK(client.fetch(server.url()).body == "sync");
  gale::io::loop loop;
  loop.start();
  std::promise<std::error_code> seen;
  loop.post([&] {
    seen.set_value(gale::test::code_of([&] { client.fetch(server.url()); }));
  });
  CHECK(seen.get_future().get() == gale::errc::would_block_loop);
}
