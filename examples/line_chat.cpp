// line_chat: a chat over lines of text, server and client, on gale's
// stream API (Tornado's TCPServer demo, grown into a room).
//
// Serve:   line_chat --port P [--host H] [--tls-cert FILE --tls-key FILE]
//          line_chat --unix PATH           [--tls-cert FILE --tls-key FILE]
// Connect: line_chat --connect H:P         [--tls-ca FILE] [--tls-name NAME]
//          line_chat --connect-unix PATH   [--tls-ca FILE] [--tls-name NAME]
//
// The server prints "listening on H:P" (or "listening on PATH") once it
// accepts connections. A newcomer is told "* you are guest-N"; every line
// one member sends reaches every other member as "guest-N: line"; the room
// hears "* guest-N joined" and "* guest-N left". A line over 4 KiB gets
// "* line too long" and ends that member's connection; a member who reads
// so slowly that 1 MiB waits for it is dropped. Nobody else is disturbed.
// SIGINT or SIGTERM stop the server with exit status 0.
//
// The client sends each line of its standard input and prints each line
// the server sends; it exits 0 when its input ends (after sending it) or
// when the server closes the connection, 1 when it cannot connect.
#include <gale/io/loop.hpp>
#include <gale/io/signals.hpp>
#include <gale/io/stream.hpp>
#include <gale/io/tcp_client.hpp>
#include <gale/io/tcp_server.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <csignal>
#include <cstdlib>
#include <future>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <thread>

namespace io = gale::io;
using asio::use_awaitable;
using asio::experimental::as_tuple;

namespace {

constexpr std::size_t max_line = 4096;

struct options {
  io::tcp_server_options serve;
  bool serving = false;
  std::string connect_host; ///< or the Unix path, with `connect_unix`
  std::uint16_t connect_port = 0;
  bool connect_unix = false;
  std::string tls_cert, tls_key, tls_ca, tls_name;
};

// -- the server: one room on the server's loop, so no locks -------------

// [room]
class room {
public:
  asio::awaitable<void> member(io::stream s) {
    auto name = "guest-" + std::to_string(++joined_);
    co_await s.async_write("* you are " + name + "\n", use_awaitable);
    tell_others(name, "* " + name + " joined\n");
    members_.emplace(name, s);
    for (;;) {
      auto [ec, line] =
        co_await s.async_read_until("\n", max_line, as_tuple(use_awaitable));
      if (ec == io::stream_errc::unsatisfiable_read) {
        co_await s.async_write("* line too long\n", as_tuple(use_awaitable));
        s.close(ec);
      }
      if (ec)
        break;
      tell_others(name, name + ": " + line);
    }
    members_.erase(name);
    tell_others(name, "* " + name + " left\n");
  }

private:
  void tell_others(const std::string& from, const std::string& text) {
    for (auto& [name, s] : members_)
      if (name != from)
        s.async_write(text, [s](std::error_code ec) mutable {
          if (ec == io::stream_errc::buffer_full) // too slow a reader
            s.close(ec);
        });
  }

