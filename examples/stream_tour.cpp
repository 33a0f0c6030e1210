// stream_tour: every read of gale's stream API once, against a small
// server in the same program, from an Asio coroutine.
//
// Usage: stream_tour
// Prints one line per step and exits 0; exits 1 if a step goes wrong.
#include <gale/io/loop.hpp>
#include <gale/io/stream.hpp>
#include <gale/io/tcp_client.hpp>
#include <gale/io/tcp_server.hpp>

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <array>
#include <iostream>
#include <string>

namespace io = gale::io;
using namespace std::chrono_literals;
using asio::use_awaitable;

namespace {

// The server side: one greeting, then whatever it is asked to send.
io::stream_handler talker() {
  // [coroutine-server]
  return io::coroutine_per_stream([](io::stream s) -> asio::awaitable<void> {
    co_await s.async_write("HELLO 1.0\r\nsize=12;data:abcdefghijkl",
                           use_awaitable);
    for (;;) {
      auto [ec, line] = co_await s.async_read_until(
        "\n", 1024, asio::experimental::as_tuple(use_awaitable));
      if (ec)
        co_return; // the client went away, or sent a line too long
      co_await s.async_write("echo " + line, use_awaitable);
    }
  });
  // [end]
}

asio::awaitable<void> tour(std::uint16_t port) {
  auto ex = co_await asio::this_coro::executor;
  // [connect]
  io::connect_options options;
  options.timeout = 5s;
  // Tornado's OverrideResolver: this name needs no DNS.
  options.hosts["talker.test"] = {{asio::ip::make_address("127.0.0.1"), 0}};
  io::stream s = co_await io::async_connect_stream(ex, "talker.test", port,
                                                   options, use_awaitable);
  // [end]
  // [reads]
  auto greeting = co_await s.async_read_until("\r\n", 64, use_awaitable);
  auto size =
    co_await s.async_read_until_regex("size=[0-9]+;", 64, use_awaitable);
  auto tag = co_await s.async_read_bytes(5, false, use_awaitable); // "data:"
  std::array<char, 4> four{};
  co_await s.async_read_into(asio::buffer(four), false, use_awaitable);
  auto rest = co_await s.async_read_bytes(100, true, use_awaitable);
  // [end]
  std::cout << "read_until       " << greeting.substr(0, greeting.size() - 2)
            << "\nread_until_regex " << size << "\nread_bytes       " << tag
            << "\nread_into        " << std::string(four.data(), 4)
            << "\nread_bytes/part  " << rest << "\n";

  // [timeout]
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer timer{ex, 50ms};
  auto first = co_await (s.async_read_until("\n", 0, use_awaitable)
                         || timer.async_wait(use_awaitable));
  if (first.index() == 1)
    std::cout << "timeout          nothing within 50 ms, no byte lost\n";
  // [end]

  // [write-and-errors]
  co_await s.async_write("ping\n", use_awaitable);
  std::cout << "write + read     "
            << co_await s.async_read_until("\n", 0, use_awaitable);
  co_await s.async_write(std::string(2000, 'x') + "\n", use_awaitable);
  auto [ec, none] = co_await s.async_read_until(
    "\n", 0, asio::experimental::as_tuple(use_awaitable));
  if (ec == io::stream_condition::closed)
    std::cout << "closed           by the peer: " << ec.message() << "\n";
  // [end]
}

} // namespace

int main() {
  io::loop loop;
  loop.start();
  // [server]
  io::tcp_server server{loop.executor(), talker()};
  io::tcp_server_options options; // 127.0.0.1, any free port
  if (auto ec = server.listen(options)) {
    std::cerr << "stream_tour: " << ec.message() << "\n";
    return 1;
  }
  // [end]
  try {
    asio::co_spawn(loop.executor(), tour(server.port()), asio::use_future)
      .get();
  } catch (const std::system_error& e) {
    std::cerr << "stream_tour: " << e.code().message() << "\n";
    return 1;
  }
  return 0;
}
