// chat: a real-time chat web app. gale serves the page (examples/chat/),
// and every browser that has it open sees every message at once: over a
// WebSocket where it can, over long polling where it cannot.
//
// Usage: chat --port P [--host H] [--assets DIR]
//
//   GET  /                       the page (static files from DIR)
//   GET  /chat/ws?after=ID       WebSocket: messages after ID, then each new
//                                one; what the browser sends is posted
//   GET  /chat/messages?after=ID long polling: the messages after ID, or,
//                                when there are none, an answer as soon as
//                                one arrives (an empty list after 25 s)
//   POST /chat/messages          posts {"name": ..., "text": ...}
//
// Messages travel as JSON: {"id": 7, "name": "ada", "text": "hello"}.
// Prints "listening on H:P" once it accepts connections; SIGINT or SIGTERM
// stop it gracefully with exit status 0.
#include <gale/blocking.hpp>
#include <gale/http/server.hpp>
#include <gale/http/url.hpp>
#include <gale/io/static_files.hpp>
#include <gale/io_client.hpp>
#include <gale/type_ids.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include <asio/steady_timer.hpp>

#include <nlohmann/json.hpp>

#include <charconv>
#include <csignal>
#include <deque>
#include <future>
#include <iostream>
#include <list>
#include <memory>
#include <optional>
#include <set>
#include <string>

using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

constexpr std::size_t max_text = 2000; ///< characters a message may have
constexpr std::size_t max_name = 40;   ///< characters a name may have
constexpr std::size_t history = 500;   ///< messages a newcomer can catch up on
constexpr auto poll_wait = 25s;        ///< a poll answers [] after this

struct chat_message {
  std::uint64_t id;
  std::string name;
  std::string text;
};

json to_json(const chat_message& m) {
  return {{"id", m.id}, {"name", m.name}, {"text", m.text}};
}

/// What a browser sends, `{"name": ..., "text": ...}`, checked; nothing
/// when it is not that (the JSON parser also rejects invalid UTF-8).
std::optional<chat_message> parse_post(std::string_view body) {
  auto doc = json::parse(body, nullptr, false);
  if (!doc.is_object() || !doc.contains("text") || !doc["text"].is_string())
    return std::nullopt;
  chat_message m{0, "anonymous", doc["text"].get<std::string>()};
  if (doc.contains("name") && doc["name"].is_string()
      && !doc["name"].get<std::string>().empty())
    m.name = doc["name"].get<std::string>();
  if (m.text.empty() || m.text.size() > max_text || m.name.size() > max_name)
    return std::nullopt;
  return m;
}

// [room]
/// The room: the recent messages, the open WebSockets and the waiting
/// polls. Every handler runs on the server's one loop, so the room needs no
/// lock: it is only ever touched from that thread.
class chat_room {
public:
  /// Stores a message and hands it to every WebSocket and waiting poll.
  void post(chat_message m) {
    m.id = next_id_++;
    log_.push_back(std::move(m));
    if (log_.size() > history)
      log_.pop_front();
    auto text = to_json(log_.back()).dump();
    for (const auto& ws : sockets_)
      ws->send_text(text);
    auto waiting = std::move(polls_);
    polls_.clear();
    for (auto& poll : waiting)
      answer(*poll);
  }

  /// A new WebSocket first gets what it missed, then everything new.
  void join(const gale::io::websocket_ptr& ws, std::uint64_t after) {
    for (const auto& m : log_)
      if (m.id > after)
        ws->send_text(to_json(m).dump());
    sockets_.insert(ws);
  }

  void leave(const gale::io::websocket_ptr& ws) { sockets_.erase(ws); }

  /// Long polling: answers at once when there is news after `after`,
  /// otherwise when the next message arrives or after `poll_wait`.
  void poll(gale::io::exchange_ptr x, std::uint64_t after) {
    auto p = std::make_shared<waiting_poll>(std::move(x), after);
    if (!log_.empty() && log_.back().id > after)
      return answer(*p);
    p->timer.expires_after(poll_wait);
    p->timer.async_wait([this, p](std::error_code ec) {
      if (ec || p->answered)
        return;
      polls_.remove(p);
      answer(*p);
    });
    polls_.push_back(std::move(p));
  }

  /// At shutdown: the waiting polls get their (empty) answer now, and the
  /// WebSockets a "going away" close.
  void close() {
    for (auto& p : std::exchange(polls_, {}))
      answer(*p);
    for (const auto& ws : std::exchange(sockets_, {}))
      ws->close(1001, "server shutting down");
  }

private:
  struct waiting_poll {
    waiting_poll(gale::io::exchange_ptr x, std::uint64_t after)
      : exchange(std::move(x)), after(after), timer(exchange->executor()) {}
    gale::io::exchange_ptr exchange;
    std::uint64_t after;
    asio::steady_timer timer;
    bool answered = false;
  };

  void answer(waiting_poll& p) {
    p.answered = true;
    p.timer.cancel();
    auto list = json::array();
    for (const auto& m : log_)
      if (m.id > p.after)
        list.push_back(to_json(m));
    gale::http::response res;
    res.headers.set("Content-Type", "application/json");
    res.headers.set("Cache-Control", "no-store");
    res.body = list.dump();
    p.exchange->respond(std::move(res));
  }

