#include "gale/io/signals.hpp"

#include "gale/io/loop.hpp"

#include "../support/eventually.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <csignal>
#include <future>
#include <thread>

using namespace std::chrono_literals;

namespace {

using gale::test::eventually;

/// Posts a no-op and waits for it: everything posted before has run.
void drain(gale::io::loop& loop) {
  std::promise<void> p;
  loop.post([&] { p.set_value(); });
  REQUIRE(p.get_future().wait_for(5s) == std::future_status::ready);
}

} // namespace

TEST_CASE("several callbacks per signal run on the loop, removal works",
          "[io][signals]") {
  gale::io::loop loop;
  loop.start();
  gale::io::signal_registry registry{loop.executor()};
  std::atomic<int> first{0}, second{0};
  std::atomic<bool> on_loop{true};
  auto a = registry.on(SIGUSR1, [&](int n) {
    CHECK(n == SIGUSR1);
    on_loop = on_loop && loop.in_loop_thread();
    ++first;
  });
  registry.on(SIGUSR1, [&](int) { ++second; });
  drain(loop);
  std::raise(SIGUSR1);
  REQUIRE(eventually([&] { return first == 1 && second == 1; }));
  registry.remove(a);
  drain(loop);
  std::raise(SIGUSR1);
  REQUIRE(eventually([&] { return second == 2; }));
  CHECK(first == 1);
  CHECK(on_loop);
}

TEST_CASE("signals that cannot be caught are refused", "[io][signals]") {
  gale::io::loop loop;
  gale::io::signal_registry registry{loop.executor()};
  CHECK_THROWS_AS(registry.on(SIGKILL, [](int) {}), std::invalid_argument);
  CHECK_THROWS_AS(registry.on(0, [](int) {}), std::invalid_argument);
  CHECK_THROWS_AS(registry.on(100000, [](int) {}), std::invalid_argument);
}

TEST_CASE("signal_waiter: watches from construction, wait returns the first "
          "signal",
          "[io][signals]") {
  gale::io::loop loop;
  loop.start();
  gale::io::signal_waiter stop{loop.executor(), {SIGUSR1, SIGUSR2}};
  ::raise(SIGUSR2); // before wait(): neither missed nor fatal
  ::raise(SIGUSR1);
  CHECK(stop.wait() == SIGUSR2);
  CHECK(stop.wait() == SIGUSR2);
  // On a loop thread it would wait for that loop: refused.
  std::promise<bool> refused;
  loop.post([&] {
    try {
      gale::io::signal_waiter on_loop{loop.executor(), {SIGUSR1}};
      refused.set_value(false);
    } catch (const std::logic_error&) {
      refused.set_value(true);
    }
  });
  CHECK(refused.get_future().get());
}
