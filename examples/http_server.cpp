// http_server: a small web server on gale's I/O actors, with its handlers
// written in the style you pick.
//
// Usage: http_server --port P [--host H] [--handler callback|coroutine|actor]
//                    [--loops N] [--log-level LEVELS] [--access-log] [--gzip]
//
//   GET  /                      200 "Hello, world"
//   POST /echo                  200, the request's body and Content-Type
//   GET  /delay?ms=N            200 after N ms, blocking nothing
//   GET  /stream?chunks=N&size=S  200, chunked: N chunks of S bytes
//   GET  /text?kb=N             200, N KiB of compressible text/plain
//   GET  /ws                    a WebSocket that echoes text and binary
//   anything else               404 (405 for a known path, wrong method)
//
// Prints "listening on H:P" once it accepts connections; SIGINT or SIGTERM
// stop it gracefully (requests in progress finish) with exit status 0.
// --access-log writes a line per request to standard error
// ("200 GET / (127.0.0.1) 0.12ms 12B"); --log-level sets gale's log levels
// as GALE_LOG_LEVEL does ("info", "warning,access=info"); --gzip compresses
// answers for clients that accept gzip (compress_response).
#include <gale/io/log.hpp>
#include <gale/blocking.hpp>
#include <gale/http/router.hpp>
#include <gale/http/server.hpp>
#include <gale/http/url.hpp>
#include <gale/io_client.hpp>
#include <gale/io/timers.hpp>
#include <gale/type_ids.hpp>

#include <sys/resource.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <asio/steady_timer.hpp>

#include <atomic>
#include <charconv>
#include <csignal>
#include <future>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using gale::http::response;

namespace {

// -- what the routes answer, the same in every style ----------------------

enum class route { hello, echo, delay, stream, text };

const gale::http::router<route>& routes() {
  static const auto table = [] {
    gale::http::router<route> r;
    r.add("GET", "/", route::hello)
      .add("POST", "/echo", route::echo)
      .add("GET", "/delay", route::delay)
      .add("GET", "/stream", route::stream)
      .add("GET", "/text", route::text);
    return r;
  }();
  return table;
}

response text(int status, std::string body) {
  response res;
  res.status = status;
  res.headers.set("Content-Type", "text/plain");
  res.body = std::move(body);
  return res;
}

/// A query parameter as a number in [0, max], or nothing.
std::optional<std::size_t> number(const gale::http::request& req,
                                  std::string_view name, std::size_t max) {
  auto [path, query] = gale::http::split_target(req.target);
  for (auto& [key, value] : gale::http::parse_query(query)) {
    if (key != name)
      continue;
    std::size_t n = 0;
    auto [end, ec] =
      std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc{} || end != value.data() + value.size() || n > max)
      return std::nullopt;
    return n;
  }
  return std::nullopt;
}

/// What a request asks for: a route with its parameters, or an answer
/// (404, 405, 400) that needs no handler.
struct decision {
  std::optional<route> what;
  response answer; ///< when `what` is empty
  std::size_t ms = 0, chunks = 0, size = 0, kb = 0;
};

