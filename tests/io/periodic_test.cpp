// Tornado's timer semantics on the loop thread, and PeriodicCallback's
// start, stop, jitter and skipping of overrun cycles.
#include "gale/io/timers.hpp"

#include "gale/io/loop.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <numeric>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using gale::io::steady_clock;

namespace {

// Runs `f` on the loop and waits for it.
template <class F>
void on_loop(gale::io::loop& loop, F f) {
  std::promise<void> done;
  loop.post([&] {
    f();
    done.set_value();
  });
  REQUIRE(done.get_future().wait_for(5s) == std::future_status::ready);
}

// Tick times of a periodic callback, read on the main thread afterwards.
struct tick_log {
  std::mutex mutex;
  std::vector<steady_clock::time_point> times;
  void tick() {
    std::lock_guard guard{mutex};
    times.push_back(steady_clock::now());
  }
  std::size_t count() {
    std::lock_guard guard{mutex};
    return times.size();
  }
};

} // namespace

TEST_CASE("a timer cancelled by another one due in the same pass does not run",
          "[io][timers]") {
  gale::io::loop loop;
  loop.start();
  std::atomic<int> ran{0};
  auto due = steady_clock::now() + 20ms;
  gale::io::timer_handle first, second;
  on_loop(loop, [&] {
    // Each cancels the other: whichever runs first must stop the other,
    // although both expired before the loop looked (it was blocked).
    first = gale::io::call_at(loop.executor(), due, [&] {
      ++ran;
      second.cancel();
    });
    second = gale::io::call_at(loop.executor(), due, [&] {
      ++ran;
      first.cancel();
    });
    std::this_thread::sleep_until(due + 30ms);
  });
  std::this_thread::sleep_for(50ms);
  on_loop(loop, [] {});
  CHECK(ran == 1);
}

TEST_CASE("cancelling a timer after it ran is harmless", "[io][timers]") {
  gale::io::loop loop;
  loop.start();
  std::promise<void> fired;
  auto handle =
    gale::io::call_later(loop.executor(), 1ms, [&] { fired.set_value(); });
  REQUIRE(fired.get_future().wait_for(5s) == std::future_status::ready);
  handle.cancel();
  on_loop(loop, [&] { handle.cancel(); });
  std::promise<void> next;
  gale::io::call_later(loop.executor(), 1ms, [&] { next.set_value(); });
  CHECK(next.get_future().wait_for(5s) == std::future_status::ready);
}

TEST_CASE("a periodic callback stops, says so, and starts again",
          "[io][timers]") {
  gale::io::loop loop;
  loop.start();
  tick_log log;
  auto ticking = gale::io::periodic(loop.executor(), 10ms, [&] { log.tick(); });
  CHECK(ticking.is_running());
  std::this_thread::sleep_for(60ms);
  ticking.stop();
  CHECK_FALSE(ticking.is_running());
  on_loop(loop, [] {});
  auto stopped_at = log.count();
  CHECK(stopped_at >= 1);
  std::this_thread::sleep_for(60ms);
  CHECK(log.count() == stopped_at);

  ticking.start();
  ticking.start(); // no second series of ticks
  CHECK(ticking.is_running());
  std::this_thread::sleep_for(200ms);
  ticking.stop();
  on_loop(loop, [] {});
  auto restarted = log.count() - stopped_at;
  CHECK(restarted >= 3);
  CHECK(restarted <= 22); // about 20 at one tick per 10 ms, not 40
  CHECK_FALSE(gale::io::periodic_handle{}.is_running());
}

TEST_CASE("a periodic callback restarts itself from its own callback",
          "[io][timers]") {
  gale::io::loop loop;
  loop.start();
  std::atomic<int> ticks{0};
  std::promise<gale::io::periodic_handle> handle_ready;
  auto handle = handle_ready.get_future().share();
  auto ticking = gale::io::periodic(loop.executor(), 10ms, [&] {
    auto self = handle.get();
    if (++ticks < 3) {
      self.stop();
      self.start();
    } else {
      self.stop();
    }
  });
  handle_ready.set_value(ticking);
  std::this_thread::sleep_for(150ms);
  on_loop(loop, [] {});
  CHECK(ticks == 3);
  CHECK_FALSE(ticking.is_running());
}

TEST_CASE("an overrun skips whole cycles, then ticks on the grid",
          "[io][timers]") {
  gale::io::loop loop;
  loop.start();
  constexpr auto interval = 60ms;
  tick_log log;
  std::atomic<int> ticks{0};
  auto start = steady_clock::now();
  auto ticking = gale::io::periodic(loop.executor(), interval, [&] {
    log.tick();
    if (++ticks == 2)
      std::this_thread::sleep_for(interval * 5 / 2); // overruns 2.5 cycles
  });
  while (log.count() < 4)
    std::this_thread::sleep_for(10ms);
  ticking.stop();
  on_loop(loop, [] {});
  std::vector<steady_clock::time_point> t;
  {
    std::lock_guard guard{log.mutex};
    t = log.times;
  }
  // The grid is start + k * interval. Ticks 1, 2 at k = 1, 2; the overrun
  // ends at k = 4.5, so the next tick is at k = 5, then 6: no burst.
  auto cycles = [&](steady_clock::time_point at) {
    return std::chrono::duration<double>(at - start) / interval;
  };
  CHECK(cycles(t[2]) > 4.5);
  CHECK(cycles(t[2]) < 5.4);
  CHECK(cycles(t[3]) - cycles(t[2]) > 0.6);
}

TEST_CASE("jitter varies each interval around the period", "[io][timers]") {
  gale::io::loop loop;
  loop.start();
  tick_log log;
  auto ticking = gale::io::periodic(
    loop.executor(), 20ms, [&] { log.tick(); }, 1.0);
  while (log.count() < 16)
    std::this_thread::sleep_for(10ms);
  ticking.stop();
  on_loop(loop, [] {});
  std::vector<double> gaps_ms;
  {
    std::lock_guard guard{log.mutex};
    for (std::size_t i = 1; i < log.times.size(); ++i)
      gaps_ms.push_back(std::chrono::duration<double, std::milli>(
                          log.times[i] - log.times[i - 1])
                          .count());
  }
  auto [lo, hi] = std::minmax_element(gaps_ms.begin(), gaps_ms.end());
  CHECK(*hi - *lo > 3); // without jitter every gap is 20 ms give or take 1
  auto mean = std::accumulate(gaps_ms.begin(), gaps_ms.end(), 0.0)
              / static_cast<double>(gaps_ms.size());
  CHECK(mean > 12); // the period on average, 20 ms, late ticks aside
  CHECK_THROWS_AS(gale::io::periodic(
                    loop.executor(), 10ms, [] {}, 1.5),
                  std::invalid_argument);
  CHECK_THROWS_AS(gale::io::periodic(
                    loop.executor(), 10ms, [] {}, -0.1),
                  std::invalid_argument);
}
