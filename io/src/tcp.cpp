#include "gale/io/tcp.hpp"

#include <asio/ip/v6_only.hpp>

namespace gale::io {

tcp::acceptor listen(const asio::any_io_executor& ex, const std::string& host,
                     std::uint16_t port, std::error_code& ec, int backlog,
                     bool reuse_port) {
  tcp::acceptor acceptor{ex};
  auto address = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (ec)
    return acceptor;
  tcp::endpoint ep{address, port};
  if (acceptor.open(ep.protocol(), ec))
    return acceptor;
  if (acceptor.set_option(tcp::acceptor::reuse_address(true), ec))
    return acceptor;
  // "::" means every address of both families: one dual-stack socket.
  if (address.is_v6() && address.is_unspecified()
      && acceptor.set_option(asio::ip::v6_only(false), ec))
    return acceptor;
  using reuse_port_option =
    asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
  if (reuse_port && acceptor.set_option(reuse_port_option(true), ec))
    return acceptor;
  if (acceptor.bind(ep, ec))
    return acceptor;
  acceptor.listen(backlog, ec);
  return acceptor;
}

} // namespace gale::io
