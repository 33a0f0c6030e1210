// The HTTP client actor in every style gale offers, against every outcome:
// a response, a status error (which still brings its response where the
// style can carry it), each kind of bad server, a timeout, cancellation and
// the actor's death. Each fetch ends exactly once with the same error code
// whatever the style.
#include "../support/scripted_server.hpp"
#include "fixture.hpp"
#include "gale/actor_coroutine.hpp"
#include "gale/blocking.hpp"
#include "gale/future.hpp"
#include "gale/http/blocking_client.hpp"
#include "gale/http/client.hpp"
#include "gale/queue.hpp"
#include "gale/to_actor.hpp"

#include <gale/http/error.hpp>

#include <catch2/catch.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <future>

using namespace std::chrono_literals;
using gale::io::http_request;
using gale::test::misbehaving;
using gale::test::peer;
using gale::test::reply_with;
using gale::test::scripted_server;
using outcome = std::pair<std::error_code, gale::http::response>;

namespace {

enum class style {
  callback,
  std_future,
  gale_future,
  awaitable,
  queue,
  blocking,
  to_actor,
  message,
  actor_coroutine,
  blocking_client,
};

const char* name(style s) {
  switch (s) {
  case style::callback: return "callback";
  case style::std_future: return "std::future";
  case style::gale_future: return "gale::future";
  case style::awaitable: return "awaitable";
  case style::queue: return "queue";
  case style::blocking: return "blocking";
  case style::to_actor: return "to_actor";
  case style::message: return "message";
  case style::actor_coroutine: return "actor coroutine";
  case style::blocking_client: return "blocking_client";
  }
  return "?";
}

/// Whether the style hands over the response of a status error: all but
/// the exceptions of Asio's own tokens.
bool carries_response(style s) {
  return s != style::std_future && s != style::awaitable;
}

/// What `f` returned, or the error it threw with any response it carried.
outcome outcome_of(const std::function<gale::http::response()>& f) {
  try {
    return {{}, f()};
  } catch (const gale::http::status_error& e) {
    return {e.code(), e.response()};
  } catch (const std::system_error& e) {
    return {e.code(), {}};
  }
}

using fetched_atom = caf::atom_constant<caf::atom("fetched")>;

/// Fetches `req` in style `s`; the outcome's response is empty where the
/// style gives none with an error.
outcome fetch(style s, caf::actor_system& sys, const gale::http::client& c,
              http_request req) {
  using gale::test::code_of;
  switch (s) {
  case style::callback: {
    std::promise<outcome> done;
    std::atomic<int> calls{0};
    c.fetch(req, [&](std::error_code ec, gale::http::response r) {
      ++calls;
      done.set_value({ec, std::move(r)});
    });
    auto result = done.get_future().get();
    std::this_thread::sleep_for(2ms);
    CHECK(calls == 1);
    return result;
  }
  case style::std_future: {
    auto f = c.fetch(req, asio::use_future);
    gale::http::response r;
    auto ec = code_of([&] { r = f.get(); });
    return {ec, r};
  }
  case style::gale_future: {
    auto f = c.fetch(req, gale::use_future);
    return outcome_of([&] { return f.get(20s); });
  }
  case style::awaitable: {
    asio::io_context ctx;
    auto f = asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<gale::http::response> {
        co_return co_await c.fetch(req, asio::use_awaitable);
      },
      asio::use_future);
    ctx.run();
    gale::http::response r;
    auto ec = code_of([&] { r = f.get(); });
    return {ec, r};
  }
  case style::queue: {
    gale::queue<gale::result<gale::http::response>> q;
    c.fetch(req, gale::to_queue(q));
    auto got = q.pop(20s);
    REQUIRE(got);
    return {got->error(), got->payload()};
  }
  case style::blocking:
    return outcome_of([&] { return c.fetch(req, gale::use_blocking); });
  case style::to_actor: {
    caf::scoped_actor self{sys};
    c.fetch(req, gale::to_actor(caf::actor{self}, fetched_atom::value));
    outcome result;
    self->receive(
      [&](fetched_atom, gale::http::response& r) { result.second = r; },
      [&](fetched_atom, caf::error& err) {
        result.first = gale::to_error_code(err);
        if (auto* r = gale::http::response_of(err))
          result.second = *r;
      });
    return result;
  }
  case style::message: {
    // An actor asks the HTTP client actor; the reply is a message to it.
    caf::scoped_actor self{sys};
    outcome result;
    self->request(c.actor(), 20s, gale::fetch_atom_v, gale::op_id{0}, req)
      .receive([&](gale::http::response& r) { result.second = r; },
               [&](caf::error& err) {
                 result.first = gale::to_error_code(err);
                 if (auto* r = gale::http::response_of(err))
                   result.second = *r;
               });
    return result;
  }
  case style::actor_coroutine: {
    auto actor = sys.spawn([client_actor = c.actor()](
                             caf::event_based_actor* self) -> caf::behavior {
      return {[=](http_request& req) -> caf::result<gale::http::response> {
        auto rp = self->make_response_promise<gale::http::response>();
        [](caf::event_based_actor* self, gale::http_client_actor target,
           http_request req, caf::response_promise rp) -> gale::actor_task {
          try {
            rp.deliver(co_await gale::ask<gale::http::response>(
              self, target, 20s, gale::fetch_atom_v, gale::op_id{0}, req));
          } catch (const gale::http::status_error& e) {
            rp.deliver(gale::to_caf_error(e.code(), e.response()));
          } catch (const gale::error& e) {
            rp.deliver(gale::to_caf_error(e.code()));
          }
        }(self, client_actor, std::move(req), rp);
        return rp;
      }};
    });
    auto result = outcome_of([&] {
      return c.get_requester().async_request<gale::http::response>(
        actor, 30s, caf::make_message(req), gale::use_blocking);
    });
    caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
    return result;
  }
  case style::blocking_client: {
    gale::http::blocking_client bc{sys, c.actor()};
    return outcome_of([&] { return bc.fetch(req); });
  }
  }
  return {};
}

