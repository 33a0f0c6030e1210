// gale::when_all over asks inside actor coroutines.

#include "gale/when_ask.hpp"

#include "fixture.hpp"
#include "test_actors.hpp"

#include <catch2/catch.hpp>

#include <asio/cancellation_signal.hpp>

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <numeric>
#include <ranges>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using gale::errc;
using gale::test::add_atom;
using gale::test::fail_atom;
using gale::test::hang_atom;
using gale::test::name_atom;

namespace {

using ping_atom = caf::atom_constant<caf::atom("ping")>;

/// What a coroutine saw, set from inside the actor.
using seen = gale::promise<std::string>;

/// Spawns an actor that runs `body(self, calc, outcome)` as its coroutine.
template <class Body>
void run_in_actor(caf::actor_system& sys, caf::actor calc, seen outcome,
                  Body body) {
  sys.spawn([calc, outcome, body](caf::event_based_actor* self) {
    body(self, calc, outcome);
  });
}

/// Answers `add` with an error.
caf::behavior refuser() {
  return {[](add_atom, int, int) -> caf::result<int> {
    return caf::sec::invalid_argument;
  }};
}

/// Never answers `add`.
caf::behavior silent(caf::event_based_actor* self) {
  return {[self](add_atom, int, int) -> caf::result<int> {
    self->make_response_promise(); // dropped: CAF 0.17 sends nothing
    return caf::delegated<int>{};
  }};
}

std::string join(const std::vector<int>& xs) {
  std::string s;
  for (int x : xs)
    s += std::to_string(x) + " ";
  return s;
}

} // namespace