decision decide(const gale::http::request& req) {
  decision d;
  auto method = req.method == "HEAD" ? std::string{"GET"} : req.method;
  auto found =
    routes().find(method, gale::http::split_target(req.target).first);
  if (!found.target) {
    if (found.allowed.empty()) {
      d.answer = gale::http::status_page(404);
    } else {
      d.answer = gale::http::status_page(405);
      std::string allow;
      for (auto& m : found.allowed)
        allow += (allow.empty() ? "" : ", ") + m;
      d.answer.headers.set("Allow", allow);
    }
    return d;
  }
  d.what = *found.target;
  if (d.what == route::delay) {
    auto ms = number(req, "ms", 600'000);
    if (!ms)
      return decision{{}, text(400, "ms must be 0..600000\n")};
    d.ms = *ms;
  } else if (d.what == route::stream) {
    auto chunks = number(req, "chunks", 1'000'000);
    auto size = number(req, "size", 1024 * 1024);
    if (!chunks || !size || *size == 0)
      return decision{{}, text(400, "chunks 0..1000000, size 1..1048576\n")};
    d.chunks = *chunks;
    d.size = *size;
  } else if (d.what == route::text) {
    auto kb = number(req, "kb", 64 * 1024);
    if (!kb)
      return decision{{}, text(400, "kb must be 0..65536\n")};
    d.kb = *kb;
  }
  return d;
}

response hello() {
  return text(200, "Hello, world");
}

response echo(const gale::http::request& req) {
  response res;
  const auto* type = req.headers.find("Content-Type");
  res.headers.set("Content-Type", type ? *type : "application/octet-stream");
  res.body = req.body;
  return res;
}

/// A MiB of words that compresses as prose does (about 4:1 with gzip),
/// the same on every run; made once, read by every loop.
const std::string& prose() {
  static const std::string text = [] {
    static constexpr std::string_view words[] = {
      "the",   "quick", "brown",  "fox",  "jumps", "over", "a",     "lazy",
      "dog",   "while", "gale's", "loop", "waits", "on",   "every", "socket",
      "async", "reply", "stream", "of",   "bytes", "and",  "an",    "actor"};
    std::string s;
    for (std::uint32_t state = 1; s.size() < 1024 * 1024;) {
      state = state * 1103515245u + 12345u;
      s += words[(state >> 16) % std::size(words)];
      s += (state >> 8) % 13 == 0 ? ".\n" : " ";
    }
    s.resize(1024 * 1024);
    return s;
  }();
  return text;
}

/// `kb` KiB of that prose (repeated beyond a MiB).
response some_text(std::size_t kb) {
  std::string body;
  body.reserve(kb * 1024);
  while (body.size() < kb * 1024)
    body.append(prose(), 0, kb * 1024 - body.size());
  return text(200, std::move(body));
}

response stream_head() {
  response head;
  head.headers.set("Content-Type", "application/octet-stream");
  return head;
}

// -- the callback style: runs on the loop ---------------------------------

// [callback-handler]
void callback_handler(gale::io::exchange_ptr x) {
  auto d = decide(x->request());
  if (!d.what)
    return x->respond(std::move(d.answer));
  switch (*d.what) {
  case route::hello: return x->respond(hello());
  case route::echo: return x->respond(echo(x->request()));
  case route::text: return x->respond(some_text(d.kb));
  case route::delay:
    gale::io::call_later(x->executor(), std::chrono::milliseconds{d.ms},
                         [x] { x->respond(hello()); });
    return;
  case route::stream:
    x->begin(stream_head());
    gale::http::write_pieces(
      x, std::vector<std::string>(d.chunks, std::string(d.size, 'x')));
    return;
  }
}
// [end]

// -- the coroutine style: a coroutine on the loop --------------------------

// [coroutine-handler]
asio::awaitable<response> coroutine_handler(gale::io::exchange_ptr x) {
  auto d = decide(x->request());
  if (!d.what)
    co_return d.answer;
  switch (*d.what) {
  case route::hello: co_return hello();
  case route::echo: co_return echo(x->request());
  case route::text: co_return some_text(d.kb);
  case route::delay: {
    asio::steady_timer timer{x->executor(), std::chrono::milliseconds{d.ms}};
    co_await timer.async_wait(asio::use_awaitable);
    co_return hello();
  }
  case route::stream: {
    x->begin(stream_head());
    const std::string piece(d.size, 'x');
    for (std::size_t i = 0; i < d.chunks && !x->closed(); ++i)
      co_await gale::http::async_write_piece(x, piece);
    x->end();
    co_return response{}; // answered by streaming
  }
  }
  co_return gale::http::status_page(500);
}
// [end]

// -- the actor style: one actor answers every request as a message ---------

using delay_done_atom = caf::atom_constant<caf::atom("delaydone")>;

struct handler_state {
  std::map<std::uint64_t, caf::response_promise> waiting;
  std::uint64_t next = 0;
};

// [actor-handler]
caf::behavior handler_actor(caf::stateful_actor<handler_state>* self) {
  return {
    [=](gale::http::request& req) {
      auto rp = self->make_response_promise();
      auto d = decide(req);
      if (!d.what) {
        rp.deliver(std::move(d.answer));
        return rp;
      }
      switch (*d.what) {
      case route::hello: rp.deliver(hello()); break;
      case route::echo: rp.deliver(echo(req)); break;
      case route::text: rp.deliver(some_text(d.kb)); break;
      case route::delay: {
        auto id = self->state.next++;
        self->state.waiting.emplace(id, rp);
        self->delayed_send(self, std::chrono::milliseconds{d.ms},
                           delay_done_atom::value, id);
        break;
      }
      case route::stream:
        rp.deliver(gale::http::streamed_response{
          stream_head(),
          std::vector<std::string>(d.chunks, std::string(d.size, 'x'))});
        break;
      }
      return rp;
    },
    [=](delay_done_atom, std::uint64_t id) {
      auto i = self->state.waiting.find(id);
      if (i != self->state.waiting.end()) {
        i->second.deliver(hello());
        self->state.waiting.erase(i);
      }
    },
  };
}
// [end]

// -- WebSocket: echo, on the loop, whatever the handler style ---------------

// [websocket-echo]
void websocket_echo(gale::io::exchange_ptr x) {
  gale::io::websocket_handlers echo;
  echo.on_message = [](gale::io::websocket_ptr ws, std::string message,
                       bool binary) {
    if (binary)
      ws->send_binary(std::move(message));
    else
      ws->send_text(std::move(message));
  };
  x->accept_websocket(std::move(echo));
}
// [end]

// -- the program ------------------------------------------------------------

struct options {
  std::string host = "127.0.0.1";
  std::optional<std::uint16_t> port;
  std::string handler = "callback";
  std::size_t loops = 1;
  bool access_log = false;
  bool gzip = false;
};

std::optional<std::string> parse(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--access-log") {
      o.access_log = true;
      gale::io::log::set_level(gale::io::log::channel::access,
                               gale::io::log::level::info);
      continue;
    }
    if (arg == "--gzip") {
      o.gzip = true;
      continue;
    }
    std::string_view name = arg, value;
    if (auto eq = arg.find('='); arg.starts_with("--") && eq != arg.npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return std::string{arg} + " needs a value";
    }
    auto as_number = [&](unsigned long max) -> std::optional<unsigned long> {
      unsigned long n = 0;
      auto [end, ec] =
        std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc{} || end != value.data() + value.size() || n > max)
        return std::nullopt;
      return n;
    };
    if (name == "--port") {
      auto n = as_number(65535);
      if (!n)
        return "--port needs 0..65535";
      o.port = static_cast<std::uint16_t>(*n);
    } else if (name == "--host") {
      o.host = value;
    } else if (name == "--handler") {
      if (value != "callback" && value != "coroutine" && value != "actor")
        return "--handler is callback, coroutine or actor";
      o.handler = value;
    } else if (name == "--loops") {
      auto n = as_number(256);
      if (!n || *n == 0)
        return "--loops needs 1..256";
      o.loops = *n;
    } else if (name == "--log-level") {
      if (!gale::io::log::set_levels(value))
        return "--log-level needs levels such as info or warning,access=info";
    } else {
      return "unknown option " + std::string{name};
    }
  }
  if (!o.port)
    return "--port is required";
  return std::nullopt;
}

} // namespace