  std::map<std::string, io::stream> members_;
  std::uint64_t joined_ = 0;
};
// [end]

int serve(options& o) {
  io::loop loop;
  loop.start();
  room chat;
  // [serve]
  o.serve.stream.max_write_buffer_size = 1024 * 1024;
  if (!o.tls_cert.empty())
    o.serve.tls = io::tls_options::server_with(o.tls_cert, o.tls_key);
  io::tcp_server server{loop.executor(),
                        io::coroutine_per_stream([&chat](io::stream s) {
                          return chat.member(std::move(s));
                        })};
  if (auto ec = server.listen(o.serve)) {
    std::cerr << "line_chat: cannot listen: " << ec.message() << "\n";
    return 1;
  }
  // [end]
  io::signal_waiter stop{loop.executor(), {SIGINT, SIGTERM}};
  std::cout << "listening on "
            << (o.serve.unix_path.empty()
                  ? o.serve.host + ":" + std::to_string(server.port())
                  : o.serve.unix_path)
            << std::endl;
  stop.wait();
  server.stop();
  loop.stop(); // the room goes before its members' coroutines could run
  return 0;
}

// -- the client ------------------------------------------------------------

asio::awaitable<void> print_lines(io::stream s, std::promise<void>& ended) {
  for (;;) {
    auto [ec, line] =
      co_await s.async_read_until("\n", 0, as_tuple(use_awaitable));
    if (ec)
      break;
    std::cout << line << std::flush;
  }
  // [client-end]
  // Closed by either side: wait for the connection to end cleanly (a TLS
  // goodbye), so that exiting now cuts nothing the server still reads.
  co_await s.async_close(as_tuple(use_awaitable));
  ended.set_value();
  // [end]
}

int connect(const options& o) {
  io::loop loop;
  loop.start();
  // [tls-client]
  io::connect_options c;
  if (!o.tls_ca.empty() || !o.tls_name.empty()) {
    c.tls = io::tls_options::client(o.tls_name);
    c.tls->ca_file = o.tls_ca;
  }
  // [end]
  io::stream s;
  try {
    s = o.connect_unix
          ? io::async_connect_unix(loop.executor(), o.connect_host, c,
                                   asio::use_future)
              .get()
          : io::async_connect_stream(loop.executor(), o.connect_host,
                                     o.connect_port, c, asio::use_future)
              .get();
  } catch (const std::system_error& e) {
    std::cerr << "line_chat: cannot connect: " << e.code().message() << "\n";
    return 1;
  }
  std::promise<void> ended;
  asio::co_spawn(loop.executor(), print_lines(s, ended), asio::detached);
  // Standard input is read on this thread; each line goes to the loop.
  std::thread input{[s]() mutable {
    std::string line;
    while (std::getline(std::cin, line))
      s.async_write(line + "\n", [](std::error_code) {});
    s.async_write("", asio::use_future).wait(); // all of it sent
    s.close();
  }};
  input.detach(); // a blocked getline must not hold up the exit
  ended.get_future().wait();
  return 0;
}

int usage(int status) {
  (status ? std::cerr : std::cout)
    << "usage: line_chat --port P [--host H] | --unix PATH\n"
       "                 [--tls-cert FILE --tls-key FILE]\n"
       "       line_chat --connect H:P | --connect-unix PATH\n"
       "                 [--tls-ca FILE] [--tls-name NAME]\n";
  return status;
}

std::optional<options> parse(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--port") {
      o.serve.port = static_cast<std::uint16_t>(std::atoi(value.c_str()));
      o.serving = true;
    } else if (flag == "--host") {
      o.serve.host = value;
    } else if (flag == "--unix") {
      o.serve.unix_path = value;
      o.serving = true;
    } else if (flag == "--connect") {
      auto colon = value.rfind(':');
      if (colon == std::string::npos)
        return std::nullopt;
      o.connect_host = value.substr(0, colon);
      o.connect_port =
        static_cast<std::uint16_t>(std::atoi(value.c_str() + colon + 1));
    } else if (flag == "--connect-unix") {
      o.connect_host = value;
      o.connect_unix = true;
    } else if (flag == "--tls-cert") {
      o.tls_cert = value;
    } else if (flag == "--tls-key") {
      o.tls_key = value;
    } else if (flag == "--tls-ca") {
      o.tls_ca = value;
    } else if (flag == "--tls-name") {
      o.tls_name = value;
    } else {
      return std::nullopt;
    }
  }
  if (argc % 2 == 0 || o.serving == !o.connect_host.empty()
      || o.tls_cert.empty() != o.tls_key.empty())
    return std::nullopt;
  return o;
}

} // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string{argv[1]} == "--help")
    return usage(0);
  auto o = parse(argc, argv);
  if (!o)
    return usage(2);
  return o->serving ? serve(*o) : connect(*o);
}
