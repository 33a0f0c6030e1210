// The peer of the line echo benchmark: the same line echo as
// examples/line_echo, written on raw Asio (async_read_until into a dynamic
// buffer, async_write back, one thread), as an Asio user would.
//
// Usage: bench_line_echo_asio PORT
// Prints "listening" once it accepts connections.
#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/write.hpp>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

using asio::ip::tcp;

namespace {

class session : public std::enable_shared_from_this<session> {
public:
  explicit session(tcp::socket s) : socket_(std::move(s)) {}

  void read() {
    asio::async_read_until(
      socket_, asio::dynamic_buffer(buffer_, 64 * 1024), '\n',
      [self = shared_from_this()](std::error_code ec, std::size_t n) {
        if (!ec)
          self->write(n);
      });
  }

private:
  void write(std::size_t n) {
    asio::async_write(
      socket_, asio::buffer(buffer_.data(), n),
      [self = shared_from_this(), n](std::error_code ec, std::size_t) {
        if (ec)
          return;
        self->buffer_.erase(0, n);
        self->read();
      });
  }

  tcp::socket socket_;
  std::string buffer_;
};

void accept(tcp::acceptor& acceptor) {
  acceptor.async_accept([&acceptor](std::error_code ec, tcp::socket s) {
    if (!ec)
      std::make_shared<session>(std::move(s))->read();
    accept(acceptor);
  });
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: bench_line_echo_asio PORT\n";
    return 2;
  }
  asio::io_context io{1};
  tcp::acceptor acceptor{io,
                         {asio::ip::make_address("127.0.0.1"),
                          static_cast<std::uint16_t>(std::atoi(argv[1]))}};
  accept(acceptor);
  std::cout << "listening" << std::endl;
  io.run();
}
