// The io/ layer on its own: a loop thread, timers and a TCP echo written as
// Asio coroutines, without any actor. docs/io-actor.md quotes the regions.
//
// Usage: io_loop
#include <gale/io/loop.hpp>
#include <gale/io/tcp.hpp>
#include <gale/io/timers.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/read.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <asio/write.hpp>

#include <atomic>
#include <future>
#include <iostream>
#include <string>

using namespace std::chrono_literals;

// [echo-server]
// Accepts connections forever and echoes what each sends, all on the loop.
asio::awaitable<void> echo(gale::io::tcp::socket peer) {
  char buf[4096];
  try {
    for (;;) {
      auto n =
        co_await peer.async_read_some(asio::buffer(buf), asio::use_awaitable);
      co_await asio::async_write(peer, asio::buffer(buf, n),
                                 asio::use_awaitable);
    }
  } catch (const std::system_error&) {
    // the peer went away: end this connection only
  }
}

asio::awaitable<void> serve(gale::io::tcp::acceptor acceptor) {
  for (;;) {
    auto peer = co_await acceptor.async_accept(asio::use_awaitable);
    asio::co_spawn(acceptor.get_executor(), echo(std::move(peer)),
                   asio::detached);
  }
}
// [end]

// [echo-client]
asio::awaitable<std::string> ask_echo(std::string port, std::string text) {
  auto ex = co_await asio::this_coro::executor;
  auto socket = co_await gale::io::async_connect(ex, "127.0.0.1", port,
                                                 asio::use_awaitable);
  co_await asio::async_write(socket, asio::buffer(text), asio::use_awaitable);
  std::string reply(text.size(), '\0');
  co_await asio::async_read(socket, asio::buffer(reply), asio::use_awaitable);
  co_return reply;
}
// [end]

int main() {
  // [loop]
  gale::io::loop loop;
  loop.start(); // one thread runs every handler below
  // [end]

  // [timers]
  std::atomic<int> ticks{0};
  auto ticking = gale::io::periodic(loop.executor(), 10ms, [&] { ++ticks; });
  std::promise<void> later;
  gale::io::call_later(loop.executor(), 55ms, [&] {
    ticking.cancel();
    later.set_value();
  });
  later.get_future().wait();
  // [end]
  std::cout << "periodic ticked " << ticks << " times in 55 ms\n";

  std::error_code ec;
  auto acceptor = gale::io::listen(loop.executor(), "127.0.0.1", 0, ec);
  if (ec) {
    std::cerr << "listen: " << ec.message() << "\n";
    return 1;
  }
  auto port = std::to_string(acceptor.local_endpoint().port());
  asio::co_spawn(loop.executor(), serve(std::move(acceptor)), asio::detached);
  auto reply = asio::co_spawn(loop.executor(), ask_echo(port, "hello, loop"),
                              asio::use_future);
  std::cout << "echo server on port " << port << " answered: " << reply.get()
            << "\n";
  loop.stop();
}
