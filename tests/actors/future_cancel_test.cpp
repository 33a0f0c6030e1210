// gale::future's cancel(), set-unless-cancelled, and chain_future from
// gale's and std's futures.

#include "gale/chain_future.hpp"
#include "gale/future.hpp"
#include "gale/queue.hpp"

#include <catch2/catch.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>

using namespace std::chrono_literals;
using gale::errc;

namespace {

std::error_code code_of(const gale::future<int>& f) {
  try {
    f.get(5s);
  } catch (const gale::error& e) {
    return e.code();
  }
  return {};
}

} // namespace

TEST_CASE("cancel: a pending future fails at once, its producer is told",
          "[actors][future]") {
  gale::promise<int> p;
  auto f = p.get_future();
  std::atomic<int> callbacks{0};
  f.add_done_callback([&](const gale::future<int>&) { ++callbacks; });
  CHECK_FALSE(f.cancelled());
  CHECK(f.cancel());
  CHECK(f.ready());
  CHECK(f.cancelled());
  CHECK(p.cancelled());
  CHECK(callbacks == 1);
  CHECK(code_of(f) == errc::cancelled);
  // What the producer sets later is dropped, not an error.
  CHECK_FALSE(p.set_result(1));
  CHECK_FALSE(p.set_error(make_error_code(errc::timed_out)));
  CHECK(code_of(f) == errc::cancelled);
  CHECK_FALSE(f.cancel()); // once is enough
}

TEST_CASE("cancel: a ready future stays as it is", "[actors][future]") {
  gale::promise<int> p;
  auto f = p.get_future();
  CHECK(p.set_result(7));
  CHECK_FALSE(f.cancel());
  CHECK_FALSE(f.cancelled());
  CHECK(f.get() == 7);
  CHECK_THROWS_AS(p.set_result(8), std::logic_error); // still a bug
}

TEST_CASE("cancel wakes a thread blocked in get", "[actors][future]") {
  gale::promise<int> p;
  auto f = p.get_future();
  std::thread canceller{[f] {
    std::this_thread::sleep_for(20ms);
    f.cancel();
  }};
  CHECK_THROWS_AS(f.get(), gale::error);
  canceller.join();
}

TEST_CASE("an operation's future: cancel it, or the operation itself",
          "[actors][future]") {
  gale::queue<int> q;
  SECTION("the future alone: the operation goes on and its outcome drops") {
    auto f = q.async_pop(gale::use_future);
    CHECK(f.cancel());
    q.push(1); // taken by the waiting pop, whose result nobody reads
    std::this_thread::sleep_for(20ms);
    CHECK(code_of(f) == errc::cancelled);
    CHECK(q.empty());
  }
  SECTION("through the token's slot: the operation stops, nothing is lost") {
    asio::cancellation_signal signal;
    auto f = q.async_pop(
      asio::bind_cancellation_slot(signal.slot(), gale::use_future));
    signal.emit(asio::cancellation_type::terminal);
    CHECK(code_of(f) == errc::cancelled);
    q.push(2);
    CHECK(q.try_pop() == 2);
  }
}

TEST_CASE("chain_future copies an outcome into another promise",
          "[actors][future]") {
  SECTION("a value") {
    gale::promise<int> a, b;
    gale::chain_future(a.get_future(), b);
    a.set_result(5);
    CHECK(b.get_future().get(5s) == 5);
  }
  SECTION("an exception") {
    gale::promise<int> a, b;
    gale::chain_future(a.get_future(), b);
    a.set_error(make_error_code(errc::timed_out));
    CHECK(code_of(b.get_future()) == errc::timed_out);
  }
  SECTION("void") {
    gale::promise<void> a, b;
    gale::chain_future(a.get_future(), b);
    a.set_result();
    CHECK_NOTHROW(b.get_future().get(5s));
  }
  SECTION("a target already done is left alone") {
    gale::promise<int> a, b;
    gale::chain_future(a.get_future(), b);
    CHECK(b.get_future().cancel());
    a.set_result(5);
    CHECK(code_of(b.get_future()) == errc::cancelled);
  }
  SECTION("from a std::future, waited for on the default pool") {
    std::promise<int> source;
    gale::promise<int> b;
    gale::chain_future(source.get_future(), b);
    std::thread producer{[&] {
      std::this_thread::sleep_for(10ms);
      source.set_value(9);
    }};
    CHECK(b.get_future().get(5s) == 9);
    producer.join();
    std::promise<int> failing;
    gale::promise<int> c;
    gale::chain_future(failing.get_future(), c);
    failing.set_exception(std::make_exception_ptr(std::runtime_error("x")));
    CHECK_THROWS_WITH(c.get_future().get(5s), "x");
  }
}
