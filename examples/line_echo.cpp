// line_echo: echoes every line it receives, on gale's stream API
// (read_until + write), one loop.
//
// Usage: line_echo --port P [--host H]
//
// Prints "listening on H:P" once it accepts connections; SIGINT or SIGTERM
// stop it with exit status 0. Lines longer than 64 KiB end their
// connection.
#include <gale/io/loop.hpp>
#include <gale/io/signals.hpp>
#include <gale/io/stream.hpp>
#include <gale/io/tcp_server.hpp>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>

namespace {

constexpr std::size_t max_line = 64 * 1024;

// [echo]
// One connection: read a line, write it back once flushed, read the next.
void echo(gale::io::stream s) {
  s.async_read_until(
    "\n", max_line, [s](std::error_code ec, std::string line) mutable {
      if (ec)
        return s.close(ec);
      s.async_write(std::move(line), [s](std::error_code ec) mutable {
        if (!ec)
          echo(std::move(s));
      });
    });
}
// [end]

int usage() {
  std::cerr << "usage: line_echo --port P [--host H]\n";
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  gale::io::tcp_server_options options;
  bool have_port = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help")
      return usage(), 0;
    if (i + 1 >= argc)
      return usage();
    if (arg == "--port") {
      options.port = static_cast<std::uint16_t>(std::atoi(argv[++i]));
      have_port = true;
    } else if (arg == "--host") {
      options.host = argv[++i];
    } else {
      return usage();
    }
  }
  if (!have_port)
    return usage();

  gale::io::loop loop;
  loop.start();
  gale::io::tcp_server server{loop.executor(), echo};
  if (auto ec = server.listen(options)) {
    std::cerr << "line_echo: cannot listen on " << options.host << ":"
              << options.port << ": " << ec.message() << "\n";
    return 1;
  }
  gale::io::signal_waiter stop{loop.executor(), {SIGINT, SIGTERM}};
  std::cout << "listening on " << options.host << ":" << server.port()
            << std::endl;
  stop.wait();
  server.stop();
  return 0;
}
