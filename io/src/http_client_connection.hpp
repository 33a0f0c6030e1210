#pragma once

// Internal pieces of io::http_client: a pooled connection that may speak
// TLS, and the TLS contexts the client shares.

#include <asio/buffer.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/write.hpp>

#include "deadline.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

namespace gale::io::detail {

using tcp = asio::ip::tcp;

/// One connection of the client's pool: a TCP socket, TLS on top when the
/// scheme is https. Lives in a shared_ptr; its handlers keep it alive.
class client_connection {
public:
  explicit client_connection(const asio::any_io_executor& ex)
    : socket(ex), idle_timer_(ex) {}

  tcp::socket socket;
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls;
  bool reused = false; ///< taken from the pool at least once

  /// Wraps the socket in TLS for `host` (SNI when `send_sni`), verifying
  /// the peer's certificate and name when `verify`.
  void start_tls(asio::ssl::context& ctx, const std::string& host,
                 bool send_sni, bool verify);

  template <class Buffers, class Handler>
  void read_some(const Buffers& b, Handler&& h) {
    if (tls)
      tls->async_read_some(b, std::forward<Handler>(h));
    else
      socket.async_read_some(b, std::forward<Handler>(h));
  }

  template <class Buffers, class Handler>
  void write(const Buffers& b, Handler&& h) {
    if (tls)
      asio::async_write(*tls, b, std::forward<Handler>(h));
    else
      asio::async_write(socket, b, std::forward<Handler>(h));
  }

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
    std::error_code ignored;
    idle_timer_.cancel();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

private:
  deadline idle_timer_;
};

/// The client's TLS contexts, one per verification setting, made on first
/// use (loading the system's CA store once, not per connection).
class tls_contexts {
public:
  /// The context for `verify` and `ca_file` (empty: the system store);
  /// null with `ec` set when the CA file cannot be loaded.
  asio::ssl::context* get(bool verify, const std::string& ca_file,
                          std::error_code& ec);

private:
  std::map<std::pair<bool, std::string>, std::unique_ptr<asio::ssl::context>>
    contexts_;
};

/// True for a dotted-quad IPv4 address, which SNI may not carry.
bool is_ipv4_literal(const std::string& host);

} // namespace gale::io::detail
