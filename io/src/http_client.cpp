#include "gale/io/http_client.hpp"

#include "http_client_connection.hpp"
#include "tls_context_cache.hpp"

#include <gale/http/auth.hpp>
#include <gale/http/content_decoder.hpp>
#include <gale/http/error.hpp>
#include <gale/http/parser.hpp>
#include <gale/http/serializer.hpp>
#include <gale/http/url.hpp>
#include <gale/io/tcp_client.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>
#include <asio/ssl/error.hpp>
#include <asio/steady_timer.hpp>

#include <array>
#include <deque>
#include <map>
#include <optional>
#include <unordered_set>

namespace gale::io {

using detail::client_connection;
using connection_ptr = std::shared_ptr<client_connection>;

/// Completes a fetch; `on_shutdown` when the client completes it while
/// shutting down.
using fetch_handler = detail::unique_function<void(
  std::error_code, http::response, bool on_shutdown)>;

/// One fetch from the first byte of its URL to its one completion.
struct http_client::fetch {
  fetch(const asio::any_io_executor& ex, http_request r, fetch_handler h)
    : req(std::move(r)), handler(std::move(h)), request_timer(ex),
      connect_timer(ex) {}

  /// A fetch dropped unfinished (its loop stopped with it still queued or
  /// pending) still completes, once.
  ~fetch() {
    if (!done && handler)
      handler(http::errc::client_closed, {}, true);
  }

  http_request req; ///< method, body and headers change on redirects
  fetch_handler handler;
  http::url url;        ///< the URL being fetched now
  std::string out;      ///< the request's bytes (head, and body if whole)
  std::string pool_key; ///< where its connection comes from
  int redirects = 0;
  bool done = false;
  bool queued = false;
  bool retried = false; ///< already retried on a fresh connection
  bool response_began = false;
  bool eof = false;
  bool awaiting_100 = false; ///< the body waits for an interim 100
  bool body_unsent = false;  ///< some of the body was never written
  bool writing = false;
  bool discard_body = false; ///< a redirect that will be followed
  connection_ptr conn;
  std::optional<http::parser> parser;
  http::content_decoder::coding coding{};
  std::optional<http::content_decoder> decoder;
  http::response res;
  detail::deadline request_timer;
  detail::deadline connect_timer;       ///< also the queue's deadline
  asio::cancellation_signal connecting; ///< ends a connect under way
};

namespace {

using fetch_ptr = std::shared_ptr<http_client::fetch>;

bool is_idempotent(std::string_view method) {
  for (auto m : {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
    if (method == m)
      return true;
  return false;
}

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307
         || status == 308;
}

/// Errors that mean "the server had closed this connection already".
bool is_stale_connection(std::error_code ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset
         || ec == asio::error::broken_pipe
         || ec == http::errc::connection_closed
         || ec == asio::ssl::error::stream_truncated;
}

bool same_origin(const http::url& a, const http::url& b) {
  return a.scheme == b.scheme && a.host == b.host
         && a.effective_port() == b.effective_port();
}

bool uses_tunnel(const http_request& r, const http::url& u) {
  return !r.proxy_host.empty() && u.scheme == "https";
}

} // namespace

struct http_client::core : std::enable_shared_from_this<core> {
  core(asio::any_io_executor e, http_client_options o)
    : ex(std::move(e)), opts(o) {}

  asio::any_io_executor ex;
  http_client_options opts;
  std::map<std::string, std::vector<connection_ptr>> idle;
  std::deque<fetch_ptr> queue;
  std::unordered_set<fetch_ptr> running; ///< holds a max_clients slot
  bool closed = false;

  // -- admission ---------------------------------------------------------

  void begin(const fetch_ptr& f) {
    if (closed)
      return finish(f, http::errc::client_closed);
    if (auto ec = prepare(f))
      return finish(f, ec);
    if (running.size() < opts.max_clients)
      return run(f);
    f->queued = true;
    queue.push_back(f);
    auto limit = std::min(nonzero(f->req.connect_timeout),
                          nonzero(f->req.request_timeout));
    if (limit != std::chrono::milliseconds::max())
      arm(f, f->connect_timer, limit, http::errc::queue_timeout);
  }

  static std::chrono::milliseconds nonzero(std::chrono::milliseconds d) {
    return d.count() > 0 ? d : std::chrono::milliseconds::max();
  }

