#pragma once

// Waiting for what a test started on a loop: a std::future within 10 s,
// and a coroutine run on the loop to its result.

#include <gale/io/loop.hpp>

#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>
#include <asio/use_future.hpp>

#include <chrono>
#include <future>

namespace gale::test {

/// `f`'s value, failing the test when it is not ready within 10 s.
template <class T>
T wait(std::future<T> f) {
  REQUIRE(f.wait_for(std::chrono::seconds{10}) == std::future_status::ready);
  return f.get();
}

/// Runs `body()` as a coroutine on `loop` and waits for its result.
template <class F>
auto on(gale::io::loop& loop, F body) {
  return wait(asio::co_spawn(loop.executor(), body(), asio::use_future));
}

} // namespace gale::test
