#include "gale/http/websocket.hpp"

#include <caf/send.hpp>

#include <asio/co_spawn.hpp>

#include <memory>
#include <unordered_map>
#include <vector>

namespace gale::http {

io::websocket_handlers to_actor(caf::actor handler) {
  io::websocket_handlers h;
  h.on_open = [handler](io::websocket_ptr ws) {
    caf::anon_send(handler, ws_open_atom::value, std::move(ws));
  };
  h.on_message = [handler](io::websocket_ptr ws, std::string message,
                           bool binary) {
    caf::anon_send(handler, ws_message_atom::value, std::move(ws),
                   std::move(message), binary);
  };
  h.on_close = [handler](io::websocket_ptr ws, std::uint16_t code,
                         std::string reason) {
    caf::anon_send(handler, ws_closed_atom::value, std::move(ws), code,
                   std::move(reason));
  };
  return h;
}

io::websocket_handlers
actor_per_connection(std::function<caf::actor(io::websocket_ptr)> spawn) {
  // Each connection's actor. The handlers may serve many connections, on
  // several loops: a table, locked briefly.
  struct table {
    std::mutex mutex;
    std::unordered_map<const io::websocket*, caf::actor> actors;

    caf::actor find(const io::websocket_ptr& ws) {
      std::lock_guard guard{mutex};
      auto i = actors.find(ws.get());
      return i == actors.end() ? caf::actor{} : i->second;
    }
  };
  auto t = std::make_shared<table>();
  io::websocket_handlers h;
  h.on_open = [spawn = std::move(spawn), t](io::websocket_ptr ws) {
    auto actor = spawn(ws);
    {
      std::lock_guard guard{t->mutex};
      t->actors[ws.get()] = actor;
    }
    caf::anon_send(actor, ws_open_atom::value, std::move(ws));
  };
  h.on_message = [t](io::websocket_ptr ws, std::string message, bool binary) {
    if (auto actor = t->find(ws))
      caf::anon_send(actor, ws_message_atom::value, std::move(ws),
                     std::move(message), binary);
  };
  h.on_close = [t](io::websocket_ptr ws, std::uint16_t code,
                   std::string reason) {
    caf::actor actor;
    {
      std::lock_guard guard{t->mutex};
      auto i = t->actors.find(ws.get());
      if (i == t->actors.end())
        return;
      actor = std::move(i->second);
      t->actors.erase(i);
    }
    caf::anon_send(actor, ws_closed_atom::value, std::move(ws), code,
                   std::move(reason));
    caf::anon_send_exit(actor, caf::exit_reason::normal);
  };
  return h;
}

io::websocket_handlers coroutine_per_connection(
  std::function<asio::awaitable<void>(io::websocket_ptr,
                                      std::shared_ptr<websocket_inbox>)>
    body,
  std::size_t inbox_size) {
  struct table {
    std::mutex mutex;
    std::unordered_map<const io::websocket*, std::shared_ptr<websocket_inbox>>
      inboxes;

    std::shared_ptr<websocket_inbox> find(const io::websocket_ptr& ws) {
      std::lock_guard guard{mutex};
      auto i = inboxes.find(ws.get());
      return i == inboxes.end() ? nullptr : i->second;
    }
  };
  auto t = std::make_shared<table>();
  io::websocket_handlers h;
  h.on_open = [body = std::move(body), t, inbox_size](io::websocket_ptr ws) {
    auto inbox = std::make_shared<websocket_inbox>(inbox_size);
    {
      std::lock_guard guard{t->mutex};
      t->inboxes[ws.get()] = inbox;
    }
    asio::co_spawn(ws->executor(), body(ws, inbox),
                   [ws](std::exception_ptr failure) {
                     if (failure)
                       ws->close(1011, "handler failed");
                   });
  };
  h.on_message = [t](io::websocket_ptr ws, std::string message, bool binary) {
    auto inbox = t->find(ws);
    if (!inbox)
      return;
    websocket_event event{std::move(message), binary, false, 0, {}};
    // Only this loop pushes: the inbox can only shrink under us.
    if (inbox->maxsize() == 0 || inbox->size() < inbox->maxsize())
      return inbox->push(std::move(event));
    // Full: this message waits for room, and reading pauses until then.
    ws->pause_reading();
    inbox->async_push(std::move(event),
                      [ws](std::error_code) { ws->resume_reading(); });
  };
  h.on_close = [t](io::websocket_ptr ws, std::uint16_t code,
                   std::string reason) {
    std::shared_ptr<websocket_inbox> inbox;
    {
      std::lock_guard guard{t->mutex};
      auto i = t->inboxes.find(ws.get());
      if (i == t->inboxes.end())
        return;
      inbox = std::move(i->second);
      t->inboxes.erase(i);
    }
    // Behind any message still waiting for room.
    inbox->async_push(websocket_event{{}, false, true, code, std::move(reason)},
                      [](std::error_code) {});
  };
  return h;
}

void websocket_group::add(io::websocket_ptr ws) {
  std::lock_guard guard{mutex_};
  members_.insert(std::move(ws));
}

void websocket_group::remove(const io::websocket_ptr& ws) {
  std::lock_guard guard{mutex_};
  members_.erase(ws);
}

std::size_t websocket_group::size() const {
  std::lock_guard guard{mutex_};
  return members_.size();
}

template <class Send>
std::size_t websocket_group::each(Send send) {
  std::vector<io::websocket_ptr> live;
  {
    std::lock_guard guard{mutex_};
    std::erase_if(members_, [](const auto& ws) { return ws->closed(); });
    live.assign(members_.begin(), members_.end());
  }
  for (auto& ws : live) // sends outside the lock: they only post
    send(*ws);
  return live.size();
}

std::size_t websocket_group::broadcast_text(const std::string& text) {
  return each([&](io::websocket& ws) { ws.send_text(text); });
}

std::size_t websocket_group::broadcast_binary(const std::string& bytes) {
  return each([&](io::websocket& ws) { ws.send_binary(bytes); });
}

} // namespace gale::http
