// io::http_client: admission (max_clients, the FIFO queue and its deadline),
// the endings of a fetch, and the public members.

#include "http_client_core.hpp"

namespace gale::io {

using namespace detail;

void http_client::core::begin(const fetch_ptr& f) {
  f->info.method = f->req.method;
  f->info.url = f->req.url;
  f->info.request_headers = f->req.headers;
  f->info.start_time = std::chrono::system_clock::now();
  if (closed)
    return finish(f, http::errc::client_closed);
  if (auto ec = prepare(f))
    return finish(f, ec);
  f->host_key = origin_of(f->url);
  if (has_room(f))
    return run(f);
  f->queued = true;
  queue.push_back(f);
  auto limit =
    std::min(nonzero(f->req.connect_timeout), nonzero(f->req.request_timeout));
  if (limit != std::chrono::milliseconds::max())
    arm(f, f->connect_timer, limit, http::errc::queue_timeout);
}

bool http_client::core::has_room(const fetch_ptr& f) const {
  if (running.size() >= opts.max_clients)
    return false;
  if (opts.max_clients_per_host == 0)
    return true;
  auto it = running_per_host.find(f->host_key);
  return it == running_per_host.end() || it->second < opts.max_clients_per_host;
}

void http_client::core::run(const fetch_ptr& f) {
  f->queued = false;
  f->connect_timer.cancel();
  f->info.time.queue = f->since(f->began);
  running.insert(f);
  ++running_per_host[f->host_key];
  if (f->req.request_timeout.count() > 0)
    arm(f, f->request_timer, f->req.request_timeout,
        http::errc::request_timeout);
  acquire(f);
}

void http_client::core::cancel(const fetch_ptr& f) {
  if (!f->done)
    finish(f, asio::error::operation_aborted);
}

void http_client::core::fail(const fetch_ptr& f, std::error_code ec) {
  bool stale_pooled =
    f->conn && f->conn->reused && !f->response_began && is_stale_connection(ec);
  if (stale_pooled && !f->retried && is_idempotent(f->req.method)
      && !f->req.body_producer) {
    f->retried = true;
    f->conn->close();
    f->conn.reset();
    end_attempt(f, ec);
    begin_attempt(f);
    return connect(f);
  }
  if (!f->response_began && is_stale_connection(ec)
      && is_idempotent(f->req.method) && !f->req.body_producer && retry(f, ec))
    return;
  if (ec == asio::error::eof)
    ec = http::errc::connection_closed;
  finish(f, ec);
}

void http_client::core::finish(const fetch_ptr& f, std::error_code ec,
                               http::response res) {
  if (f->done)
    return;
  f->done = true;
  f->request_timer.cancel();
  f->connect_timer.cancel();
  f->retry_timer.cancel();
  f->connecting.emit(asio::cancellation_type::terminal); // if still under way
  if (f->conn) { // a failed exchange: the connection goes
    f->conn->close();
    f->conn.reset();
  }
  if (f->queued)
    std::erase(queue, f);
  if (running.erase(f) > 0) {
    if (auto it = running_per_host.find(f->host_key); --it->second == 0)
      running_per_host.erase(it);
    if (!closed)
      start_queued();
  }
  describe(f, res, ec);
  auto handler = std::move(f->handler);
  handler(ec, std::move(res), closed);
}

// The first queued fetch whose host has room, while there is room at all:
// one waiting for a busy host holds up nobody else.
void http_client::core::start_queued() {
  for (auto it = queue.begin();
       it != queue.end() && running.size() < opts.max_clients;) {
    if (!has_room(*it)) {
      ++it;
      continue;
    }
    auto next = *it;
    it = queue.erase(it);
    run(next);
    it = queue.begin(); // run may have finished fetches and changed it
  }
}

void http_client::core::shutdown() {
  closed = true;
  for (auto& [key, list] : idle)
    for (auto& conn : list)
      conn->close();
  idle.clear();
  auto pending = std::vector<fetch_ptr>(running.begin(), running.end());
  pending.insert(pending.end(), queue.begin(), queue.end());
  for (auto& f : pending)
    finish(f, http::errc::client_closed);
}

http_client::http_client(asio::any_io_executor ex, http_client_options options)
  : core_(std::make_shared<core>(std::move(ex), options)) {}

http_client::~http_client() {
  asio::post(core_->ex, [c = core_] { c->shutdown(); });
}

void http_client::shutdown() {
  core_->shutdown();
}

asio::any_io_executor http_client::executor() const {
  return core_->ex;
}

std::size_t http_client::idle_connections() const {
  std::size_t n = 0;
  for (auto& [key, list] : core_->idle)
    n += list.size();
  return n;
}

void http_client::start(
  http_request req, detail::completion<std::error_code, http::response> done) {
  auto slot = done.cancellation_slot();
  if (core_->opts.defaults)
    req = with_defaults(std::move(req), *core_->opts.defaults);
  auto f = std::make_shared<fetch>(
    core_->ex, std::move(req),
    [done = std::move(done)](std::error_code ec, http::response res,
                             bool) mutable {
      done.complete(ec, std::move(res)); // never inside the initiation
    });
  if (slot.is_connected())
    slot.assign([weak_core = std::weak_ptr<core>{core_},
                 weak = std::weak_ptr<fetch>{f}](asio::cancellation_type) {
      auto c = weak_core.lock();
      if (!c)
        return;
      asio::post(c->ex, [c, weak] {
        if (auto f = weak.lock())
          c->cancel(f);
      });
    });
  asio::post(core_->ex, [c = core_, f] { c->begin(f); });
}

} // namespace gale::io
