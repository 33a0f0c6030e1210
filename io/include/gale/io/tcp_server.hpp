#pragma once

#include <gale/io/detail/completion.hpp>
#include <gale/io/stream.hpp>
#include <gale/io/tls.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

/// Accepting streams: Tornado's TCPServer.
namespace gale::io {

struct tcp_server_options {
  /// An IP address; "" or "::" for every address of both families (one
  /// dual-stack socket); a name ("localhost") for each address it resolves
  /// to, all on one port.
  std::string host = "127.0.0.1";
  std::uint16_t port = 0; ///< 0: any free port
  /// When set, listen on this Unix domain socket path instead of TCP (a
  /// stale socket file there is replaced; the file is removed on stop).
  std::string unix_path;
  int backlog = 1024;
  /// Several servers (one per loop) may share the port: SO_REUSEPORT.
  bool reuse_port = false;
  /// TLS for every connection: the handshake completes before the handler
  /// sees the stream; a connection whose handshake fails is dropped.
  std::optional<tls_options> tls;
  /// A TLS handshake not done within this is given up (the connection is
  /// closed unseen); zero: no limit.
  std::chrono::milliseconds tls_handshake_timeout{10'000};
  /// Open connections at most; beyond it, accepting pauses (new
  /// connections wait in the kernel's backlog) until one closes. 0: no
  /// limit.
  std::size_t max_connections = 0;
  stream_options stream;
};

/// What runs for each accepted connection, on the server's loop.
using stream_handler = std::function<void(stream)>;

/// A handler that runs `body` as a coroutine on the loop for each
/// connection. The function object is kept alive until every coroutine it
/// started has finished (so a capturing lambda does not dangle); an
/// exception escaping one closes that connection only.
stream_handler
coroutine_per_stream(std::function<asio::awaitable<void>(stream)> body);

namespace detail {
class tcp_server_state;
void start_drain(const std::shared_ptr<tcp_server_state>& state,
                 std::chrono::milliseconds grace,
                 completion<std::error_code> done);
} // namespace detail

/// Listens and hands each connection to a handler as a `stream`. All its
/// members are for any thread. Destroying the server stops it (the
/// connections go on).
class tcp_server {
public:
  tcp_server(asio::any_io_executor ex, stream_handler handler);
  ~tcp_server();
  tcp_server(const tcp_server&) = delete;
  tcp_server& operator=(const tcp_server&) = delete;

  /// Opens the listening sockets and starts accepting. Errors: the
  /// address's, bind's (`address_in_use`), the TLS files'.
  std::error_code listen(const tcp_server_options& options);

  /// The bound port (0 for a Unix socket, or before `listen`).
  std::uint16_t port() const noexcept;

  /// Connections accepted and not yet closed.
  std::size_t connections() const noexcept;

  /// Closes the listening sockets; connections already accepted go on.
  /// Idempotent.
  void stop();

  /// Stops, then waits until every connection has closed by itself, for
  /// at most `grace`, and closes those still open. Completion:
  /// `void(std::error_code)`: success when all closed by themselves,
  /// `asio::error::timed_out` when some had to be closed.
  template <asio::completion_token_for<void(std::error_code)> Token>
  auto async_drain(std::chrono::milliseconds grace, Token&& token) {
    return detail::initiate<std::error_code>(
      std::forward<Token>(token), executor_,
      [state = state_, grace](auto done) {
        detail::start_drain(state, grace, std::move(done));
      });
  }

private:
  asio::any_io_executor executor_;
  std::shared_ptr<detail::tcp_server_state> state_;
};

} // namespace gale::io
