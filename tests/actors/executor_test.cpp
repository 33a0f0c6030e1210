// run_in_executor in gale's own styles: gale::future, a message to an
// actor, and an actor whose reply is computed off its thread.

#include "gale/executor.hpp"
#include "gale/future.hpp"
#include "gale/to_actor.hpp"

#include "fixture.hpp"

#include <catch2/catch.hpp>

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <stdexcept>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using gale::errc;
namespace io = gale::io;

namespace {

using work_atom = caf::atom_constant<caf::atom("work")>;
using fail_atom = caf::atom_constant<caf::atom("fail")>;
using ping_atom = caf::atom_constant<caf::atom("ping")>;
using done_atom = caf::atom_constant<caf::atom("done")>;

/// Answers `work` after 200 ms of blocking work on `pool`, `fail` with the
/// work's exception, and `ping` at once, from its own thread.
caf::behavior worker(caf::event_based_actor* self, io::thread_pool* pool) {
  auto ex = asio::any_io_executor{pool->get_executor()};
  return {
    // [reply-in-executor]
    [=](work_atom, std::string text) {
      return gale::reply_in_executor(self, ex, [text] {
        std::this_thread::sleep_for(200ms); // blocking work, off the actor
        return text + " done";
      });
    },
    // [end]
    [=](fail_atom) {
      return gale::reply_in_executor(
        self, ex, []() -> int { throw std::runtime_error("no such luck"); });
    },
    [=](fail_atom, int) {
      return gale::reply_in_executor(self, ex, [] {
        throw gale::error{make_error_code(errc::invalid_argument)};
      });
    },
    [](ping_atom) { return std::string{"pong"}; },
  };
}

} // namespace

TEST_CASE("run_in_executor with gale::use_future", "[actors][executor]") {
  io::thread_pool pool{1};
  auto f = io::run_in_executor(
    pool, [] { return 7; }, gale::use_future);
  CHECK(f.get(10s) == 7);
  auto failed = io::run_in_executor(
    pool, []() -> int { throw std::runtime_error("bad"); }, gale::use_future);
  CHECK_THROWS_WITH(failed.get(10s), "bad");
  auto nothing = io::run_in_executor(
    pool, [] {}, gale::use_future);
  nothing.get(10s);
}

TEST_CASE_METHOD(gale::test::fixture,
                 "run_in_executor delivers to an actor as a message",
                 "[actors][executor]") {
  io::thread_pool pool{1};
  caf::scoped_actor self{sys};
  auto me = caf::actor_cast<caf::actor>(self);
  io::run_in_executor(
    pool, [] { return 5; }, gale::to_actor(me, done_atom::value));
  self->receive([](done_atom, int v) { CHECK(v == 5); },
                [](done_atom, caf::error& e) { FAIL(gale::describe(e)); },
                caf::after(10s) >> [] { FAIL("no message"); });
  io::run_in_executor(
    pool, []() -> int { throw std::runtime_error("lost"); },
    gale::to_actor(me, done_atom::value));
  self->receive([](done_atom, int) { FAIL("no error"); },
                [](done_atom, caf::error& e) {
                  CHECK(gale::to_error_code(e) == errc::actor_error);
                  CHECK(gale::describe(e) == "actor error: lost");
                },
                caf::after(10s) >> [] { FAIL("no message"); });
}

TEST_CASE_METHOD(gale::test::fixture,
                 "reply_in_executor: the actor answers others while the work "
                 "runs, then replies with its result or error",
                 "[actors][executor]") {
  io::thread_pool pool{2};
  auto actor = sys.spawn(worker, &pool);
  caf::scoped_actor self{sys};
  // The work as a plain message (its answer comes back as one), then a
  // request: the actor takes them in that order, and the ping's answer
  // comes long before the work's.
  self->send(actor, work_atom::value, std::string{"job"});
  self->request(actor, 10s, ping_atom::value)
    .receive([&](std::string& pong) { CHECK(pong == "pong"); },
             [](caf::error& e) { FAIL(gale::describe(e)); });
  std::string result;
  self->receive([&](std::string& r) { result = r; },
                caf::after(10s) >> [] { FAIL("no reply"); });
  CHECK(result == "job done");
  self->request(actor, 10s, work_atom::value, std::string{"asked"})
    .receive([&](std::string& r) { result = r; },
             [](caf::error& e) { FAIL(gale::describe(e)); });
  CHECK(result == "asked done");

  std::error_code failure;
  self->request(actor, 10s, fail_atom::value)
    .receive([](int) { FAIL("no error"); },
             [&](caf::error& e) { failure = gale::to_error_code(e); });
  CHECK(failure == errc::actor_error);
  self->request(actor, 10s, fail_atom::value, 1)
    .receive([] { FAIL("no error"); },
             [&](caf::error& e) { failure = gale::to_error_code(e); });
  CHECK(failure == errc::invalid_argument);
  // The pool must outlive every post into it: the actor's last post may
  // still be returning (Asio signals the pool's thread after unlocking)
  // when its reply has arrived here.
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  self->wait_for(actor);
}
