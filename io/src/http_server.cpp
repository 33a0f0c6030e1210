// gale::io::http_server: a TCP server whose connections speak HTTP/1.1
// (http_server_connection.cpp), the connections and WebSockets it counts,
// and graceful shutdown.

#include "gale/io/http_server.hpp"

#include "http_server_connection.hpp"
#include "ws_connection.hpp"

namespace gale::io {

void http_server::core::forget(
  const std::shared_ptr<detail::server_connection>& c) {
  connections.erase(c);
  check_drained();
}

std::shared_ptr<detail::ws_connection>
http_server::core::adopt_websocket(stream s, detail::ws_setup setup,
                                   websocket_handlers handlers) {
  // The server learns the end from the user's on_close, run first.
  handlers.on_close =
    [weak = weak_from_this(), user = std::move(handlers.on_close)](
      websocket_ptr ws, std::uint16_t code, std::string reason) {
      if (user)
        user(ws, code, std::move(reason));
      if (auto self = weak.lock())
        self->forget(std::static_pointer_cast<detail::ws_connection>(ws));
    };
  auto ws = std::make_shared<detail::ws_connection>(
    std::move(s), std::move(setup), std::move(handlers));
  websockets.insert(ws);
  sweep_soon();
  return ws;
}

void http_server::core::forget(
  const std::shared_ptr<detail::ws_connection>& ws) {
  websockets.erase(ws);
  check_drained();
}

void http_server::core::check_drained() {
  if (!shutting_down || !connections.empty() || !websockets.empty()
      || !on_drained)
    return;
  if (grace_timer)
    grace_timer->cancel();
  std::exchange(on_drained, nullptr)();
}

void http_server::core::arm(detail::deadline_list& list,
                            detail::deadline_entry& e) {
  list.arm(e, detail::deadline_entry::clock::now());
  if (e.due < timer_due)
    schedule_deadlines();
}

void http_server::core::schedule_deadlines() {
  auto due = detail::deadline_entry::clock::time_point::max();
  for (const auto* list : {&header_deadlines, &body_deadlines, &idle_deadlines})
    if (const auto* front = list->front(); front && front->due < due)
      due = front->due;
  if (due == timer_due)
    return;
  timer_due = due;
  if (due == detail::deadline_entry::clock::time_point::max()) {
    deadline_timer.cancel();
    return;
  }
  deadline_timer.expires_at(due); // cancels the wait before
  deadline_timer.async_wait([weak = weak_from_this()](std::error_code ec) {
    if (auto self = weak.lock(); self && !ec)
      self->expire_deadlines();
  });
}

void http_server::core::expire_deadlines() {
  timer_due = detail::deadline_entry::clock::time_point::max();
  auto now = detail::deadline_entry::clock::now();
  for (auto* list : {&header_deadlines, &body_deadlines, &idle_deadlines})
    while (auto* e = list->front()) {
      if (e->due > now)
        break;
      e->disarm();
      auto c = static_cast<detail::server_connection*>(e)->shared_from_this();
      if (list == &body_deadlines)
        c->body_timed_out(); // a head was read: it is owed an answer
      else
        c->close();
    }
  schedule_deadlines();
}

void http_server::core::sweep_soon() {
  if (sweeping || opts.idle_release.count() <= 0)
    return;
  if (!sweeper)
    sweeper = std::make_unique<asio::steady_timer>(ex);
  sweeping = true;
  sweeper->expires_after(opts.idle_release / 2);
  sweeper->async_wait([weak = weak_from_this()](std::error_code ec) {
    if (auto self = weak.lock(); self && !ec)
      self->sweep();
  });
}

// A WebSocket without traffic over two sweeps half an idle_release apart
// has been idle for between half of it and all of it.
void http_server::core::sweep() {
  sweeping = false;
  for (const auto& ws : websockets)
    ws->release_if_idle();
  if (!websockets.empty())
    sweep_soon();
}

http_server::http_server(asio::any_io_executor ex, http_server_options options,
                         http_handler handler)
  : core_(std::make_shared<core>(std::move(ex), std::move(options),
                                 std::move(handler))) {}

http_server::~http_server() {
  auto& c = *core_;
  c.shutting_down = true;
  c.on_drained = nullptr;
  if (c.listener)
    c.listener->stop();
  if (c.sweeper)
    c.sweeper->cancel();
  c.deadline_timer.cancel();
  for (auto& conn : std::unordered_set{c.connections})
    conn->close();
  for (auto& ws : std::unordered_set{c.websockets})
    ws->abort();
}

std::error_code http_server::listen() {
  const auto& o = core_->opts;
  tcp_server_options t;
  t.host = o.host;
  t.port = o.port;
  t.reuse_port = o.reuse_port;
  t.backlog = 4096;
  t.max_connections = o.max_connections;
  if (o.tls)
    t.tls = o.tls;
  else if (!o.tls_certificate_file.empty() || !o.tls_private_key_file.empty())
    t.tls =
      tls_options::server_with(o.tls_certificate_file, o.tls_private_key_file);
  if (t.tls) {
    t.tls_handshake_timeout = o.header_timeout; // a slow handshake, too
    // TLS reads a record at a time: a waiting connection holds one record's
    // room, not a whole 64 KiB chunk.
    t.stream.read_chunk_size = 16 * 1024;
  }
  core_->listener = std::make_unique<tcp_server>(
    core_->ex, [weak = std::weak_ptr{core_}](stream s) {
      auto self = weak.lock();
      if (!self || self->shutting_down)
        return s.close();
      auto c = std::make_shared<detail::server_connection>(self, std::move(s));
      self->connections.insert(c);
      c->start();
    });
  return core_->listener->listen(t);
}

std::uint16_t http_server::port() const noexcept {
  return core_->listener ? core_->listener->port() : 0;
}

std::size_t http_server::connections() const noexcept {
  return core_->connections.size() + core_->websockets.size();
}

void http_server::shutdown(std::chrono::milliseconds grace,
                           std::function<void()> done) {
  auto& c = *core_;
  c.shutting_down = true;
  c.on_drained = std::move(done);
  if (c.listener)
    c.listener->stop();
  for (auto& conn : std::unordered_set{c.connections})
    conn->close_when_idle();
  for (auto& ws : std::unordered_set{c.websockets})
    ws->close(1001, "server shutting down");
  c.check_drained();
  if (!c.on_drained)
    return;
  c.grace_timer = std::make_unique<detail::deadline>(c.ex);
  c.grace_timer->arm(grace, [weak = std::weak_ptr{core_}] {
    auto self = weak.lock();
    if (!self)
      return;
    for (auto& conn : std::unordered_set{self->connections})
      conn->close();
    for (auto& ws : std::unordered_set{self->websockets})
      ws->abort();
  });
}

} // namespace gale::io
