#include "gale/io/tcp.hpp"

namespace gale::io {

tcp::acceptor listen(const asio::any_io_executor& ex, const std::string& host,
                     std::uint16_t port, std::error_code& ec, int backlog) {
  tcp::acceptor acceptor{ex};
  auto address = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (ec)
    return acceptor;
  tcp::endpoint ep{address, port};
  if (acceptor.open(ep.protocol(), ec))
    return acceptor;
  if (acceptor.set_option(tcp::acceptor::reuse_address(true), ec))
    return acceptor;
  if (acceptor.bind(ep, ec))
    return acceptor;
  acceptor.listen(backlog, ec);
  return acceptor;
}

} // namespace gale::io
