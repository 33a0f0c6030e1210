// http_server: a small web server on gale's I/O actors, with its handlers
// written in the style you pick.
//
// Usage: http_server --port P [--host H] [--handler callback|coroutine|actor]
//                    [--loops N] [--log-level LEVELS] [--access-log] [--gzip]
//                    [--max-body-size N]
//
//   GET  /                      200 "Hello, world"
//   POST /echo                  200, the request's body and Content-Type
//   GET  /delay?ms=N            200 after N ms, blocking nothing
//   GET  /stream?chunks=N&size=S  200, chunked: N chunks of S bytes
//   GET  /text?kb=N             200, N KiB of compressible text/plain
//   POST /upload                200 "received N": the body streamed to the
//                               handler and discarded (413 over the limit)
//   GET  /ws                    a WebSocket that echoes text and binary
//   anything else               404 (405 for a known path, wrong method)
//
// Prints "listening on H:P" once it accepts connections; SIGINT or SIGTERM
// stop it gracefully (requests in progress finish) with exit status 0.
// --access-log writes a line per request to standard error
// ("200 GET / (127.0.0.1) 0.12ms 12B"); --log-level sets gale's log levels
// as GALE_LOG_LEVEL does ("info", "warning,access=info"); --gzip compresses
// answers for clients that accept gzip (compress_response);
// --max-body-size N sets the largest request body, /upload's included
// (bytes, default 1048576).
#include "http_server/routes.hpp"

#include <gale/io/http_body.hpp>
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

#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <charconv>
#include <csignal>
#include <future>
#include <iostream>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using gale::http::response;
using namespace http_example;

namespace {

// -- the callback style: runs on the loop ---------------------------------

// [callback-upload]
/// Counts a body as it streams in, keeping none of it: the next piece is
/// read only once this one is counted.
void count_upload(gale::io::exchange_ptr x, std::uint64_t received) {
  x->read_body([x, received](std::error_code ec, std::string piece) {
    if (ec)
      return; // answered already (413, 408, 400), or the client left
    if (piece.empty())
      return x->respond(uploaded(received));
    count_upload(x, received + piece.size());
  });
}
// [end]

// [callback-handler]
void callback_handler(gale::io::exchange_ptr x) {
  auto d = decide(x->request());
  if (!d.what)
    return x->respond(std::move(d.answer));
  switch (*d.what) {
  case route::hello: return x->respond(hello());
  case route::echo: return x->respond(echo(x->request()));
  case route::text: return x->respond(some_text(d.kb));
  case route::upload: return count_upload(x, 0);
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
  case route::upload: {
    std::uint64_t received = 0;
    for (;;) {
      auto [ec, piece] = co_await gale::io::async_read_body(
        x, asio::experimental::as_tuple(asio::use_awaitable));
      if (ec)
        co_return response{}; // answered already, or the client left
      if (piece.empty())
        co_return uploaded(received);
      received += piece.size();
    }
  }
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
  /// Streamed uploads by id: their promise and the bytes counted so far.
  std::map<std::uint64_t, std::pair<caf::response_promise, std::uint64_t>>
    uploads;
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
      case route::upload: break; // streamed: never buffered
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
    // [actor-upload]
    [=](gale::http::streamed_request& req) {
      auto rp = self->make_response_promise();
      auto d = decide(req.head);
      if (d.what == route::upload)
        self->state.uploads.emplace(req.id, std::pair{rp, std::uint64_t{0}});
      else
        rp.deliver(d.what ? gale::http::status_page(404) : d.answer);
      return rp;
    },
    [=](gale::http::request_body_piece& piece) {
      auto i = self->state.uploads.find(piece.id);
      if (i == self->state.uploads.end())
        return; // answered already
      auto& [rp, received] = i->second;
      received += piece.bytes.size();
      if (!piece.last)
        return; // the reply asks for the next piece
      // A failed body was answered by the server: this answer is ignored.
      rp.deliver(piece.error.empty() ? uploaded(received)
                                     : gale::http::status_page(500));
      self->state.uploads.erase(i);
    },
    // [end]
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
  std::uint64_t max_body_size = 1024 * 1024;
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
    } else if (name == "--max-body-size") {
      auto n = as_number(std::numeric_limits<unsigned long>::max());
      if (!n)
        return "--max-body-size needs a number of bytes";
      o.max_body_size = *n;
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
                 "[--gzip]\n"
                 "                   [--max-body-size N]\n";
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
    server_opts.max_body_size = opts.max_body_size;
    server_opts.stream_request_body = streams_body;
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
