// gale::on_actor: gale's and Asio's operations awaited inside actor
// coroutines, resuming on the actor.

#include "gale/locks.hpp"
#include "gale/on_actor.hpp"
#include "gale/queue.hpp"

#include "fixture.hpp"

#include <gale/io/executor.hpp>

#include <catch2/catch.hpp>

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <stdexcept>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using gale::errc;

namespace {

using go_atom = caf::atom_constant<caf::atom("go")>;
using ping_atom = caf::atom_constant<caf::atom("ping")>;

struct consumer_state {
  std::string log;
  bool on_own_thread = true;
  std::thread::id thread;
};

/// On `go`: takes three items from `q` in a coroutine, then a fourth that
/// never comes (a timeout), then work from a pool, noting each in its
/// state, and answers with the log. `ping` is answered meanwhile.
caf::behavior consumer(caf::stateful_actor<consumer_state>* self,
                       gale::queue<std::string>* q) {
  return {
    [=](go_atom) -> caf::result<std::string> {
      auto rp = self->make_response_promise<std::string>();
      [](auto* self, gale::queue<std::string>* q, auto rp) -> gale::actor_task {
        // [on-actor]
        for (int i = 0; i < 3; ++i)
          self->state.log += co_await q->async_pop(gale::on_actor(self));
        // [end]
        try {
          co_await q->async_pop(20ms, gale::on_actor(self));
        } catch (const gale::error& e) {
          self->state.log += e.code() == errc::timed_out ? " timeout" : " ?";
        }
        int answer = co_await gale::io::run_in_executor([] { return 6 * 7; },
                                                        gale::on_actor(self));
        self->state.log.append(" ").append(std::to_string(answer));
        try {
          co_await gale::io::run_in_executor(
            []() -> int { throw std::runtime_error("pool"); },
            gale::on_actor(self));
        } catch (const std::runtime_error& e) {
          self->state.log.append(" ").append(e.what());
        }
        rp.deliver(self->state.log);
      }(self, q, rp);
      return rp;
    },
    [](ping_atom) { return std::string{"pong"}; },
  };
}

/// An operation whose handler is dropped unrun.
template <class Token>
auto never_completes(Token&& token) {
  return asio::async_initiate<Token, void(std::error_code)>(
    [](auto handler) { (void)handler; }, token);
}

caf::behavior dropper(caf::event_based_actor* self) {
  return {[=](go_atom) -> caf::result<std::string> {
    auto rp = self->make_response_promise<std::string>();
    [](auto* self, auto rp) -> gale::actor_task {
      try {
        co_await never_completes(gale::on_actor(self));
        rp.deliver(std::string{"completed?"});
      } catch (const gale::error& e) {
        rp.deliver(e.code() == errc::cancelled ? std::string{"cancelled"}
                                               : e.code().message());
      }
    }(self, rp);
    return rp;
  }};
}

/// On `go`: waits in a coroutine for `ev`, then for a permit of `sem`
/// (which holds none until a thread gives one back), and answers "open".
caf::behavior gatekeeper(caf::event_based_actor* self, gale::event* ev,
                         gale::semaphore* sem) {
  return {
    [=](go_atom) -> caf::result<std::string> {
      auto rp = self->make_response_promise<std::string>();
      [](auto* self, gale::event* ev, gale::semaphore* sem,
         auto rp) -> gale::actor_task {
        co_await ev->async_wait(gale::on_actor(self));
        auto permit = co_await sem->async_acquire(gale::on_actor(self));
        rp.deliver(std::string{permit ? "open" : "no permit"});
      }(self, ev, sem, rp);
      return rp;
    },
    [](ping_atom) { return std::string{"pong"}; },
  };
}

/// On `go`: awaits `good`'s value and `bad`'s failure, set by a thread
/// that notes its id in `setter` first, and answers with what it saw and
/// whether it resumed inside the actor on another thread than the setter's.
caf::behavior future_awaiter(caf::event_based_actor* self,
                             gale::future<int> good, gale::future<int> bad,
                             const std::thread::id* setter) {
  return {[=](go_atom) -> caf::result<std::string> {
    auto rp = self->make_response_promise<std::string>();
    [](auto* self, gale::future<int> f, gale::future<int> bad,
       const std::thread::id* setter, auto rp) -> gale::actor_task {
      // [future-on-actor]
      int value = co_await f.async_wait(gale::on_actor(self));
      // [end]
      bool inside = self->current_mailbox_element() != nullptr
                    && std::this_thread::get_id() != *setter;
      std::string seen = std::to_string(value) + (inside ? " inside" : " out");
      try {
        co_await bad.async_wait(gale::on_actor(self));
      } catch (const gale::error& e) {
        seen += e.code() == errc::actor_down ? " actor_down" : " ?";
      }
      rp.deliver(seen);
    }(self, good, bad, setter, rp);
    return rp;
  }};
}

} // namespace

