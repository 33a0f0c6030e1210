// The middleman's cost per message: round trips per second of a request to
// an echo actor in the same actor system, and to the same echo actor in
// another process reached through CAF's middleman (BASP over TCP on
// loopback), one at a time and with 64 in flight, for a 4-byte and a
// 4 KiB payload. Both ends use gale::configure, as gale's programs do.
// As the floor for one message at a time between two processes: blocking
// ping-pong of the same payloads over a plain loopback TCP connection.
//
// Usage: bench_middleman [--seconds S] [--repeat R]
// Each figure is the median of R runs of about S seconds (default 0.5 x 3).
#include <gale/type_ids.hpp>

#include "round_trips.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace {

struct options {
  double seconds = 0.5;
  int repeat = 3;
};

struct config : caf::actor_system_config {
  config() {
    gale::configure(*this);
    load<caf::io::middleman>();
    set("logger.console", caf::atom("none"));
  }
};

caf::behavior echo(caf::event_based_actor*) {
  return {
    [](int x) { return x; },
    [](const std::string& s) { return s; },
  };
}

/// Round trips per second: the median of `repeat` batches of about
/// `seconds` each.
double rate(const options& opt, const std::function<void(long)>& batch) {
  return gale::bench::median_rate(opt.seconds, opt.repeat, batch);
}

// -- the floor: plain TCP ping-pong ------------------------------------------

bool read_all(int fd, void* data, std::size_t size) {
  auto* p = static_cast<char*>(data);
  while (size > 0) {
    auto got = read(fd, p, size);
    if (got <= 0)
      return false;
    p += got;
    size -= static_cast<std::size_t>(got);
  }
  return true;
}

bool write_all(int fd, const void* data, std::size_t size) {
  auto* p = static_cast<const char*>(data);
  while (size > 0) {
    auto put = write(fd, p, size);
    if (put <= 0)
      return false;
    p += put;
    size -= static_cast<std::size_t>(put);
  }
  return true;
}

void no_delay(int fd) {
  int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  return addr;
}

/// Listens on an ephemeral loopback port; returns the socket and the port.
std::pair<int, std::uint16_t> listen_loopback() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  auto addr = loopback(0);
  socklen_t len = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0
      || listen(fd, 1) != 0
      || getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return {-1, 0};
  return {fd, ntohs(addr.sin_port)};
}

/// Echoes length-prefixed messages on one accepted connection until EOF.
void tcp_echo(int listener) {
  int fd = accept(listener, nullptr, nullptr);
  close(listener);
  if (fd < 0)
    return;
  no_delay(fd);
  std::string buf;
  std::uint32_t size = 0;
  while (read_all(fd, &size, sizeof size)) {
    buf.resize(size);
    if (!read_all(fd, buf.data(), size) || !write_all(fd, &size, sizeof size)
        || !write_all(fd, buf.data(), size))
      break;
  }
  close(fd);
}

/// Blocking round trips of `payload` over one loopback TCP connection.
struct tcp_client {
  int fd = -1;

  explicit tcp_client(std::uint16_t port)
    : fd(socket(AF_INET, SOCK_STREAM, 0)) {
    auto addr = loopback(port);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      std::perror("connect");
      std::exit(1);
    }
    no_delay(fd);
  }
  ~tcp_client() { close(fd); }

  void round_trips(const std::string& payload, long n) {
    auto size = static_cast<std::uint32_t>(payload.size());
    std::string back(payload.size(), '\0');
    for (long i = 0; i < n; ++i) {
      std::uint32_t got = 0;
      if (!write_all(fd, &size, sizeof size)
          || !write_all(fd, payload.data(), size)
          || !read_all(fd, &got, sizeof got) || got != size
          || !read_all(fd, back.data(), size)) {
        std::fprintf(stderr, "tcp echo failed\n");
        std::exit(1);
      }
    }
  }
};

// -- the two processes
// ----------------------------------------------------------

struct ports {
  std::uint16_t middleman = 0;
  std::uint16_t tcp = 0;
};

