// The safety net in the actor layer: an actor coroutine's exception and a
// future's done-callback's are reported; the actor and the future go on.

#include "gale/actor_coroutine.hpp"
#include "gale/future.hpp"

#include "fixture.hpp"
#include "test_actors.hpp"

#include "../support/unhandled_reports.hpp"

#include <gale/io/unhandled.hpp>

#include <catch2/catch.hpp>

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <vector>

using namespace std::chrono_literals;
using gale::test::add_atom;

namespace {

using go_atom = caf::atom_constant<caf::atom("go")>;

/// On `go`: a coroutine that asks `calc` once, then throws. On an int:
/// answers it doubled (the actor still serves).
caf::behavior thrower(caf::event_based_actor* self, caf::actor calc) {
  return {
    [=](go_atom) {
      [](caf::event_based_actor* self, caf::actor calc) -> gale::actor_task {
        co_await gale::ask<int>(self, calc, 5s, add_atom::value, 1, 2);
        throw std::runtime_error("after the reply");
      }(self, calc);
    },
    [](int x) { return x * 2; },
  };
}

} // namespace

TEST_CASE_METHOD(gale::test::fixture,
                 "an actor coroutine's exception is reported; the actor goes "
                 "on serving",
                 "[actors][coroutine][unhandled]") {
  gale::test::unhandled_reports r;
  auto calc = sys.spawn(gale::test::calculator);
  auto actor = sys.spawn(thrower, calc);
  caf::anon_send(actor, go_atom::value);
  CHECK(r.wait(0) == "an actor coroutine: after the reply");
  caf::scoped_actor self{sys};
  int doubled = 0;
  self->request(actor, 5s, 21)
    .receive([&](int x) { doubled = x; },
             [](caf::error&) { FAIL("no answer"); });
  CHECK(doubled == 42);
}

TEST_CASE("a future's done-callback that throws is reported; the other "
          "callbacks and the setter go on",
          "[actors][future][unhandled]") {
  gale::test::unhandled_reports r;
  gale::promise<int> p;
  auto f = p.get_future();
  int seen = 0;
  f.add_done_callback(
    [](gale::future<int>) { throw std::runtime_error("first callback"); });
  f.add_done_callback([&](gale::future<int> g) { seen = g.get(); });
  p.set_result(7); // does not throw
  CHECK(seen == 7);
  CHECK(r.wait(0) == "a gale::future's done-callback: first callback");
  // Added when ready: runs at once, and is reported just the same.
  f.add_done_callback(
    [](gale::future<int>) { throw std::logic_error("late callback"); });
  CHECK(r.wait(1) == "a gale::future's done-callback: late callback");
}
