// An HTTP client actor in one process, used from another through CAF's
// middleman: the fetching process holds no HTTP connection at all, and its
// code is the same as with a local HTTP client actor.
//
// Usage:
//   remote_fetch --serve [--port P] [--host H]
//       publishes an HTTP client actor; prints "serving on H:P" (port 0,
//       the default, takes any free port) and runs until SIGINT/SIGTERM.
//   remote_fetch --via H:P URL...
//       fetches every URL through that actor, all at once; prints
//       "STATUS BYTES URL" per response or "error: URL: reason".
// Exit status: 0 all fetched (any HTTP status), 1 a fetch failed or the
// actor could not be reached, 2 usage.
#include <gale/blocking.hpp>
#include <gale/http/client.hpp>
#include <gale/io_actor.hpp>
#include <gale/io_client.hpp>
#include <gale/remote.hpp>
#include <gale/type_ids.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>

#include <csignal>
#include <cstdint>
#include <future>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

struct options {
  bool serve = false;
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string via_host;
  std::uint16_t via_port = 0;
  std::vector<std::string> urls;
};

std::optional<std::uint16_t> parse_port(const std::string& text) {
  if (text.empty() || text.size() > 5
      || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  auto value = std::stoul(text);
  if (value > 65535)
    return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

/// Reads the command line into `o`; the problem if it is not valid.
std::optional<std::string> parse(int argc, char** argv, options& o) {
  bool via = false, host_given = false, port_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc)
        return std::nullopt;
      return std::string{argv[++i]};
    };
    if (arg == "--serve") {
      o.serve = true;
    } else if (arg == "--port" || arg == "--host" || arg == "--via") {
      auto v = value();
      if (!v)
        return arg + " needs a value";
      if (arg == "--host") {
        o.host = *v;
        host_given = true;
      } else if (arg == "--port") {
        auto p = parse_port(*v);
        if (!p)
          return "--port needs 0..65535";
        o.port = *p;
        port_given = true;
      } else {
        auto colon = v->rfind(':');
        auto p = colon == std::string::npos ? std::nullopt
                                            : parse_port(v->substr(colon + 1));
        if (!p || *p == 0 || colon == 0)
          return "--via needs HOST:PORT";
        o.via_host = v->substr(0, colon);
        o.via_port = *p;
        via = true;
      }
    } else if (arg.starts_with("-")) {
      return "unknown option " + arg;
    } else {
      o.urls.push_back(arg);
    }
  }
  if (o.serve == via)
    return "give either --serve or --via HOST:PORT";
  if (o.serve && !o.urls.empty())
    return "--serve takes no URLs";
  if (via && (host_given || port_given))
    return "--host and --port go with --serve";
  if (via && o.urls.empty())
    return "no URL given";
  return std::nullopt;
}

int serve(caf::actor_system& sys, const options& opts) {
  // [publish]
  auto io = gale::spawn_io_actor(sys);
  // Published as an HTTP client actor: remote_actor<http_client_actor>
  // finds it; its other messages (signals, servers) stay local.
  gale::http_client_actor http_client = io;
  auto port =
    sys.middleman().publish(http_client, opts.port, opts.host.c_str(), true);
  // [end]
  int status = 0;
  if (!port) {
    std::cerr << "remote_fetch: cannot listen on " << opts.host << ":"
              << opts.port << ": " << sys.render(port.error()) << "\n";
    status = 1;
  } else {
    std::cout << "serving on " << opts.host << ":" << *port << std::endl;
    // Until SIGINT or SIGTERM, through the same actor's signal registry.
    gale::io_client signals{sys, io};
    std::promise<void> stop;
    std::once_flag once;
    for (int sig : {SIGINT, SIGTERM})
      signals.on_signal(
        sig, [&](int) { std::call_once(once, [&] { stop.set_value(); }); },
        gale::use_blocking);
    stop.get_future().wait();
  }
  caf::anon_send_exit(io, caf::exit_reason::user_shutdown);
  return status;
}

int fetch_via(caf::actor_system& sys, const options& opts) {
  // [remote]
  // gale::remote_actor: CAF's remote_actor with a deadline.
  auto remote = gale::remote_actor<gale::http_client_actor>(sys, opts.via_host,
                                                            opts.via_port, 5s);
  if (!remote) {
    std::cerr << "remote_fetch: cannot reach " << opts.via_host << ":"
              << opts.via_port << ": " << sys.render(remote.error()) << "\n";
    return 1;
  }
  gale::http::client client{sys, *remote};
  // [end]
  std::mutex out;
  int failed = 0;
  std::vector<std::future<void>> pending;
  for (const auto& url : opts.urls) {
    auto done = std::make_shared<std::promise<void>>();
    pending.push_back(done->get_future());
    gale::io::http_request req;
    req.url = url;
    req.raise_error = false; // every status is a response here
    client.fetch(req, [&, url, done](std::error_code ec,
                                     gale::http::response res) {
      std::lock_guard guard{out};
      if (ec) {
        ++failed;
        std::cout << "error: " << url << ": " << ec.message() << "\n";
      } else {
        std::cout << res.status << " " << res.body.size() << " " << url << "\n";
      }
      done->set_value();
    });
  }
  for (auto& f : pending)
    f.wait();
  return failed == 0 ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  options opts;
  if (auto problem = parse(argc, argv, opts)) {
    std::cerr << "remote_fetch: " << *problem
              << "\nusage: remote_fetch --serve [--port P] [--host H]\n"
                 "       remote_fetch --via HOST:PORT URL...\n";
    return 2;
  }
  // [config]
  caf::actor_system_config cfg;
  gale::configure(cfg); // gale's type ids, in every process
  cfg.load<caf::io::middleman>();
  // [end]
  cfg.set("logger.console", caf::atom("none"));
  caf::actor_system sys{cfg};
  return opts.serve ? serve(sys, opts) : fetch_via(sys, opts);
}