TEST_CASE_METHOD(gale::test::fixture,
                 "when_all of asks: every reply in order, from a range",
                 "[actors][coroutine][when]") {
  auto calc = sys.spawn(gale::test::calculator);
  seen outcome;
  run_in_actor(
    sys, calc, outcome,
    [](auto* self, caf::actor calc, seen outcome) -> gale::actor_task {
      std::vector<int> items(64);
      std::iota(items.begin(), items.end(), 0);
      // [when-all-asks]
      auto sums = co_await gale::when_all(
        items | std::views::transform([&](int x) {
          return gale::ask<int>(self, calc, 5s, add_atom::value, x, 1);
        }));
      // [end]
      bool in_order = sums.size() == 64;
      for (int i = 0; in_order && i < 64; ++i)
        in_order = sums[i] == i + 1;
      // A vector, and an empty one.
      std::vector<decltype(gale::ask<int>(self, calc, 5s, add_atom::value, 0,
                                          0))>
        asks;
      asks.push_back(gale::ask<int>(self, calc, 5s, add_atom::value, 2, 3));
      asks.push_back(gale::ask<int>(self, calc, 5s, add_atom::value, 4, 5));
      auto two = co_await gale::when_all(asks); // copied: asked again below
      auto again = co_await gale::when_all(std::move(asks));
      asks.clear();
      auto none = co_await gale::when_all(asks);
      outcome.set_result((in_order ? "in order " : "out of order ") + join(two)
                         + join(again) + std::to_string(none.size()));
    });
  CHECK(outcome.get_future().get(10s) == "in order 5 9 5 9 0");
  caf::anon_send_exit(calc, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(gale::test::fixture,
                 "when_all of asks: the first error throws at once; a timeout "
                 "too",
                 "[actors][coroutine][when]") {
  auto calc = sys.spawn(gale::test::calculator);
  seen outcome;
  run_in_actor(
    sys, calc, outcome,
    [](auto* self, caf::actor calc, seen outcome) -> gale::actor_task {
      std::string log;
      try {
        co_await gale::when_all(
          gale::ask<int>(self, calc, 10s, hang_atom::value), // never answers
          gale::ask<int>(self, calc, 10s, fail_atom::value));
        log += "no error";
      } catch (const gale::error& e) {
        log += e.code() == errc::actor_error ? "failed" : e.what();
      }
      try {
        // The asks of a range have one type: here they differ only in
        // their receiver.
        auto quiet = self->spawn(silent);
        std::vector<int> items{1, 2};
        co_await gale::when_all(items | std::views::transform([&](int x) {
                                  return gale::ask<int>(
                                    self, x == 2 ? quiet : calc, 20ms,
                                    add_atom::value, x, x);
                                }));
      } catch (const gale::error& e) {
        log += e.code() == errc::timed_out ? " timed out" : e.what();
      }
      // The actor goes on asking.
      auto [sum, name] = co_await gale::when_all(
        gale::ask<int>(self, calc, 5s, add_atom::value, 1, 1),
        gale::ask<std::string>(self, calc, 5s, name_atom::value));
      log += " " + std::to_string(sum) + " " + name;
      outcome.set_result(log);
    });
  CHECK(outcome.get_future().get(10s) == "failed timed out 2 calculator");
  caf::anon_send_exit(calc, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(gale::test::fixture,
                 "when_all_settled of asks: every outcome, never throwing",
                 "[actors][coroutine][when]") {
  auto calc = sys.spawn(gale::test::calculator);
  auto echo = sys.spawn([] { return caf::behavior{[](ping_atom) {}}; });
  seen outcome;
  sys.spawn([calc, echo, outcome](caf::event_based_actor* self) {
    [](auto* self, caf::actor calc, caf::actor echo,
       seen outcome) -> gale::actor_task {
      std::vector<int> items{1, 2, 3};
      auto no = self->spawn(refuser);
      auto all = co_await gale::when_all_settled(
        items | std::views::transform([&](int x) {
          return gale::ask<int>(self, x == 2 ? no : calc, 5s, add_atom::value,
                                x, 0);
        }));
      std::string log;
      for (auto& f : all) {
        try {
          log += std::to_string(f.get()) + " ";
        } catch (const gale::error&) {
          log += "error ";
        }
      }
      // Different types, a void reply among them.
      auto [pong, bad] = co_await gale::when_all_settled(
        gale::ask<void>(self, echo, 5s, ping_atom::value),
        gale::ask<std::string>(self, calc, 5s, fail_atom::value));
      pong.get();
      log += bad.ready() ? "settled" : "?";
      auto [nothing, sum] = co_await gale::when_all(
        gale::ask<void>(self, echo, 5s, ping_atom::value),
        gale::ask<int>(self, calc, 5s, add_atom::value, 3, 4));
      log += nothing == std::monostate{} ? " " + std::to_string(sum) : " ?";
      outcome.set_result(log);
    }(self, calc, echo, outcome);
  });
  CHECK(outcome.get_future().get(10s) == "1 error 3 settled 7");
  caf::anon_send_exit(calc, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(gale::test::fixture,
                 "when_all of asks: an actor that dies meanwhile destroys the "
                 "coroutine",
                 "[actors][coroutine][when]") {
  auto calc = sys.spawn(gale::test::calculator);
  auto destroyed = std::make_shared<gale::promise<void>>();
  auto asker = sys.spawn([calc, destroyed](caf::event_based_actor* self) {
    [](auto* self, caf::actor calc,
       std::shared_ptr<gale::promise<void>> destroyed) -> gale::actor_task {
      // Set when the frame (and this local) is destroyed.
      auto on_destroy = std::shared_ptr<void>(
        nullptr, [destroyed](void*) { destroyed->set_result(); });
      co_await gale::when_all(
        gale::ask<int>(self, calc, 10s, hang_atom::value),
        gale::ask<int>(self, calc, 10s, add_atom::value, 1, 2));
      destroyed->set_exception(
        std::make_exception_ptr(std::logic_error("resumed")));
    }(self, calc, destroyed);
  });
  caf::anon_send_exit(asker, caf::exit_reason::user_shutdown);
  CHECK_NOTHROW(destroyed->get_future().get(10s));
  caf::anon_send_exit(calc, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(gale::test::fixture,
                 "when_all of asks: an ask cancelled through its slot fails "
                 "with cancelled",
                 "[actors][coroutine][when]") {
  using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
  auto calc = sys.spawn(gale::test::calculator);
  seen outcome;
  sys.spawn([calc, outcome](caf::event_based_actor* self) -> caf::behavior {
    auto signal = std::make_shared<asio::cancellation_signal>();
    [](auto* self, caf::actor calc, auto signal,
       seen outcome) -> gale::actor_task {
      // Another handler of this actor cancels the first ask meanwhile.
      self->delayed_send(self, 20ms, cancel_atom::value);
      std::string log;
      try {
        co_await gale::when_all(
          gale::ask_with_cancellation<int>(self, signal->slot(), calc, 10s,
                                           hang_atom::value),
          gale::ask<int>(self, calc, 10s, hang_atom::value));
        log = "no error";
      } catch (const gale::error& e) {
        log = e.code() == errc::cancelled ? "cancelled" : e.what();
      }
      // Settled: the cancelled one among the others' outcomes.
      self->delayed_send(self, 20ms, cancel_atom::value);
      auto [stopped, sum] = co_await gale::when_all_settled(
        gale::ask_with_cancellation<int>(self, signal->slot(), calc, 10s,
                                         hang_atom::value),
        gale::ask<int>(self, calc, 5s, add_atom::value, 1, 2));
      try {
        stopped.get();
      } catch (const gale::error& e) {
        log += e.code() == errc::cancelled ? " cancelled" : " ?";
      }
      outcome.set_result(log + " " + std::to_string(sum.get()));
    }(self, calc, signal, outcome);
    return {[signal](cancel_atom) {
      signal->emit(asio::cancellation_type::terminal);
    }};
  });
  CHECK(outcome.get_future().get(10s) == "cancelled cancelled 3");
  caf::anon_send_exit(calc, caf::exit_reason::user_shutdown);
}