struct http_fixture : gale::test::fixture {
  gale::http::client client{sys, io};
};

auto all_styles() {
  return Catch::Generators::values(
    {style::callback, style::std_future, style::gale_future, style::awaitable,
     style::queue, style::blocking, style::to_actor, style::message,
     style::actor_coroutine, style::blocking_client});
}

} // namespace

TEST_CASE_METHOD(http_fixture, "HTTP fetches in every style, every outcome",
                 "[actors][http_client][styles]") {
  auto s = GENERATE(all_styles());
  CAPTURE(name(s));
  scripted_server server{[](peer& p) -> asio::awaitable<void> {
    while (auto req = co_await p.read_request()) {
      std::string reply;
      if (req->target == "/missing")
        reply = reply_with(404, "not here");
      else if (req->target == "/slow")
        co_await p.sleep(2s);
      else if (req->target == "/moved")
        reply = reply_with(302, "", "Location: /\r\n");
      if (reply.empty())
        reply = reply_with(200, "hello");
      if (!co_await p.write(reply))
        co_return;
    }
  }};
  auto request = [&](std::string path) {
    http_request r;
    r.url = server.url(path);
    return r;
  };

  SECTION("a response, after a redirect") {
    auto [ec, res] = fetch(s, sys, client, request("/moved"));
    REQUIRE_FALSE(ec);
    CHECK(res.status == 200);
    CHECK(res.body == "hello");
  }
  SECTION("a status error brings its response") {
    auto [ec, res] = fetch(s, sys, client, request("/missing"));
    CHECK(ec == gale::http::make_status_error(404));
    if (carries_response(s)) {
      CHECK(res.status == 404);
      CHECK(res.body == "not here");
    }
  }
  SECTION("raise_error off: a 404 is a response") {
    auto req = request("/missing");
    req.raise_error = false;
    auto [ec, res] = fetch(s, sys, client, req);
    CHECK_FALSE(ec);
    CHECK(res.status == 404);
  }
  SECTION("request_timeout") {
    auto req = request("/slow");
    req.request_timeout = 100ms;
    CHECK(fetch(s, sys, client, req).first
          == gale::http::errc::request_timeout);
  }
  SECTION("a header with CR LF is refused") {
    auto req = request("/");
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
    scripted_server silent{[](peer& p) -> asio::awaitable<void> {
      co_await p.read_request();
      co_await p.sleep(2s);
    }};
    check(silent.url(), gale::http::errc::request_timeout,
          [](http_request& r) { r.request_timeout = 100ms; });
  }
}

namespace {

/// Starts a fetch of `url` in style `s` whose token is bound to `slot`;
/// the result waits for its outcome.
std::function<std::error_code()>
start_cancellable(style s, caf::actor_system& sys, const gale::http::client& c,
                  const std::string& url, asio::cancellation_slot slot) {
  using gale::test::code_of;
  switch (s) {
  case style::std_future: {
    auto f = std::make_shared<std::future<gale::http::response>>(
      c.fetch(url, asio::bind_cancellation_slot(slot, asio::use_future)));
    return [f] { return code_of([&] { f->get(); }); };
  }
  case style::gale_future: {
    auto f = c.fetch(url, asio::bind_cancellation_slot(slot, gale::use_future));
    return [f] { return code_of([&] { f.get(5s); }); };
  }
  case style::queue: {
    auto q =
      std::make_shared<gale::queue<gale::result<gale::http::response>>>();
    c.fetch(url, asio::bind_cancellation_slot(slot, gale::to_queue(*q)));
    return [q] { return q->pop(5s)->error(); };
  }
  case style::to_actor: {
    auto self = std::make_shared<caf::scoped_actor>(sys);
    c.fetch(url,
            asio::bind_cancellation_slot(
              slot, gale::to_actor(caf::actor{*self}, fetched_atom::value)));
    return [self] {
      std::error_code ec;
      (*self)->receive(
        [&](fetched_atom, gale::http::response&) {},
        [&](fetched_atom, caf::error& err) { ec = gale::to_error_code(err); });
      return ec;
    };
  }
  default: {
    auto done = std::make_shared<std::promise<std::error_code>>();
    c.fetch(url, asio::bind_cancellation_slot(
                   slot, [done](std::error_code ec, gale::http::response) {
                     done->set_value(ec);
                   }));
    return [f = done->get_future().share()] { return f.get(); };
  }
  }
}

} // namespace

TEST_CASE_METHOD(http_fixture, "cancelling a fetch in flight or in the queue",
                 "[actors][http_client][cancel]") {
  auto s = GENERATE(style::callback, style::std_future, style::gale_future,
                    style::queue, style::to_actor);
  CAPTURE(name(s));
  scripted_server silent{[](peer& p) -> asio::awaitable<void> {
    co_await p.read_request();
    co_await p.sleep(3s);
  }};
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
  scripted_server silent{[](peer& p) -> asio::awaitable<void> {
    co_await p.read_request();
    co_await p.sleep(3s);
  }};
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
  scripted_server silent{[](peer& p) -> asio::awaitable<void> {
    co_await p.read_request();
    co_await p.sleep(3s);
  }};
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
