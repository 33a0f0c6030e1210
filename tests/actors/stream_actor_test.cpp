// An actor per TCP connection, driving its stream through to_actor.
#include "gale/stream_actor.hpp"

#include "fixture.hpp"
#include "gale/to_actor.hpp"

#include "../support/raw_socket.hpp"

#include <gale/io/loop.hpp>

#include <catch2/catch.hpp>

#include <caf/event_based_actor.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>

using namespace std::chrono_literals;

namespace {

using line_atom = caf::atom_constant<caf::atom("line")>;
using sent_atom = caf::atom_constant<caf::atom("sent")>;

/// Answers each line in capitals; quits (closing the stream) at its end.
caf::behavior shouter(caf::event_based_actor* self, gale::io::stream s,
                      std::atomic<int>* ended) {
  auto next = [self, s]() mutable {
    s.async_read_until("\n", 1024, gale::to_actor(self, line_atom::value));
  };
  next();
  return {
    [self, s](line_atom, std::string& line) mutable {
      std::transform(line.begin(), line.end(), line.begin(),
                     [](unsigned char c) { return std::toupper(c); });
      s.async_write(line, gale::to_actor(self, sent_atom::value));
    },
    [next](sent_atom) mutable { next(); },
    [self, ended](line_atom, const caf::error&) {
      ++*ended;
      self->quit();
    },
    [self](sent_atom, const caf::error&) { self->quit(); },
  };
}

} // namespace

TEST_CASE_METHOD(gale::test::fixture, "an actor per TCP connection",
                 "[actors][stream]") {
  gale::io::loop loop;
  loop.start();
  std::atomic<int> ended{0};
  gale::io::tcp_server server{
    loop.executor(),
    gale::actor_per_stream(
      sys, [&ended](caf::event_based_actor* self, gale::io::stream s) {
        return shouter(self, std::move(s), &ended);
      })};
  REQUIRE_FALSE(server.listen({}));
  {
    gale::test::raw_socket a{server.port()}, b{server.port()};
    a.send("hello\n");
    b.send("other\n");
    CHECK(a.read_until("\n") == "HELLO\n");
    CHECK(b.read_until("\n") == "OTHER\n");
    a.send(std::string(2000, 'x') + "\n"); // over 1024: that actor ends
    CHECK(a.closed_by_peer());
    b.send("still\n");
    CHECK(b.read_until("\n") == "STILL\n");
  }
  CHECK(gale::test::eventually([&] { return ended == 2; }));
  CHECK(gale::test::eventually([&] { return server.connections() == 0; }));
}
