// The peer for the WebSocket echo benchmark: a minimal single-threaded
// Boost.Beast echo server (what the issue measured against), one
// io_context, one session per connection, each message written back as
// it came (text or binary). Not part of gale; built only for benchmarks.
//
// Usage: bench_ws_echo_beast PORT
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include <cstdlib>
#include <iostream>
#include <memory>

namespace net = boost::asio;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;

namespace {

class session : public std::enable_shared_from_this<session> {
public:
  explicit session(tcp::socket socket) : ws_(std::move(socket)) {}

  void start() {
    ws_.async_accept([self = shared_from_this()](auto ec) {
      if (!ec)
        self->read();
    });
  }

private:
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](auto ec, auto) {
      if (ec)
        return;
      self->ws_.text(self->ws_.got_text());
      self->ws_.async_write(self->buffer_.data(), [self](auto ec, auto) {
        if (ec)
          return;
        self->buffer_.consume(self->buffer_.size());
        self->read();
      });
    });
  }

  websocket::stream<tcp::socket> ws_;
  boost::beast::flat_buffer buffer_;
};

void accept(tcp::acceptor& acceptor) {
  acceptor.async_accept([&acceptor](auto ec, tcp::socket socket) {
    if (!ec) {
      socket.set_option(tcp::no_delay{true});
      std::make_shared<session>(std::move(socket))->start();
    }
    accept(acceptor);
  });
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: bench_ws_echo_beast PORT\n";
    return 2;
  }
  net::io_context io{1};
  tcp::acceptor acceptor{io,
                         {net::ip::make_address("127.0.0.1"),
                          static_cast<unsigned short>(std::atoi(argv[1]))}};
  accept(acceptor);
  std::cout << "listening on 127.0.0.1:" << acceptor.local_endpoint().port()
            << std::endl;
  io.run();
}