  void run(const fetch_ptr& f) {
    f->queued = false;
    f->connect_timer.cancel();
    running.insert(f);
    if (f->req.request_timeout.count() > 0)
      arm(f, f->request_timer, f->req.request_timeout,
          http::errc::request_timeout);
    acquire(f);
  }

  void arm(const fetch_ptr& f, detail::deadline& timer,
           std::chrono::milliseconds after, http::errc reason) {
    timer.arm(after, [self = shared_from_this(), f, reason] {
      if (!f->done)
        self->finish(f, reason);
    });
  }

  void cancel(const fetch_ptr& f) {
    if (!f->done)
      finish(f, asio::error::operation_aborted);
  }

  // -- the request's bytes -----------------------------------------------

  /// Builds the request for `f->url` (or for `f->req.url` on the first
  /// call) and serializes it, so that a bad header is refused before any
  /// connection is made.
  std::error_code prepare(const fetch_ptr& f) {
    if (f->url.scheme.empty())
      if (auto ec = http::parse_url(f->req.url, f->url))
        return ec;
    const auto& u = f->url;
    if (u.scheme != "http" && u.scheme != "https")
      return http::errc::unsupported_scheme;
    if (u.host.empty())
      return http::errc::invalid_host;
    http::request wire;
    wire.method = f->req.method;
    bool absolute_form = !f->req.proxy_host.empty() && u.scheme == "http";
    if (absolute_form) {
      auto no_fragment = u;
      no_fragment.fragment.reset();
      no_fragment.userinfo.clear();
      wire.target = no_fragment.to_string();
    } else {
      wire.target = u.target();
    }
    wire.headers = f->req.headers;
    if (!wire.headers.contains("Host"))
      wire.headers.set("Host", u.authority());
    if (!wire.headers.contains("User-Agent") && !f->req.user_agent.empty())
      wire.headers.set("User-Agent", f->req.user_agent);
    if (f->req.decompress_response && !wire.headers.contains("Accept-Encoding"))
      wire.headers.set("Accept-Encoding", "gzip");
    if (!wire.headers.contains("Authorization")) {
      std::string user = f->req.auth_username;
      std::string password = f->req.auth_password;
      if (user.empty() && !u.userinfo.empty()) {
        auto colon = u.userinfo.find(':');
        http::percent_decode(u.userinfo.substr(0, colon), user);
        if (colon != std::string::npos)
          http::percent_decode(u.userinfo.substr(colon + 1), password);
      }
      if (!user.empty())
        wire.headers.set("Authorization",
                         http::basic_authorization(user, password));
    }
    if (absolute_form && !f->req.proxy_username.empty())
      wire.headers.set("Proxy-Authorization",
                       http::basic_authorization(f->req.proxy_username,
                                                 f->req.proxy_password));
    bool producing = static_cast<bool>(f->req.body_producer);
    if (producing && !wire.headers.contains("Content-Length")
        && !wire.headers.contains("Transfer-Encoding"))
      wire.headers.set("Transfer-Encoding", "chunked");
    if (f->req.expect_100_continue)
      wire.headers.set("Expect", "100-continue");
    f->out.clear();
    if (producing || f->req.expect_100_continue) {
      if (!producing && !wire.headers.contains("Content-Length"))
        wire.headers.set("Content-Length", std::to_string(f->req.body.size()));
      return http::serialize_head(wire, f->out);
    }
    wire.body = f->req.body;
    return http::serialize(wire, f->out);
  }

  std::string key_of(const fetch_ptr& f) const {
    const auto& u = f->url;
    std::string key =
      u.scheme + "://" + u.host + ":" + std::to_string(u.effective_port());
    if (!f->req.proxy_host.empty())
      key +=
        " via " + f->req.proxy_host + ":" + std::to_string(f->req.proxy_port);
    if (u.scheme == "https")
      key +=
        (f->req.validate_cert ? " verify " : " no-verify ") + f->req.ca_file;
    return key;
  }

  // -- connections -------------------------------------------------------

