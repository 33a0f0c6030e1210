#pragma once

// Internal piece of io::http_client: a pooled connection, a stream (plain or
// TLS) with the timer that ends it when it stays idle in the pool.

#include "deadline.hpp"

#include <gale/io/stream.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

namespace gale::io::detail {

/// One connection of the client's pool. Lives in a shared_ptr; its
/// handlers keep it alive.
class client_connection {
public:
  client_connection(stream s, const asio::any_io_executor& ex)
    : stream_(std::move(s)), idle_timer_(ex) {}

  bool reused = false; ///< taken from the pool at least once

  /// The next bytes that arrive (at most 16 KiB):
  /// `void(std::error_code, std::string)`.
  template <class Handler>
  void read_some(Handler&& h) {
    stream_.async_read_bytes(16 * 1024, true, std::forward<Handler>(h));
  }

  /// Sends `bytes`: `void(std::error_code)` once they are handed over.
  template <class Handler>
  void write(std::string bytes, Handler&& h) {
    stream_.async_write(std::move(bytes), std::forward<Handler>(h));
  }

  stream& io() noexcept { return stream_; }

  /// Parks the connection; `on_idle_timeout` runs if it stays unused.
  void enter_pool(std::chrono::milliseconds idle_timeout,
                  std::function<void()> on_idle_timeout) {
    idle_timer_.arm(idle_timeout, std::move(on_idle_timeout));
  }

  void leave_pool() {
    idle_timer_.cancel();
    reused = true;
  }

  void close() {
    idle_timer_.cancel();
    stream_.close();
  }

private:
  stream stream_;
  deadline idle_timer_;
};

} // namespace gale::io::detail