  std::deque<chat_message> log_;
  std::uint64_t next_id_ = 1;
  std::set<gale::io::websocket_ptr> sockets_;
  std::list<std::shared_ptr<waiting_poll>> polls_;
};
// [end]

/// `after=ID` from a target's query; 0 when absent, nothing when invalid.
std::optional<std::uint64_t> after_of(std::string_view target) {
  for (auto& [key, value] :
       gale::http::parse_query(gale::http::split_target(target).second)) {
    if (key != "after")
      continue;
    std::uint64_t n = 0;
    auto [end, ec] =
      std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc{} || end != value.data() + value.size())
      return std::nullopt;
    return n;
  }
  return 0;
}

gale::http::response json_answer(int status, json body) {
  gale::http::response res;
  res.status = status;
  res.headers.set("Content-Type", "application/json");
  res.body = body.dump();
  return res;
}

// [handler]
/// The chat's routes on top of the static files; runs on the loop.
gale::io::http_handler chat_handler(std::shared_ptr<chat_room> room,
                                    gale::io::http_handler files) {
  return [room, files](gale::io::exchange_ptr x) {
    const auto& req = x->request();
    auto path = gale::http::split_target(req.target).first;
    if (path != "/chat/ws" && path != "/chat/messages")
      return files(std::move(x));
    auto after = after_of(req.target);
    if (!after)
      return x->respond(
        json_answer(400, {{"error", "after must be a number"}}));
    if (path == "/chat/ws") {
      gale::io::websocket_handlers h;
      h.on_open = [room, after = *after](gale::io::websocket_ptr ws) {
        room->join(ws, after);
      };
      h.on_message = [room](gale::io::websocket_ptr ws, std::string text,
                            bool binary) {
        auto m = binary ? std::nullopt : parse_post(text);
        if (!m)
          return ws->close(1003, "expected {\"name\": ..., \"text\": ...}");
        room->post(std::move(*m));
      };
      h.on_close = [room](gale::io::websocket_ptr ws, std::uint16_t,
                          std::string) { room->leave(ws); };
      gale::io::websocket_options options;
      options.max_message = 16 * 1024;
      return x->accept_websocket(std::move(h), options);
    }
    if (req.method == "GET" || req.method == "HEAD")
      return room->poll(std::move(x), *after);
    if (req.method != "POST") {
      auto res = gale::http::status_page(405);
      res.headers.set("Allow", "GET, HEAD, POST");
      return x->respond(std::move(res));
    }
    auto m = parse_post(req.body);
    if (!m)
      return x->respond(json_answer(
        400, {{"error", "expected {\"name\": ..., \"text\": ...}, text 1.."
                          + std::to_string(max_text) + " bytes"}}));
    room->post(std::move(*m));
    x->respond(json_answer(200, {{"ok", true}}));
  };
}
// [end]

struct options {
  std::string host = "127.0.0.1";
  std::optional<std::uint16_t> port;
  std::string assets = GALE_CHAT_ASSETS; // examples/chat in the sources
};

std::optional<std::string> parse(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view name = arg, value;
    if (auto eq = arg.find('='); arg.starts_with("--") && eq != arg.npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return std::string{arg} + " needs a value";
    }
    if (name == "--port") {
      unsigned long n = 0;
      auto [end, ec] =
        std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc{} || end != value.data() + value.size() || n > 65535)
        return "--port needs 0..65535";
      o.port = static_cast<std::uint16_t>(n);
    } else if (name == "--host") {
      o.host = value;
    } else if (name == "--assets") {
      o.assets = value;
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
    std::cerr << "chat: " << *problem
              << "\nusage: chat --port P [--host H] [--assets DIR]\n";
    return 2;
  }
  if (!std::filesystem::is_regular_file(std::filesystem::path{opts.assets}
                                        / "index.html")) {
    std::cerr << "chat: no index.html in " << opts.assets << "\n";
    return 2;
  }
  caf::actor_system_config cfg;
  gale::configure(cfg);
  caf::actor_system sys{cfg};
  auto io = gale::spawn_io_actor(sys);
  gale::io_client client{std::make_shared<gale::requester>(sys), io};
  auto room = std::make_shared<chat_room>();
  int status = 0;
  std::promise<void> stop;
  bool stopping = false; // only touched on the loop
  try {
    gale::io::http_server_options server_opts;
    server_opts.host = opts.host;
    server_opts.port = *opts.port;
    auto info = client.serve(
      server_opts, chat_handler(room, gale::io::static_files(opts.assets)),
      gale::use_blocking);
    for (int sig : {SIGINT, SIGTERM})
      client.on_signal(
        sig,
        [&](int) { // on the loop, like the room's handlers
          if (std::exchange(stopping, true))
            return;
          room->close();
          stop.set_value();
        },
        gale::use_blocking);
    std::cout << "listening on " << opts.host << ":" << info.port << std::endl;
    stop.get_future().wait();
    client.stop_serving(info.id, 5s, gale::use_blocking);
  } catch (const std::exception& e) {
    std::cerr << "chat: " << e.what() << "\n";
    status = 1;
  }
  caf::anon_send_exit(io, caf::exit_reason::user_shutdown);
  return status;
}
