#include "gale/io/loop.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <future>

using namespace std::chrono_literals;

TEST_CASE("a loop runs posted work on its own thread", "[io][loop]") {
  gale::io::loop loop;
  CHECK_FALSE(loop.running());
  loop.start();
  CHECK(loop.running());
  CHECK_FALSE(loop.in_loop_thread());
  CHECK_FALSE(gale::io::loop::on_any_loop_thread());
  std::promise<std::pair<bool, bool>> seen;
  loop.post([&] {
    seen.set_value(
      {loop.in_loop_thread(), gale::io::loop::on_any_loop_thread()});
  });
  auto f = seen.get_future();
  REQUIRE(f.wait_for(5s) == std::future_status::ready);
  CHECK(f.get() == std::pair{true, true});
}

TEST_CASE("stop is idempotent, joins, and works from the loop thread",
          "[io][loop]") {
  SECTION("twice from outside") {
    gale::io::loop loop;
    loop.start();
    loop.stop();
    CHECK_FALSE(loop.running());
    loop.stop();
    CHECK_FALSE(loop.running());
  }
  SECTION("from a handler on the loop") {
    gale::io::loop loop;
    loop.start();
    std::promise<void> stopped;
    loop.post([&] {
      loop.stop();
      stopped.set_value();
    });
    REQUIRE(stopped.get_future().wait_for(5s) == std::future_status::ready);
    // the destructor joins
  }
  SECTION("never started") {
    gale::io::loop loop;
    loop.stop();
    CHECK_FALSE(loop.running());
  }
}

TEST_CASE("work posted after stop is dropped, not run", "[io][loop]") {
  gale::io::loop loop;
  loop.start();
  loop.stop();
  std::atomic<bool> ran{false};
  loop.post([&] { ran = true; });
  std::this_thread::sleep_for(20ms);
  CHECK_FALSE(ran);
}