/// The remote end: publishes an echo actor on an ephemeral loopback port,
/// runs the TCP echo on another, writes both ports to `to_parent`, and
/// serves until the parent closes `from_parent`.
int serve(int to_parent, int from_parent) {
  auto [listener, tcp_port] = listen_loopback();
  if (listener < 0) {
    std::perror("listen");
    return 1;
  }
  std::thread tcp{tcp_echo, listener};
  config cfg;
  caf::actor_system sys{cfg};
  auto actor = sys.spawn(echo);
  auto port = sys.middleman().publish(actor, 0, "127.0.0.1", true);
  if (!port) {
    std::fprintf(stderr, "publish: %s\n", sys.render(port.error()).c_str());
    return 1;
  }
  ports p{*port, tcp_port};
  if (write(to_parent, &p, sizeof p) != sizeof p)
    return 1;
  char byte;
  while (read(from_parent, &byte, 1) > 0) {
  }
  tcp.join();
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  return 0;
}

int measure(const options& opt, ports p) {
  config cfg;
  caf::actor_system sys{cfg};
  auto local = sys.spawn(echo);
  auto remote = sys.middleman().remote_actor("127.0.0.1", p.middleman);
  if (!remote) {
    std::fprintf(stderr, "remote_actor: %s\n",
                 sys.render(remote.error()).c_str());
    return 1;
  }
  tcp_client tcp{p.tcp};
  std::string page(4096, 'x');
  std::printf("%-20s %9s %12s %12s %7s %12s %7s\n", "payload", "in flight",
              "local /s", "remote /s", "ratio", "tcp floor /s", "ratio");
  // The TCP floor is measured one at a time only: that is where the time of
  // one trip between the processes shows.
  auto row = [&](const char* name, auto payload, int lanes,
                 const std::string& bytes) {
    auto local_rate = rate(opt, [&](long n) {
      gale::bench::request_chains<decltype(payload)>(sys, local, payload, n,
                                                     lanes);
    });
    auto remote_rate = rate(opt, [&](long n) {
      gale::bench::request_chains<decltype(payload)>(sys, *remote, payload, n,
                                                     lanes);
    });
    std::printf("%-20s %9d %12.0f %12.0f %7.3f", name, lanes, local_rate,
                remote_rate, remote_rate / local_rate);
    if (lanes == 1) {
      auto floor = rate(opt, [&](long n) { tcp.round_trips(bytes, n); });
      std::printf(" %12.0f %7.3f", floor, remote_rate / floor);
    }
    std::printf("\n");
    std::fflush(stdout);
  };
  std::string four(4, 'x');
  row("int (4 bytes)", 1, 1, four);
  row("int (4 bytes)", 1, 64, four);
  row("string (4096 bytes)", page, 1, page);
  row("string (4096 bytes)", page, 64, page);
  caf::anon_send_exit(local, caf::exit_reason::user_shutdown);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--seconds" && i + 1 < argc)
      opt.seconds = std::atof(argv[++i]);
    else if (arg == "--repeat" && i + 1 < argc)
      opt.repeat = std::max(1, std::atoi(argv[++i]));
    else {
      std::fprintf(stderr,
                   "usage: bench_middleman [--seconds S] [--repeat R]\n");
      return 2;
    }
  }
  // The remote end is a child process, forked before either side starts a
  // thread; two pipes carry its port and, by closing, the end of the run.
  int up[2], down[2];
  if (pipe(up) != 0 || pipe(down) != 0) {
    std::perror("pipe");
    return 1;
  }
  pid_t child = fork();
  if (child < 0) {
    std::perror("fork");
    return 1;
  }
  if (child == 0) {
    close(up[0]);
    close(down[1]);
    _exit(serve(up[1], down[0]));
  }
  close(up[1]);
  close(down[0]);
  ports p;
  int rc = 1;
  if (read(up[0], &p, sizeof p) == sizeof p)
    rc = measure(opt, p);
  close(down[1]);
  int status = 0;
  waitpid(child, &status, 0);
  return rc;
}
