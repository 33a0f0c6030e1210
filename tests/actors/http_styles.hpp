#pragma once
// Every style in which gale hands over an HTTP fetch, as one function per
// purpose, so that the same checks run against a local HTTP client actor
// and against one in another process.
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

#include <atomic>
#include <future>
#include <memory>

namespace gale::test::http_styles {

using namespace std::chrono_literals;
using gale::io::http_request;
using outcome = std::pair<std::error_code, gale::http::response>;
using gale::test::peer;
using gale::test::reply_with;
using gale::test::scripted_server;

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

inline const char* name(style s) {
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
inline bool carries_response(style s) {
  return s != style::std_future && s != style::awaitable;
}

/// What `f` returned, or the error it threw with any response it carried.
inline outcome outcome_of(const std::function<gale::http::response()>& f) {
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
inline outcome fetch(style s, caf::actor_system& sys,
                     const gale::http::client& c, http_request req) {
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

inline auto all_styles() {
  return Catch::Generators::values(
    {style::callback, style::std_future, style::gale_future, style::awaitable,
     style::queue, style::blocking, style::to_actor, style::message,
     style::actor_coroutine, style::blocking_client});
}

/// Starts a fetch of `url` in style `s` whose token is bound to `slot`;
/// the result waits for its outcome.
inline std::function<std::error_code()>
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

/// The server behind `check_outcomes`: `/missing` is a 404 "not here",
/// `/slow` answers after 2 s, `/moved` redirects to `/`, anything else is
/// a 200 "hello".
inline asio::awaitable<void> outcome_script(peer& p) {
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
}

/// A GET of `path` on `server`.
inline http_request request_to(const scripted_server& server,
                               const std::string& path) {
  http_request r;
  r.url = server.url(path);
  return r;
}

/// A server's script: reads one request, then answers nothing for `quiet`.
inline asio::awaitable<void> read_then_silent(peer& p,
                                              std::chrono::seconds quiet) {
  co_await p.read_request();
  co_await p.sleep(quiet);
}

/// The outcomes every style gives alike, wherever the HTTP client actor
/// runs, as sections of the calling test case; `server` runs
/// `outcome_script`.
inline void check_outcomes(style s, caf::actor_system& sys,
                           const gale::http::client& client,
                           const scripted_server& server) {
  auto request = [&](const std::string& path) {
    return request_to(server, path);
  };
  SECTION("a response, after a redirect") {
    auto [ec, res] = fetch(s, sys, client, request("/moved"));
    REQUIRE_FALSE(ec);
    CHECK(res.status == 200);
    CHECK(res.body == "hello");
    CHECK(res.fetch.url == server.url("/moved"));
    CHECK(res.fetch.effective_url == server.url("/"));
    REQUIRE(res.fetch.time.attempts.size() == 2);
    CHECK(res.fetch.time.attempts[0].status == 302);
    CHECK(res.fetch.request_time > std::chrono::microseconds{0});
  }
  SECTION("a status error brings its response") {
    auto [ec, res] = fetch(s, sys, client, request("/missing"));
    CHECK(ec == gale::http::make_status_error(404));
    if (carries_response(s)) {
      CHECK(res.status == 404);
      CHECK(res.body == "not here");
      CHECK(res.fetch.effective_url == server.url("/missing"));
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
}

} // namespace gale::test::http_styles
