#pragma once

// An io::http_client on a loop of its own, for the client's tests.

#include <gale/io/http_client.hpp>
#include <gale/io/loop.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace gale::test {

using outcome = std::pair<std::error_code, http::response>;

struct client_fixture {
  io::loop loop;
  std::optional<io::http_client> client;

  explicit client_fixture(io::http_client_options opts = {}) {
    loop.start();
    client.emplace(loop.executor(), opts);
  }

  ~client_fixture() {
    client.reset();
    loop.stop();
  }

  std::future<outcome> start(io::http_request req) {
    auto done = std::make_shared<std::promise<outcome>>();
    client->async_fetch(std::move(req),
                        [done](std::error_code ec, http::response r) {
                          done->set_value({ec, std::move(r)});
                        });
    return done->get_future();
  }

  outcome fetch(io::http_request req) {
    auto f = start(std::move(req));
    REQUIRE(f.wait_for(std::chrono::seconds{15}) == std::future_status::ready);
    return f.get();
  }

  outcome fetch(std::string url) {
    io::http_request req;
    req.url = std::move(url);
    return fetch(std::move(req));
  }
};

} // namespace gale::test
