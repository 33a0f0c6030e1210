#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <cstdint>

namespace gale::test {

/// A loopback port on which nothing listens (bound once, then closed).
inline std::uint16_t closed_port() {
  asio::io_context ctx;
  asio::ip::tcp::acceptor acceptor{
    ctx, asio::ip::tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}};
  return acceptor.local_endpoint().port();
}

} // namespace gale::test
