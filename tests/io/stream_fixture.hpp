#pragma once

// A loop, a TCP server on it, and one accepted connection as a gale stream
// whose other end is a plain blocking socket the test drives byte by byte.

#include "gale/io/loop.hpp"
#include "gale/io/stream.hpp"
#include "gale/io/tcp_server.hpp"

#include "../support/eventually.hpp"
#include "../support/raw_socket.hpp"

#include <catch2/catch.hpp>

#include <asio/co_spawn.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <optional>

namespace gale::test {

/// Waits for `f` (at most 10 s) and returns its value.
template <class T>
T wait(std::future<T> f) {
  REQUIRE(f.wait_for(std::chrono::seconds{10}) == std::future_status::ready);
  return f.get();
}

/// The error `f` fails with (at most 10 s away); empty when it succeeds.
template <class T>
std::error_code error_of(std::future<T> f) {
  REQUIRE(f.wait_for(std::chrono::seconds{10}) == std::future_status::ready);
  try {
    f.get();
    return {};
  } catch (const std::system_error& e) {
    return e.code();
  }
}

/// Runs the coroutine `make()` on `ex` and waits for its value.
template <class F>
auto run_coroutine(const asio::any_io_executor& ex, F make) {
  return wait(asio::co_spawn(ex, make(), asio::use_future));
}

struct accepted_stream {
  explicit accepted_stream(io::stream_options options = {}) {
    loop.start();
    server.emplace(loop.executor(),
                   [this](io::stream s) { accepted.set_value(std::move(s)); });
    io::tcp_server_options o;
    o.stream = options;
    REQUIRE_FALSE(server->listen(o));
    peer.emplace(server->port());
    stream = wait(accepted.get_future());
  }

  io::loop loop;
  std::promise<io::stream> accepted;
  std::optional<io::tcp_server> server;
  std::optional<raw_socket> peer;
  io::stream stream;
};

} // namespace gale::test
