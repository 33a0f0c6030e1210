#include "gale/actor_coroutine.hpp"

#include "fixture.hpp"
#include "gale/future.hpp"
#include "test_actors.hpp"

#include <catch2/catch.hpp>

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>

#include <atomic>

using namespace std::chrono_literals;
using gale::errc;
using gale::test::add_atom;
using gale::test::hang_atom;
using gale::test::quit_atom;

namespace {

using go_atom = caf::atom_constant<caf::atom("go")>;

struct summer_state {
  int total = 0;
  std::thread::id thread;
};

/// On `go`: awaits three additions from `calc` in a row, adding each to its
/// state, and answers with the total through a response promise.
caf::behavior summer(caf::stateful_actor<summer_state>* self, caf::actor calc) {
  return {
    [=](go_atom) -> caf::result<int> {
      auto rp = self->make_response_promise<int>();
      [](auto* self, caf::actor calc, auto rp) -> gale::actor_task {
        for (int i = 1; i <= 3; ++i) {
          self->state.total +=
            co_await gale::ask<int>(self, calc, 5s, add_atom::value, i, 10);
        }
        rp.deliver(self->state.total);
      }(self, calc, rp);
      return rp;
    },
    [=](int x) { self->state.total += x; }, // runs between the awaits
  };
}

} // namespace

TEST_CASE_METHOD(gale::test::fixture,
                 "a coroutine in an actor awaits replies from a user's actor",
                 "[actors][coroutine]") {
  auto calc = sys.spawn(gale::test::calculator);
  auto actor = sys.spawn(summer, calc);
  caf::scoped_actor self{sys};
  int total = 0;
  self->request(actor, 10s, go_atom::value)
    .receive([&](int x) { total = x; }, [](caf::error&) { FAIL("no total"); });
  CHECK(total == 11 + 12 + 13);
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(calc, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(gale::test::fixture,
                 "a coroutine in an actor awaits the I/O actor, with errors",
                 "[actors][coroutine]") {
  gale::promise<std::string> outcome;
  sys.spawn([io = io, outcome](caf::event_based_actor* self) {
    [](auto* self, gale::io_actor io, auto outcome) -> gale::actor_task {
      co_await gale::ask<void>(self, io, 5s, gale::sleep_atom_v, gale::op_id{1},
                               caf::timespan{5ms});
      // (asking a typed actor for the wrong reply type does not compile)
      try {
        co_await gale::ask<std::string>(self, io, 5s, gale::read_atom_v,
                                        gale::op_id{3}, caf::timespan{0},
                                        gale::connection_id{4242}, uint32_t{1});
        outcome.set_result("read an unknown connection");
      } catch (const gale::error& e) {
        outcome.set_result(e.code() == errc::unknown_connection ? "ok"
                                                                : e.what());
      }
    }(self, io, outcome);
  });
  CHECK(outcome.get_future().get(10s) == "ok");
}

TEST_CASE_METHOD(gale::test::fixture, "a timeout throws in the coroutine",
                 "[actors][coroutine]") {
  auto calc = sys.spawn(gale::test::calculator);
  gale::promise<std::error_code> outcome;
  sys.spawn([calc, outcome](caf::event_based_actor* self) {
    [](auto* self, caf::actor calc, auto outcome) -> gale::actor_task {
      try {
        co_await gale::ask<int>(self, calc, 20ms, hang_atom::value);
        outcome.set_result({});
      } catch (const gale::error& e) {
        outcome.set_result(e.code());
      }
    }(self, calc, outcome);
  });
  CHECK(outcome.get_future().get(10s) == errc::timed_out);
  caf::anon_send_exit(calc, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(gale::test::fixture,
                 "a suspended coroutine is destroyed when its actor dies",
                 "[actors][coroutine]") {
  auto calc = sys.spawn(gale::test::calculator);
  auto destroyed = std::make_shared<std::atomic<bool>>(false);
  auto resumed = std::make_shared<std::atomic<bool>>(false);
  struct on_destroy {
    std::shared_ptr<std::atomic<bool>> flag;
    ~on_destroy() { *flag = true; }
  };
  auto waiter = sys.spawn([=](caf::event_based_actor* self) {
    [](auto* self, caf::actor calc, auto destroyed,
       auto resumed) -> gale::actor_task {
      on_destroy guard{destroyed};
      co_await gale::ask<int>(self, calc, caf::infinite, hang_atom::value);
      *resumed = true;
    }(self, calc, destroyed, resumed);
    return caf::behavior{[](int) {}};
  });
  std::this_thread::sleep_for(20ms);
  CHECK_FALSE(*destroyed);
  caf::anon_send_exit(waiter, caf::exit_reason::kill);
  CHECK(gale::test::eventually([&] { return destroyed->load(); }));
  CHECK_FALSE(*resumed);
  caf::anon_send_exit(calc, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(gale::test::fixture,
                 "a coroutine in an actor can be cancelled by the actor",
                 "[actors][coroutine]") {
  using cancel_it = caf::atom_constant<caf::atom("cancelit")>;
  auto calc = sys.spawn(gale::test::calculator);
  gale::promise<std::error_code> outcome;
  struct state {
    asio::cancellation_signal signal;
  };
  auto actor = sys.spawn([calc, outcome](caf::stateful_actor<state>* self) {
    [](caf::stateful_actor<state>* self, caf::actor calc,
       auto outcome) -> gale::actor_task {
      try {
        co_await gale::ask_with_cancellation<int>(
          self, self->state.signal.slot(), calc, caf::infinite,
          hang_atom::value);
        outcome.set_result({});
      } catch (const gale::error& e) {
        outcome.set_result(e.code());
      }
    }(self, calc, outcome);
    return caf::behavior{[self](cancel_it) {
      self->state.signal.emit(asio::cancellation_type::terminal);
    }};
  });
  caf::anon_send(actor, cancel_it::value);
  CHECK(outcome.get_future().get(10s) == errc::cancelled);
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(calc, caf::exit_reason::user_shutdown);
}
