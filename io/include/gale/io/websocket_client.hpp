#pragma once

#include <gale/io/detail/completion.hpp>
#include <gale/io/detail/unique_function.hpp>
#include <gale/io/http_server.hpp>
#include <gale/io/tls.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace gale::io {

struct websocket_client_options {
  /// Subprotocols to offer, best first; `websocket::subprotocol()` tells
  /// which one the server chose.
  std::vector<std::string> subprotocols;
  /// Extra headers for the opening handshake (Origin, cookies...).
  http::fields headers;
  std::uint64_t max_message = 16 * 1024 * 1024;
  std::chrono::milliseconds connect_timeout{20'000}; ///< handshake included
  /// As in `websocket_options`: pings, and a dead server is dropped.
  std::chrono::milliseconds ping_interval{30'000};
  std::chrono::milliseconds ping_timeout{0};     ///< zero: `ping_interval`
  std::uint64_t max_outgoing = 16 * 1024 * 1024; ///< as in websocket_options
  /// Offer permessage-deflate (without context takeover either way).
  bool permessage_deflate = true;
  bool validate_cert = true; ///< wss: verify the server's certificate
  std::string ca_file;       ///< wss: trusted CAs; empty: the system's
  /// wss, mutual TLS: a PEM certificate chain and key for a server that
  /// asks for one.
  std::string client_certificate_file;
  std::string client_key_file;
  /// wss: an existing OpenSSL context; the file fields are then not read
  /// (`validate_cert` still is).
  std::shared_ptr<asio::ssl::context> tls_context;
  /// A server that refuses the upgrade with an error status (4xx, 5xx):
  /// its whole answer (status, headers, and the body, up to 64 KiB), on the
  /// loop, just before the connect completes with that status's error. A
  /// 404's page or a 401's WWW-Authenticate can be read here in any style.
  std::function<void(http::response)> on_refusal;
};

using websocket_connect_handler =
  detail::unique_function<void(std::error_code, websocket_ptr)>;

namespace detail {
void start_websocket_client(asio::any_io_executor ex, std::string url,
                            websocket_client_options options,
                            websocket_handlers handlers,
                            completion<std::error_code, websocket_ptr> done);
} // namespace detail

/// Connects to a `ws://` or `wss://` URL (happy eyeballs over the host's
/// addresses, TLS for wss with the loop's shared client contexts) and runs
/// the opening handshake (RFC 6455 4.1); then `handlers` get what arrives,
/// as on the server. Completion: `void(std::error_code, websocket_ptr)`,
/// on the handler's associated executor (the loop when it has none), with
/// the connection or an error: the socket's, TLS's,
/// `http::errc::connect_timeout`, `http::make_status_error(status)` when
/// the server answers with an error status (400 and above; its answer goes
/// to `options.on_refusal`), or `ws::errc::...` for any other answer that
/// is no upgrade (a 200 or a redirect: `bad_upgrade`) or a bad one
/// (`invalid_accept`).
template <
  asio::completion_token_for<void(std::error_code, websocket_ptr)> Token>
auto async_connect_websocket(asio::any_io_executor ex, std::string url,
                             websocket_client_options options,
                             websocket_handlers handlers, Token&& token) {
  return detail::initiate<std::error_code, websocket_ptr>(
    std::forward<Token>(token), ex,
    [ex, url = std::move(url), options = std::move(options),
     handlers = std::move(handlers)](auto done) mutable {
      detail::start_websocket_client(ex, std::move(url), std::move(options),
                                     std::move(handlers), std::move(done));
    });
}

/// As above with a plain callback, run on the loop.
inline void connect_websocket(asio::any_io_executor ex, std::string url,
                              websocket_client_options options,
                              websocket_handlers handlers,
                              websocket_connect_handler done) {
  async_connect_websocket(ex, std::move(url), std::move(options),
                          std::move(handlers), std::move(done));
}

} // namespace gale::io