TEST_CASE_METHOD(gale::test::fixture,
                 "on_actor: an event and a semaphore awaited in an actor",
                 "[actors][coroutine][on_actor][locks]") {
  gale::event ev;
  gale::semaphore sem{0};
  auto actor = sys.spawn(gatekeeper, &ev, &sem);
  caf::scoped_actor self{sys};
  self->send(actor, go_atom::value);
  self->request(actor, 5s, ping_atom::value)
    .receive([](std::string& pong) { CHECK(pong == "pong"); },
             [](caf::error& e) { FAIL(gale::describe(e)); });
  ev.set();
  self->request(actor, 5s, ping_atom::value)
    .receive([](std::string& pong) { CHECK(pong == "pong"); },
             [](caf::error& e) { FAIL(gale::describe(e)); });
  sem.release();
  std::string answer;
  self->receive([&](std::string& r) { answer = r; },
                caf::after(10s) >> [] { FAIL("no answer"); });
  CHECK(answer == "open");
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(gale::test::fixture,
                 "on_actor: a queue and a pool awaited in an actor coroutine",
                 "[actors][coroutine][on_actor]") {
  gale::queue<std::string> q;
  auto actor = sys.spawn(consumer, &q);
  caf::scoped_actor self{sys};
  std::string log;
  self->send(actor, go_atom::value);
  // The coroutine waits on the queue; the actor still answers.
  self->request(actor, 5s, ping_atom::value)
    .receive([](std::string& pong) { CHECK(pong == "pong"); },
             [](caf::error& e) { FAIL(gale::describe(e)); });
  std::thread producer{[&] {
    for (auto s : {"a", "b", "c"}) {
      std::this_thread::sleep_for(5ms);
      q.push(s);
    }
  }};
  self->receive([&](std::string& r) { log = r; },
                caf::after(10s) >> [] { FAIL("no answer"); });
  producer.join();
  CHECK(log == "abc timeout 42 pool");
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(gale::test::fixture,
                 "on_actor: an operation that never completes resumes with "
                 "cancelled",
                 "[actors][coroutine][on_actor]") {
  auto actor = sys.spawn(dropper);
  caf::scoped_actor self{sys};
  std::string answer;
  self->request(actor, 5s, go_atom::value)
    .receive([&](std::string& r) { answer = r; },
             [](caf::error& e) { FAIL(gale::describe(e)); });
  CHECK(answer == "cancelled");
}

TEST_CASE_METHOD(gale::test::fixture,
                 "on_actor: a gale::future set on another thread resumes the "
                 "actor coroutine inside the actor",
                 "[actors][coroutine][on_actor][future]") {
  gale::promise<int> good, bad;
  std::thread::id setter_id;
  auto actor =
    sys.spawn(future_awaiter, good.get_future(), bad.get_future(), &setter_id);
  caf::scoped_actor self{sys};
  self->send(actor, go_atom::value);
  std::thread setter{[&] {
    setter_id = std::this_thread::get_id(); // before the results: seen after
    std::this_thread::sleep_for(20ms);
    good.set_result(42);
    bad.set_error(errc::actor_down);
  }};
  std::string answer;
  self->receive([&](std::string& r) { answer = r; },
                caf::after(10s) >> [] { FAIL("no answer"); });
  setter.join();
  CHECK(answer == "42 inside actor_down");
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
}
