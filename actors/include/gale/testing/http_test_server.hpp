#pragma once

#include "gale/http/client.hpp"
#include "gale/io_actor.hpp"

#include <gale/io/http_server.hpp>

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>

#include <caf/actor_system_config.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <string_view>

/// Help for testing your own handlers, in the spirit of Tornado's
/// AsyncHTTPTestCase.
namespace gale::testing {

/// An actor system, an I/O actor and an HTTP server with your handler on a
/// free loopback port, all torn down in order when it goes out of scope.
///
/// ```
/// gale::testing::http_test_server srv{my_handler};
/// auto res = srv.fetch("/hello");              // waits at most 5 s
/// CHECK(res.body == "hi");
/// auto n = srv.run(count_things(srv.client()));  // a coroutine, 5 s
/// ```
class http_test_server {
public:
  explicit http_test_server(io::http_handler handler,
                            io::http_server_options options = {});
  ~http_test_server();

  http_test_server(const http_test_server&) = delete;
  http_test_server& operator=(const http_test_server&) = delete;

  caf::actor_system& system() noexcept;
  const io_actor& io() const noexcept;
  std::uint16_t port() const noexcept;

  /// "http://127.0.0.1:PORT" + `path`.
  std::string url(std::string_view path = "/") const;

  /// An HTTP client on the same I/O actor.
  const http::client& client() const noexcept;

  /// GETs `path`; any status is a response (no status errors). Throws
  /// `gale::error` for a failure, `http::errc::request_timeout` after
  /// `deadline`.
  http::response
  fetch(std::string_view path,
        std::chrono::milliseconds deadline = std::chrono::seconds{5}) const;

  /// Fetches `req` (a path in `req.url` is made absolute) within
  /// `deadline`.
  http::response
  fetch(io::http_request req,
        std::chrono::milliseconds deadline = std::chrono::seconds{5}) const;

  /// Runs `coro` on an event loop of its own and returns its result;
  /// rethrows its exception; throws `errc::timed_out` when it has not
  /// finished within `deadline`.
  template <class T>
  T run(asio::awaitable<T> coro,
        std::chrono::milliseconds deadline = std::chrono::seconds{5}) const {
    asio::io_context ctx;
    auto result = asio::co_spawn(ctx, std::move(coro), asio::use_future);
    ctx.run_for(deadline);
    if (result.wait_for(std::chrono::seconds{0}) != std::future_status::ready)
      throw error{make_error_code(errc::timed_out)};
    return result.get();
  }

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace gale::testing