  void acquire(const fetch_ptr& f) {
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

  void connect(const fetch_ptr& f) {
    if (f->req.connect_timeout.count() > 0)
      arm(f, f->connect_timer, f->req.connect_timeout,
          http::errc::connect_timeout);
    bool via_proxy = !f->req.proxy_host.empty();
    bool tunnel = uses_tunnel(f->req, f->url);
    std::string host = via_proxy ? f->req.proxy_host : f->url.host;
    auto port = via_proxy ? f->req.proxy_port : f->url.effective_port();
    connect_options c; // the fetch's own timers bound the connect
    c.timeout = std::chrono::hours{24};
    if (f->url.scheme == "https" && !tunnel)
      c.tls = tls_for(f);
    async_connect_stream(
      ex, host, port, std::move(c),
      asio::bind_cancellation_slot(
        f->connecting.slot(), [self = shared_from_this(), f,
                               tunnel](std::error_code ec, stream s) mutable {
          if (f->done)
            return s.close();
          if (ec)
            return self->finish(f, ec);
          s.set_nodelay(true);
          auto conn =
            std::make_shared<client_connection>(std::move(s), self->ex);
          f->conn = conn;
          if (tunnel)
            return self->tunnel(f, conn);
          f->connect_timer.cancel();
          self->send(f, conn);
        }));
  }

  /// TLS for the fetch's URL, with the loop's shared context.
  tls_options tls_for(const fetch_ptr& f) {
    auto tls = tls_options::client(f->url.host);
    tls.verify_peer = f->req.validate_cert;
    tls.ca_file = f->req.ca_file;
    return detail::tls_context_cache::of(ex).with_context(std::move(tls));
  }

  /// CONNECT through the proxy, then TLS inside the tunnel.
  void tunnel(const fetch_ptr& f, const connection_ptr& conn) {
    http::request connect_req;
    connect_req.method = "CONNECT";
    connect_req.target =
      f->url.host + ":" + std::to_string(f->url.effective_port());
    if (f->url.host_is_ipv6)
      connect_req.target =
        "[" + f->url.host + "]:" + std::to_string(f->url.effective_port());
    connect_req.headers.set("Host", connect_req.target);
    if (!f->req.proxy_username.empty())
      connect_req.headers.set("Proxy-Authorization",
                              http::basic_authorization(f->req.proxy_username,
                                                        f->req.proxy_password));
    std::string bytes;
    if (auto ec = http::serialize_head(connect_req, bytes))
      return finish(f, ec);
    conn->write(std::move(bytes),
                [self = shared_from_this(), f, conn](std::error_code ec) {
                  if (f->done)
                    return;
                  if (ec)
                    return self->finish(f, ec);
                  f->parser.emplace(http::parser::role::response);
                  f->parser->set_request_method("CONNECT");
                  self->read_tunnel_answer(f, conn);
                });
  }

  void read_tunnel_answer(const fetch_ptr& f, const connection_ptr& conn) {
    conn->read_some([self = shared_from_this(), f, conn](std::error_code ec,
                                                         std::string bytes) {
      if (f->done)
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

  /// TLS inside the tunnel, on the same stream.
  void secure_tunnel(const fetch_ptr& f, const connection_ptr& conn) {
    conn->io().async_start_tls(
      tls_for(f), [self = shared_from_this(), f, conn](std::error_code ec) {
        if (f->done)
          return;
        if (ec)
          return self->finish(f, ec);
        f->connect_timer.cancel();
        self->send(f, conn);
      });
  }

  /// Returns a connection whose exchange ended cleanly to the pool.
  void release(const fetch_ptr& f) {
    auto conn = std::move(f->conn);
    if (!conn)
      return;
    // Bytes after the response are not ours to read as the next one's.
    bool reusable = f->parser && f->parser->keep_alive()
                    && !f->parser->upgrade() && f->parser->remaining().empty()
                    && !f->body_unsent && !f->writing && !closed;
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

  void drop_idle(const std::string& key, const connection_ptr& conn) {
    auto it = idle.find(key);
    if (!conn || it == idle.end())
      return;
    std::erase(it->second, conn);
    if (it->second.empty())
      idle.erase(it);
    conn->close();
  }

  // -- one exchange ------------------------------------------------------

  void send(const fetch_ptr& f, connection_ptr conn) {
    f->conn = std::move(conn);
    f->parser.emplace(
      http::parser::role::response,
      http::parser_limits{.max_start_line = 8 * 1024,
                          .max_header_bytes = f->req.max_header_size,
                          .max_fields = 256,
                          .max_body = f->req.max_body_size});
    f->parser->set_request_method(f->req.method);
    f->decoder.reset();
    f->res = {};
    f->eof = false;
    f->response_began = false;
    f->discard_body = false;
    bool has_body_after_head =
      f->req.body_producer || f->req.expect_100_continue;
    f->awaiting_100 = f->req.expect_100_continue;
    f->body_unsent = has_body_after_head;
    f->writing = true;
    f->conn->write(f->out, [self = shared_from_this(), f](std::error_code ec) {
      if (f->done)
        return;
      f->writing = false;
      if (ec)
        return self->fail(f, ec);
      if (f->req.body_producer && !f->awaiting_100)
        self->produce(f); // may finish at once: a producer's error
      if (!f->done)
        self->read(f);
    });
  }

  /// Writes the body after an interim 100.
  void send_body_after_100(const fetch_ptr& f) {
    f->awaiting_100 = false;
    if (f->req.body_producer)
      return produce(f);
    f->writing = true;
    f->conn->write(f->req.body,
                   [self = shared_from_this(), f](std::error_code ec) {
                     if (f->done)
                       return;
                     f->writing = false;
                     if (ec)
                       return self->fail(f, ec);
                     f->body_unsent = false;
                   });
  }

  /// Asks the producer for the next piece and writes it.
  void produce(const fetch_ptr& f) {
    bool chunked = !f->req.headers.contains("Content-Length");
    f->writing = true;
    f->req.body_producer([self = shared_from_this(), f,
                          chunked](std::error_code ec, std::string piece) {
      asio::dispatch(
        self->ex, [self, f, chunked, ec, piece = std::move(piece)]() mutable {
          if (f->done)
            return;
          if (ec)
            return self->finish(f, ec);
          bool last = piece.empty();
          std::string bytes;
          if (chunked) {
            if (last)
              http::append_last_chunk({}, bytes);
            else
              http::append_chunk(piece, bytes);
          } else {
            bytes = std::move(piece);
          }
          f->conn->write(std::move(bytes), [self, f, last](std::error_code ec) {
            if (f->done)
              return;
            f->writing = false;
            if (ec)
              return self->fail(f, ec);
            if (last)
              f->body_unsent = false;
            else
              self->produce(f);
          });
        });
    });
  }

  void read(const fetch_ptr& f) {
    f->conn->read_some([self = shared_from_this(), f](std::error_code ec,
                                                      std::string bytes) {
      if (f->done)
        return;
      if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
        // A TLS peer that closes without close_notify ends the stream the
        // same way; truncation is the parser's to judge.
        f->eof = true;
        f->parser->feed_eof();
      } else if (ec) {
        return self->fail(f, ec);
      } else {
        f->response_began = true;
        f->parser->feed(bytes);
      }
      self->pump(f);
    });
  }

  /// Drains the parser's events; reads more when it needs more.
  void pump(const fetch_ptr& f) {
    auto& p = *f->parser;
    for (;;) {
      switch (p.next()) {
      case http::parser_event::need_more:
        if (f->eof)
          return fail(f, http::errc::connection_closed);
        return read(f);
      case http::parser_event::head:
        if (p.status() / 100 == 1 && p.status() != 101) {
          if (p.status() == 100 && f->awaiting_100)
            send_body_after_100(f);
          if (f->done)
            return;
          break; // the parser reports the interim message's end next
        }
        if (auto ec = on_head(f))
          return finish(f, ec);
        break;
      case http::parser_event::body:
        if (f->discard_body)
          break;
        if (f->coding != http::content_decoder::coding::identity) {
          // Made here, not at the head: a HEAD answer or an empty body
          // has nothing to decode.
          if (!f->decoder)
            f->decoder.emplace(f->coding, f->req.max_body_size);
          std::string decoded;
          if (auto ec = f->decoder->decode(p.body(), decoded))
            return finish(f, ec);
          if (deliver(f, decoded))
            return;
        } else if (deliver(f, p.body())) {
          return;
        }
        break;
      case http::parser_event::end:
        if (p.status() / 100 == 1 && p.status() != 101)
          break; // the end of an interim response
        return on_end(f);
      case http::parser_event::error: return finish(f, p.error());
      }
    }
  }

  std::error_code on_head(const fetch_ptr& f) {
    auto& p = *f->parser;
    auto& res = f->res;
    res.version = p.version();
    res.status = p.status();
    res.reason = p.reason();
    res.headers = p.headers();
    if (f->awaiting_100) // a final answer before 100: never send the body
      f->awaiting_100 = false;
    f->discard_body = f->req.follow_redirects && is_redirect(res.status)
                      && res.headers.contains("Location")
                      && f->redirects < f->req.max_redirects;
    if (f->discard_body)
      return {};
    f->coding = http::content_decoder::coding::identity;
    if (f->req.decompress_response)
      if (const auto* coding = res.headers.find("Content-Encoding")) {
        auto c = http::content_decoder::from_header(*coding);
        if (c && *c != http::content_decoder::coding::identity) {
          f->coding = *c; // the decoder is made for the first body piece
          res.headers.set("X-Consumed-Content-Encoding", *coding);
          res.headers.erase("Content-Encoding");
        }
      }
    if (f->req.header_callback)
      f->req.header_callback(res);
    return {};
  }

  /// Hands a decoded body piece on. True when reading pauses for an
  /// asynchronous consumer.
  bool deliver(const fetch_ptr& f, std::string_view piece) {
    if (piece.empty())
      return false;
    if (f->req.async_streaming_callback) {
      f->req.async_streaming_callback(piece,
                                      [self = shared_from_this(), f]() mutable {
                                        asio::post(self->ex, [self, f] {
                                          if (!f->done)
                                            self->pump(f);
                                        });
                                      });
      return true;
    }
    if (f->req.streaming_callback)
      f->req.streaming_callback(piece);
    else
      f->res.body.append(piece);
    return false;
  }

  void on_end(const fetch_ptr& f) {
    if (f->decoder)
      if (auto ec = f->decoder->finish())
        return finish(f, ec);
    release(f);
    if (f->discard_body)
      return redirect(f);
    std::error_code ec;
    if (f->req.follow_redirects && is_redirect(f->res.status)
        && f->res.headers.contains("Location"))
      ec = http::errc::too_many_redirects;
    else if (f->req.raise_error && f->res.status / 100 != 2)
      ec = http::make_status_error(f->res.status);
    finish(f, ec, std::move(f->res));
  }

  /// Follows the Location of `f->res` (RFC 9110 section 15.4).
  void redirect(const fetch_ptr& f) {
    http::url next;
    if (auto ec =
          http::resolve_url(f->url, *f->res.headers.find("Location"), next))
      return finish(f, ec);
    if (next.scheme != "http" && next.scheme != "https")
      return finish(f, http::errc::unsupported_scheme);
    int status = f->res.status;
    auto& r = f->req;
    if ((status == 303 && r.method != "HEAD")
        || ((status == 301 || status == 302) && r.method == "POST")) {
      r.method = "GET";
      r.body.clear();
      r.body_producer = nullptr;
      r.expect_100_continue = false;
      for (auto name : {"Content-Length", "Content-Type", "Transfer-Encoding",
                        "Content-Encoding"})
        r.headers.erase(name);
    } else if (r.body_producer) {
      // A produced body cannot be produced again: the redirect is the
      // answer (without its body, which was not kept).
      auto ec =
        r.raise_error ? http::make_status_error(status) : std::error_code{};
      return finish(f, ec, std::move(f->res));
    }
    if (!same_origin(f->url, next)) {
      // Credentials are for the origin they were given to.
      r.headers.erase("Authorization");
      r.headers.erase("Cookie");
      r.auth_username.clear();
      r.auth_password.clear();
      next.userinfo.clear();
    } else if (next.userinfo.empty()) {
      next.userinfo = f->url.userinfo;
    }
    r.headers.erase("Host");
    f->url = std::move(next);
    ++f->redirects;
    if (auto ec = prepare(f))
      return finish(f, ec);
    acquire(f);
  }

  // -- endings -----------------------------------------------------------

  /// An I/O failure: retried once on a fresh connection when the pooled
  /// connection was stale and resending is safe.
  void fail(const fetch_ptr& f, std::error_code ec) {
    bool stale_pooled = f->conn && f->conn->reused && !f->response_began
                        && is_stale_connection(ec);
    if (stale_pooled && !f->retried && is_idempotent(f->req.method)
        && !f->req.body_producer) {
      f->retried = true;
      f->conn->close();
      f->conn.reset();
      return connect(f);
    }
    if (ec == asio::error::eof)
      ec = http::errc::connection_closed;
    finish(f, ec);
  }

  void finish(const fetch_ptr& f, std::error_code ec, http::response res = {}) {
    if (f->done)
      return;
    f->done = true;
    f->request_timer.cancel();
    f->connect_timer.cancel();
    f->connecting.emit(asio::cancellation_type::terminal); // if still under way
    if (f->conn) { // a failed exchange: the connection goes
      f->conn->close();
      f->conn.reset();
    }
    if (f->queued)
      std::erase(queue, f);
    if (running.erase(f) > 0 && !queue.empty() && !closed) {
      auto next = queue.front();
      queue.pop_front();
      run(next);
    }
    auto handler = std::move(f->handler);
    handler(ec, std::move(res), closed);
  }

  void shutdown() {
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
};

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
