// gale::sleep and gale::moment inside actor coroutines.

#include "gale/actor_sleep.hpp"

#include "fixture.hpp"

#include <catch2/catch.hpp>

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

using namespace std::chrono_literals;

namespace {

using go_atom = caf::atom_constant<caf::atom("go")>;
using mark_atom = caf::atom_constant<caf::atom("mark")>;
using ping_atom = caf::atom_constant<caf::atom("ping")>;

struct trace_state {
  std::string trace;
};

/// `go`: sleeps 50 ms in a coroutine and answers how long it slept; `ping`
/// is answered meanwhile.
caf::behavior sleeper(caf::event_based_actor* self) {
  return {
    [=](go_atom) -> caf::result<int> {
      auto rp = self->make_response_promise<int>();
      [](auto* self, auto rp) -> gale::actor_task {
        auto start = std::chrono::steady_clock::now();
        co_await gale::sleep(self, 50ms);
        auto slept = std::chrono::steady_clock::now() - start;
        rp.deliver(static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(slept)
            .count()));
      }(self, rp);
      return rp;
    },
    [](ping_atom) { return std::string{"pong"}; },
  };
}

/// `go`: a coroutine notes "a", gives way with `moment`, notes "c"; the
/// `mark` it sent itself first comes in between ("b").
caf::behavior yielder(caf::stateful_actor<trace_state>* self) {
  return {
    [=](go_atom) -> caf::result<std::string> {
      auto rp = self->make_response_promise<std::string>();
      self->send(self, mark_atom::value);
      [](auto* self, auto rp) -> gale::actor_task {
        self->state.trace += 'a';
        co_await gale::moment(self);
        self->state.trace += 'c';
        rp.deliver(self->state.trace);
      }(self, rp);
      return rp;
    },
    [=](mark_atom) { self->state.trace += 'b'; },
  };
}

struct on_exit_flag {
  std::shared_ptr<std::atomic<bool>> flag;
  ~on_exit_flag() { *flag = true; }
};

/// `go`: sleeps ten seconds in a coroutine holding `flag`'s guard.
caf::behavior long_sleeper(caf::event_based_actor* self,
                           std::shared_ptr<std::atomic<bool>> flag) {
  return {[=](go_atom) {
    [](auto* self, auto flag) -> gale::actor_task {
      on_exit_flag guard{flag};
      co_await gale::sleep(self, 10s);
    }(self, flag);
  }};
}

} // namespace

TEST_CASE_METHOD(gale::test::fixture,
                 "sleep in an actor coroutine: the actor serves meanwhile",
                 "[actors][coroutine]") {
  auto actor = sys.spawn(sleeper);
  caf::scoped_actor self{sys};
  self->send(actor, go_atom::value);
  self->request(actor, 5s, ping_atom::value)
    .receive([](std::string& pong) { CHECK(pong == "pong"); },
             [](caf::error& e) { FAIL(gale::describe(e)); });
  int slept = 0;
  self->receive([&](int ms) { slept = ms; },
                caf::after(10s) >> [] { FAIL("no answer"); });
  CHECK(slept >= 50);
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(gale::test::fixture,
                 "moment in an actor coroutine: queued messages go first",
                 "[actors][coroutine]") {
  auto actor = sys.spawn(yielder);
  caf::scoped_actor self{sys};
  std::string trace;
  self->request(actor, 5s, go_atom::value)
    .receive([&](std::string& t) { trace = t; },
             [](caf::error& e) { FAIL(gale::describe(e)); });
  CHECK(trace == "abc");
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(gale::test::fixture,
                 "an actor that dies while its coroutine sleeps destroys it",
                 "[actors][coroutine]") {
  auto flag = std::make_shared<std::atomic<bool>>(false);
  auto actor = sys.spawn(long_sleeper, flag);
  caf::anon_send(actor, go_atom::value);
  std::this_thread::sleep_for(20ms);
  CHECK_FALSE(*flag);
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  CHECK(gale::test::eventually([&] { return flag->load(); }));
}
