#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/compose.hpp>
#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

/// TCP on the loop: name resolution, connecting by host name, listening.
/// Reading, writing and accepting use Asio's own token-based operations on
/// the sockets these return (`async_read_some`, `asio::async_write`,
/// `acceptor::async_accept`).
namespace gale::io {

using tcp = asio::ip::tcp;
using endpoints = std::vector<tcp::endpoint>;

namespace detail {

struct resolve_op {
  std::unique_ptr<tcp::resolver> resolver;
  std::string host;
  std::string service;

  template <class Self>
  void operator()(Self& self) {
    auto& r = *resolver;
    r.async_resolve(host, service, std::move(self));
  }

  template <class Self>
  void operator()(Self& self, std::error_code ec,
                  tcp::resolver::results_type results) {
    endpoints out;
    if (!ec)
      for (const auto& entry : results)
        out.push_back(entry.endpoint());
    if (!ec && out.empty())
      ec = asio::error::host_not_found;
    self.complete(ec, std::move(out));
  }
};

} // namespace detail

/// Resolves `host` and `service` (a port number or a service name) without
/// blocking the loop. Completion: `void(std::error_code, endpoints)`.
template <class Token>
auto async_resolve(const asio::any_io_executor& ex, std::string host,
                   std::string service, Token&& token) {
  return asio::async_compose<Token, void(std::error_code, endpoints)>(
    detail::resolve_op{std::make_unique<tcp::resolver>(ex), std::move(host),
                       std::move(service)},
    token, ex);
}

namespace detail {

struct connect_op {
  asio::any_io_executor ex;
  std::string host;
  std::string service;
  std::unique_ptr<tcp::socket> socket;

  template <class Self>
  void operator()(Self& self) {
    async_resolve(ex, host, service, std::move(self));
  }

  template <class Self>
  void operator()(Self& self, std::error_code ec, endpoints eps) {
    if (ec) {
      self.complete(ec, tcp::socket{ex});
      return;
    }
    socket = std::make_unique<tcp::socket>(ex);
    auto& s = *socket;
    asio::async_connect(s, eps, std::move(self));
  }

  template <class Self>
  void operator()(Self& self, std::error_code ec, const tcp::endpoint&) {
    self.complete(ec, std::move(*socket));
  }
};

} // namespace detail

/// Resolves `host`, then tries each address in turn until one connects.
/// Completion: `void(std::error_code, tcp::socket)`; the error is the last
/// address's when none connects.
template <class Token>
auto async_connect(const asio::any_io_executor& ex, std::string host,
                   std::string service, Token&& token) {
  return asio::async_compose<Token, void(std::error_code, tcp::socket)>(
    detail::connect_op{ex, std::move(host), std::move(service), nullptr}, token,
    ex);
}

/// Opens a listening socket on `host`:`port` (port 0 picks a free one) with
/// SO_REUSEADDR, and SO_REUSEPORT when `reuse_port` (several loops accept
/// on one port). Errors are reported through `ec`.
tcp::acceptor listen(const asio::any_io_executor& ex, const std::string& host,
                     std::uint16_t port, std::error_code& ec,
                     int backlog = 1024, bool reuse_port = false);

} // namespace gale::io
