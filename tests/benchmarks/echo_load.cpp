// Load for the echo benchmarks: C connections on one thread, each sending
// an S-byte message, waiting for its echo and sending the next, back to
// back, for T seconds. `ws`: a WebSocket text message on /ws (frames built
// once, masked as a client must, so the client spends its time on the
// network, not on framing); `line`: S bytes and a newline. Every echo is
// checked byte for byte.
//
// Usage: bench_echo_load ws|line PORT [CONNECTIONS] [SIZE] [SECONDS]
// Prints: "<round trips> round trips in <s> s: <r> per second"
#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/streambuf.hpp>
#include <asio/write.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

using asio::ip::tcp;

namespace {

struct shared_state {
  bool websocket = true;
  std::string frame;    ///< what is sent again and again
  std::string expected; ///< the server's answer
  std::uint64_t round_trips = 0;
  bool measuring = false, done = false;
  int failures = 0;
};

class connection : public std::enable_shared_from_this<connection> {
public:
  connection(asio::io_context& io, shared_state& s) : socket_(io), s_(s) {}

  void start(const tcp::endpoint& to, std::uint16_t port) {
    socket_.connect(to);
    socket_.set_option(tcp::no_delay{true});
    answer_.resize(s_.expected.size());
    if (s_.websocket)
      handshake(port);
    send();
  }

private:
  void handshake(std::uint16_t port) {
    std::string request =
      "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port)
      + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n";
    asio::write(socket_, asio::buffer(request));
    asio::streambuf head;
    auto n = asio::read_until(socket_, head, "\r\n\r\n");
    std::string text{asio::buffers_begin(head.data()),
                     asio::buffers_begin(head.data()) + n};
    if (text.rfind("HTTP/1.1 101", 0) != 0 || head.size() != n)
      throw std::runtime_error("handshake refused: " + text);
  }

  void send() {
    asio::async_write(
      socket_, asio::buffer(s_.frame),
      [self = shared_from_this()](std::error_code ec, std::size_t) {
        if (ec)
          return self->fail(ec);
        asio::async_read(self->socket_, asio::buffer(self->answer_),
                         [self](std::error_code ec, std::size_t) {
                           if (ec)
                             return self->fail(ec);
                           if (self->answer_ != self->s_.expected)
                             return self->fail({});
                           if (self->s_.measuring)
                             ++self->s_.round_trips;
                           if (!self->s_.done)
                             self->send();
                         });
      });
  }

  void fail(std::error_code ec) {
    if (!s_.done) {
      ++s_.failures;
      std::cerr << "connection failed: "
                << (ec ? ec.message() : std::string{"wrong echo"}) << "\n";
    }
  }

  tcp::socket socket_;
  shared_state& s_;
  std::string answer_;
};

// A masked client text frame of `payload`, and its unmasked echo.
void ws_frames(shared_state& s, const std::string& payload) {
  auto size = payload.size();
  const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
  s.frame = {char(0x81), char(0x80 | size)};
  s.frame.append(reinterpret_cast<const char*>(mask), 4);
  for (std::size_t i = 0; i < size; ++i)
    s.frame.push_back(char(payload[i] ^ mask[i % 4]));
  s.expected = {char(0x81), char(size)};
  s.expected += payload;
}

} // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (argc < 3 || (mode != "ws" && mode != "line")) {
    std::cerr << "usage: bench_echo_load ws|line PORT [CONNECTIONS] [SIZE] "
                 "[SECONDS]\n";
    return 2;
  }
  auto port = static_cast<std::uint16_t>(std::atoi(argv[2]));
  int connections = argc > 3 ? std::atoi(argv[3]) : 64;
  std::size_t size = argc > 4 ? std::atoi(argv[4]) : 32;
  double seconds = argc > 5 ? std::atof(argv[5]) : 5;
  if (mode == "ws" && size > 125) {
    std::cerr << "SIZE must fit a one-byte length (<= 125)\n";
    return 2;
  }
  shared_state s;
  std::string payload(size, 'w');
  if (mode == "line") {
    s.websocket = false;
    s.frame = s.expected = payload + "\n";
  } else {
    ws_frames(s, payload);
  }

  asio::io_context io{1};
  tcp::endpoint to{asio::ip::make_address("127.0.0.1"), port};
  try {
    for (int i = 0; i < connections; ++i)
      std::make_shared<connection>(io, s)->start(to, port);
  } catch (const std::exception& e) {
    std::cerr << "bench_echo_load: " << e.what() << "\n";
    return 1;
  }
  // One second of warm-up, then the measured window.
  asio::steady_timer timer{io, std::chrono::seconds{1}};
  std::chrono::steady_clock::time_point start;
  timer.async_wait([&](std::error_code) {
    s.measuring = true;
    start = std::chrono::steady_clock::now();
    timer.expires_after(std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(seconds)));
    timer.async_wait([&](std::error_code) {
      s.measuring = false;
      s.done = true;
      io.stop();
    });
  });
  io.run();
  auto elapsed =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
  std::cout << s.round_trips << " round trips in " << elapsed
            << " s: " << static_cast<std::uint64_t>(s.round_trips / elapsed)
            << " per second" << std::endl;
  return s.failures ? 1 : 0;
}
