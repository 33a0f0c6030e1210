// io::http_client: connections: the pool, connecting (happy eyeballs, TLS,
// CONNECT tunnels).

#include "http_client_core.hpp"

namespace gale::io {

using namespace detail;

void http_client::core::acquire(const fetch_ptr& f) {
  begin_attempt(f);
  f->pool_key = key_of(f);
  if (auto it = idle.find(f->pool_key); it != idle.end()) {
    auto conn = std::move(it->second.back());
    it->second.pop_back();
    if (it->second.empty())
      idle.erase(it);
    conn->leave_pool();
    return send(f, std::move(conn));
  }
  connect(f);
}

void http_client::core::connect(const fetch_ptr& f) {
  if (f->req.connect_timeout.count() > 0)
    arm(f, f->connect_timer, f->req.connect_timeout,
        http::errc::connect_timeout);
  bool via_proxy = !f->req.proxy_host.empty();
  bool tunnel = uses_tunnel(f->req, f->url);
  std::string host = via_proxy ? f->req.proxy_host : f->url.host;
  auto port = via_proxy ? f->req.proxy_port : f->url.effective_port();
  connect_options c; // the fetch's own timers bound the connect
  c.timeout = std::chrono::hours{24};
  c.family = f->req.allow_ipv6 ? address_family::any : address_family::v4;
  c.source_address = f->req.source_address;
  if (!via_proxy) // a proxy's name is not the fetch's host
    c.hosts = opts.hostname_mapping;
  if (f->url.scheme == "https" && !tunnel)
    c.tls = tls_for(f);
  f->step_began = fetch::clock::now();
  c.on_step = [f](connect_step step) {
    auto& t = f->info.time;
    (step == connect_step::resolved ? t.namelookup : t.connect) =
      f->since(f->step_began);
    f->step_began = fetch::clock::now();
  };
  async_connect_stream(
    ex, host, port, std::move(c),
    asio::bind_cancellation_slot(
      f->connecting.slot(), [self = shared_from_this(), f, tunnel,
                             generation = f->connect_generation](
                              std::error_code ec, stream s) mutable {
        if (f->done || generation != f->connect_generation)
          return s.close();
        if (ec)
          return self->connect_failed(f, ec);
        s.set_nodelay(true);
        auto conn = std::make_shared<client_connection>(std::move(s), self->ex);
        f->conn = conn;
        if (tunnel)
          return self->tunnel(f, conn);
        if (f->url.scheme == "https")
          f->info.time.tls = f->since(f->step_began);
        f->connect_timer.cancel();
        self->send(f, conn);
      }));
}

tls_options http_client::core::tls_for(const fetch_ptr& f) {
  auto tls = tls_options::client(f->url.host);
  tls.verify_peer = f->req.validate_cert;
  tls.ca_file = f->req.ca_file;
  tls.certificate_file = f->req.client_certificate_file;
  tls.private_key_file = f->req.client_key_file;
  tls.context = opts.tls_context;
  return detail::tls_context_cache::of(ex).with_context(std::move(tls));
}

void http_client::core::tunnel(const fetch_ptr& f, const connection_ptr& conn) {
  http::request connect_req;
  connect_req.method = "CONNECT";
  connect_req.target =
    f->url.host + ":" + std::to_string(f->url.effective_port());
  if (f->url.host_is_ipv6)
    connect_req.target =
      "[" + f->url.host + "]:" + std::to_string(f->url.effective_port());
  connect_req.headers.set("Host", connect_req.target);
  if (!f->req.proxy_username.empty())
    connect_req.headers.set(
      "Proxy-Authorization",
      http::basic_authorization(f->req.proxy_username, f->req.proxy_password));
  std::string bytes;
  if (auto ec = http::serialize_head(connect_req, bytes))
    return finish(f, ec);
  conn->write(std::move(bytes),
              [self = shared_from_this(), f, conn](std::error_code ec) {
                if (f->done || f->conn != conn) // or a retry dropped it
                  return;
                if (ec)
                  return self->finish(f, ec);
                f->parser.emplace(http::parser::role::response);
                f->parser->set_request_method("CONNECT");
                self->read_tunnel_answer(f, conn);
              });
}

void http_client::core::read_tunnel_answer(const fetch_ptr& f,
                                           const connection_ptr& conn) {
  conn->read_some([self = shared_from_this(), f, conn](std::error_code ec,
                                                       std::string bytes) {
    if (f->done || f->conn != conn)
      return;
    if (ec == asio::error::eof)
      return self->finish(f, http::errc::connection_closed);
    if (ec)
      return self->finish(f, ec);
    f->parser->feed(bytes);
    for (;;) {
      switch (f->parser->next()) {
      case http::parser_event::need_more:
        return self->read_tunnel_answer(f, conn);
      case http::parser_event::head:
        if (f->parser->status() / 100 != 2)
          return self->finish(f, http::errc::proxy_refused);
        if (!f->parser->remaining().empty()) // the server spoke first
          return self->finish(f, http::errc::data_after_close);
        return self->secure_tunnel(f, conn);
      case http::parser_event::error:
        return self->finish(f, f->parser->error());
      default: break;
      }
    }
  });
}

void http_client::core::secure_tunnel(const fetch_ptr& f,
                                      const connection_ptr& conn) {
  conn->io().async_start_tls(
    tls_for(f), [self = shared_from_this(), f, conn](std::error_code ec) {
      if (f->done || f->conn != conn)
        return;
      if (ec)
        return self->finish(f, ec);
      f->info.time.tls = f->since(f->step_began);
      f->connect_timer.cancel();
      self->send(f, conn);
    });
}

void http_client::core::release(const fetch_ptr& f) {
  auto conn = std::move(f->conn);
  if (!conn)
    return;
  // Bytes after the response are not ours to read as the next one's.
  bool reusable = f->parser && f->parser->keep_alive() && !f->parser->upgrade()
                  && f->parser->remaining().empty()
                  && !declares_unread_body(*f->parser) && !f->body_unsent
                  && !f->writing && !closed;
  auto& list = idle[f->pool_key];
  if (!reusable || list.size() >= opts.max_clients) {
    if (list.empty())
      idle.erase(f->pool_key);
    return conn->close();
  }
  list.push_back(conn);
  conn->enter_pool(opts.idle_timeout,
                   [self = shared_from_this(), key = f->pool_key, conn] {
                     self->drop_idle(key, conn);
                   });
}

void http_client::core::drop_idle(const std::string& key,
                                  const connection_ptr& conn) {
  auto it = idle.find(key);
  if (!conn || it == idle.end())
    return;
  std::erase(it->second, conn);
  if (it->second.empty())
    idle.erase(it);
  conn->close();
}

} // namespace gale::io
