#pragma once

// An io::http_server on a loop of its own, for the server's tests.

#include <gale/io/http_server.hpp>
#include <gale/io/loop.hpp>

#include <catch2/catch.hpp>

#include <future>
#include <optional>
#include <string>

namespace gale::test {

/// A server on a loop of its own, answering with `handler`.
struct server_fixture {
  io::loop loop;
  std::optional<io::http_server> server;

  explicit server_fixture(io::http_handler handler,
                          io::http_server_options opts = {}) {
    loop.start();
    std::promise<std::error_code> ready;
    loop.post([&] {
      server.emplace(loop.executor(), opts, std::move(handler));
      ready.set_value(server->listen());
    });
    REQUIRE_FALSE(ready.get_future().get());
  }

  ~server_fixture() {
    std::promise<void> gone;
    loop.post([&] {
      server.reset();
      gone.set_value();
    });
    gone.get_future().wait();
    loop.stop();
  }

  std::uint16_t port() const { return server->port(); }
  std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port()) + path;
  }

  std::size_t connections() {
    std::promise<std::size_t> n;
    loop.post([&] { n.set_value(server->connections()); });
    return n.get_future().get();
  }
};

/// What `listen()` says for a server with `opts` (on a loop of its own,
/// stopped before this returns): for options that must be refused.
inline std::error_code listen_error(const io::http_server_options& opts) {
  io::loop loop;
  loop.start();
  std::promise<std::error_code> result;
  loop.post([&] {
    io::http_server s{loop.executor(), opts, [](io::exchange_ptr) {}};
    result.set_value(s.listen());
  });
  auto ec = result.get_future().get();
  loop.stop();
  return ec;
}

} // namespace gale::test
