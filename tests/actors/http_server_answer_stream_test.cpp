// A handler actor streaming its answer round by round
// (`streamed_response::more`, `response_pieces_wanted`): the rounds, flow
// control against a client that does not read, the client going away, and
// the actor failing midway.

#include "../support/eventually.hpp"
#include "../support/raw_socket.hpp"
#include "gale/http/server.hpp"
#include "gale/testing/http_test_server.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/send.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using gale::http::response_pieces;
using gale::http::response_pieces_wanted;
using gale::http::streamed_response;
using gale::testing::http_test_server;

namespace {

gale::http::response event_stream_head() {
  gale::http::response head;
  head.headers.set("Content-Type", "text/event-stream");
  return head;
}

// [sse-actor]
/// Answers each request with an event per round, "data: N\n\n" for
/// N = 0..3, each round asked for once the one before was written.
struct event_source_state {
  std::uint64_t next_id = 1;
  std::map<std::uint64_t, int> sent; ///< per answer under way
};

caf::behavior event_source(caf::stateful_actor<event_source_state>* self) {
  return {
    [self](const gale::http::request&) {
      auto id = self->state.next_id++;
      self->state.sent[id] = 0;
      return streamed_response{event_stream_head(), {"data: 0\n\n"}, id};
    },
    [self](const response_pieces_wanted& w) -> response_pieces {
      auto& sent = self->state.sent;
      if (w.gone || !sent.count(w.id)) {
        sent.erase(w.id); // the client left: free what the answer holds
        return {};
      }
      auto n = ++sent[w.id];
      if (n == 3)
        sent.erase(w.id);
      return {{"data: " + std::to_string(n) + "\n\n"}, n == 3};
    },
  };
}
// [end]

struct flood_state {
  std::atomic<int> asked{0};
  std::atomic<bool> gone{false};
};

/// Answers with an endless body, 64 KiB a round, and counts the rounds.
caf::behavior flood(caf::event_based_actor*, flood_state* state) {
  return {
    [](const gale::http::request&) {
      return streamed_response{event_stream_head(), {}, 42};
    },
    [state](const response_pieces_wanted& w) -> response_pieces {
      if (w.id != 42)
        return {}; // never asked again: the test fails
      if (w.gone) {
        state->gone = true;
        return {};
      }
      ++state->asked;
      return {{std::string(64 * 1024, 'x')}, false};
    },
  };
}

} // namespace

TEST_CASE("an actor streams its answer round by round until the last",
          "[actors][http_server]") {
  http_test_server srv{[](gale::io::exchange_ptr) {}};
  auto events = srv.system().spawn(event_source);
  auto req = std::make_shared<gale::requester>(srv.system());
  http_test_server actor_srv{gale::http::from_actor(req, events, 5s)};
  for (int i = 0; i < 3; ++i) {
    auto res = actor_srv.fetch("/events");
    CHECK(res.status == 200);
    CHECK(*res.headers.find("Transfer-Encoding") == "chunked");
    CHECK(res.body == "data: 0\n\ndata: 1\n\ndata: 2\n\ndata: 3\n\n");
  }
  caf::anon_send_exit(events, caf::exit_reason::kill);
}

TEST_CASE("a streamed answer waits for a client that does not read",
          "[actors][http_server]") {
  http_test_server srv{[](gale::io::exchange_ptr) {}};
  flood_state state;
  auto source = srv.system().spawn(flood, &state);
  auto req = std::make_shared<gale::requester>(srv.system());
  http_test_server actor_srv{gale::http::from_actor(req, source, 5s)};
  {
    gale::test::raw_socket client{actor_srv.port()};
    client.send("GET /flood HTTP/1.1\r\nHost: x\r\n\r\n");
    client.read_until("\r\n\r\n");
    // The client reads nothing more: the rounds stop once the socket
    // buffers are full (a few MiB), instead of growing the server's memory.
    int before = -1;
    REQUIRE(gale::test::eventually(
      [&] {
        int now = state.asked;
        std::this_thread::sleep_for(300ms);
        return std::exchange(before, now) == state.asked && now > 0;
      },
      10s));
    CHECK(before < 512); // under 32 MiB asked for
    // Reading makes room: the actor is asked again.
    client.read_exactly(4 * 1024 * 1024);
    CHECK(gale::test::eventually([&] { return state.asked > before; }));
    CHECK_FALSE(state.gone);
  } // the client goes away
  CHECK(gale::test::eventually([&] { return state.gone.load(); }));
  caf::anon_send_exit(source, caf::exit_reason::kill);
}

TEST_CASE("an actor that fails midway cuts the streamed answer",
          "[actors][http_server]") {
  http_test_server srv{[](gale::io::exchange_ptr) {}};
  auto quitter = srv.system().spawn([](caf::event_based_actor* self) {
    return caf::behavior{
      [](const gale::http::request& r) -> caf::result<caf::message> {
        if (r.target == "/odd")
          return caf::make_message(streamed_response{{}, {"begun"}, 2});
        return caf::make_message(streamed_response{{}, {"begun"}, 1});
      },
      [self](const response_pieces_wanted& w) -> caf::result<caf::message> {
        if (w.id == 2)
          return caf::make_message(std::string{"not pieces"});
        self->quit(); // dies holding the request
        return caf::make_message();
      },
    };
  });
  auto req = std::make_shared<gale::requester>(srv.system());
  http_test_server actor_srv{gale::http::from_actor(req, quitter, 5s)};
  // An unexpected reply: the body is cut, so the fetch fails rather than
  // taking "begun" for the whole body.
  CHECK_THROWS(actor_srv.fetch("/odd"));
  CHECK_THROWS(actor_srv.fetch("/dies"));
}
