#pragma once

#include <gale/io/detail/completion.hpp>
#include <gale/io/stream.hpp>
#include <gale/io/tls.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

/// Opening streams: Tornado's TCPClient.
namespace gale::io {

enum class address_family { any, v4, v6 };

/// The steps of a connect before its completion (which ends the TLS
/// handshake, when there is one).
enum class connect_step {
  resolved,  ///< the addresses are known (at once for literals, mappings)
  connected, ///< a TCP or Unix connection is open
};

/// Names answered without DNS (Tornado's OverrideResolver): a host name
/// maps to the addresses to try, in order. An address whose port is 0
/// takes the port asked for.
using host_mapping =
  std::map<std::string, std::vector<asio::ip::tcp::endpoint>>;

struct connect_options {
  /// From the start until the stream is ready (name resolution and the TLS
  /// handshake included); then `asio::error::timed_out`.
  std::chrono::milliseconds timeout{20'000};
  /// Happy eyeballs (RFC 8305): the next address is tried when an attempt
  /// has not connected within this delay (at once when it fails); the first
  /// to connect wins and the others are cancelled.
  std::chrono::milliseconds attempt_delay{250};
  address_family family = address_family::any;
  /// The local address and port to connect from ("" and 0: any).
  std::string source_address;
  std::uint16_t source_port = 0;
  /// TLS on the connection once it is open; an empty `server_name` is the
  /// host connected to.
  std::optional<tls_options> tls;
  stream_options stream;
  host_mapping hosts;
  /// Told on the loop as each step ends (for timing, as the HTTP client's
  /// time_info does); may be empty.
  std::function<void(connect_step)> on_step{};
};

namespace detail {
void start_connect(asio::any_io_executor ex, std::string host,
                   std::uint16_t port, connect_options options,
                   completion<std::error_code, stream> done);
void start_connect_unix(asio::any_io_executor ex, std::string path,
                        connect_options options,
                        completion<std::error_code, stream> done);
} // namespace detail

/// Resolves `host` (an IP address, a name in `options.hosts`, or through
/// DNS without blocking the loop), connects with happy eyeballs over its
/// addresses, and starts TLS when asked. Completion:
/// `void(std::error_code, stream)`: the last attempt's error when no
/// address connects, `asio::error::timed_out` after `options.timeout`,
/// `operation_aborted` when cancelled (every attempt is then closed).
template <asio::completion_token_for<void(std::error_code, stream)> Token>
auto async_connect_stream(asio::any_io_executor ex, std::string host,
                          std::uint16_t port, connect_options options,
                          Token&& token) {
  return detail::initiate<std::error_code, stream>(
    std::forward<Token>(token), ex,
    [ex, host = std::move(host), port,
     options = std::move(options)](auto done) mutable {
      detail::start_connect(ex, std::move(host), port, std::move(options),
                            std::move(done));
    });
}

/// Connects to the Unix domain socket at `path` (TLS, timeout and buffer
/// options as above). Completion: `void(std::error_code, stream)`.
template <asio::completion_token_for<void(std::error_code, stream)> Token>
auto async_connect_unix(asio::any_io_executor ex, std::string path,
                        connect_options options, Token&& token) {
  return detail::initiate<std::error_code, stream>(
    std::forward<Token>(token), ex,
    [ex, path = std::move(path),
     options = std::move(options)](auto done) mutable {
      detail::start_connect_unix(ex, std::move(path), std::move(options),
                                 std::move(done));
    });
}

/// The order happy eyeballs tries `addresses` in (RFC 8305 4): the
/// families alternate, starting with the first address's, each family in
/// its own order; addresses of a family `family` excludes are dropped.
std::vector<asio::ip::tcp::endpoint>
interleave_families(const std::vector<asio::ip::tcp::endpoint>& addresses,
                    address_family family = address_family::any);

} // namespace gale::io