int main(int argc, char** argv) {
  options opts;
  if (auto problem = parse(argc, argv, opts)) {
    std::cerr << "http_server: " << *problem
              << "\nusage: http_server --port P [--host H] "
                 "[--handler callback|coroutine|actor] [--loops N]\n"
                 "                   [--log-level LEVELS] [--access-log] "
                 "[--gzip]\n";
    return 2;
  }
  // A server holds a descriptor per connection: allow as many as we may.
  if (rlimit files{}; getrlimit(RLIMIT_NOFILE, &files) == 0) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  caf::actor_system_config cfg;
  gale::configure(cfg);
  caf::actor_system sys{cfg};
  auto req = std::make_shared<gale::requester>(sys);
  caf::actor handler_actor_handle;
  // [pick-handler]
  gale::io::http_handler handler;
  if (opts.handler == "callback") {
    handler = callback_handler;
  } else if (opts.handler == "coroutine") {
    handler = gale::http::from_coroutine(coroutine_handler);
  } else {
    handler_actor_handle = sys.spawn(handler_actor);
    handler = gale::http::from_actor(req, handler_actor_handle, 60s);
  }
  // [end]
  handler = [style = std::move(handler)](gale::io::exchange_ptr x) {
    if (gale::http::split_target(x->request().target).first == "/ws")
      return websocket_echo(std::move(x));
    style(std::move(x));
  };

  std::vector<gale::io_actor> loops;
  std::vector<std::pair<gale::io_client, gale::listener_id>> servers;
  int status = 0;
  std::promise<void> stop;
  std::atomic<bool> stopping{false};
  try {
    gale::io::http_server_options server_opts;
    server_opts.host = opts.host;
    server_opts.port = *opts.port;
    server_opts.reuse_port = opts.loops > 1;
    server_opts.access_log = opts.access_log;
    server_opts.compress_response = opts.gzip;
    for (std::size_t i = 0; i < opts.loops; ++i) {
      loops.push_back(gale::spawn_io_actor(sys));
      // [serve]
      gale::io_client client{req, loops.back()};
      auto info = client.serve(server_opts, handler, gale::use_blocking);
      // [end]
      server_opts.port = info.port; // the others share the first's port
      servers.emplace_back(client, info.id);
    }
    for (int sig : {SIGINT, SIGTERM})
      servers.front().first.on_signal(
        sig,
        [&](int) {
          if (!stopping.exchange(true))
            stop.set_value();
        },
        gale::use_blocking);
    std::cout << "listening on " << opts.host << ":" << server_opts.port
              << std::endl;
    stop.get_future().wait();
    for (auto& [client, id] : servers)
      client.stop_serving(id, 10s, gale::use_blocking);
  } catch (const std::exception& e) {
    std::cerr << "http_server: " << e.what() << "\n";
    status = 1;
  }
  for (auto& io : loops)
    caf::anon_send_exit(io, caf::exit_reason::user_shutdown);
  if (handler_actor_handle)
    caf::anon_send_exit(handler_actor_handle, caf::exit_reason::user_shutdown);
  return status;
}
