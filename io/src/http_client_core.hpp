#pragma once

// The inside of io::http_client: one fetch's state and the client's core,
// whose jobs live in their own files: admission and endings
// (http_client.cpp), the request's bytes and redirects
// (http_client_request.cpp), connections and the pool
// (http_client_connect.cpp), one exchange (http_client_exchange.cpp),
// attempts, their times and retries (http_client_attempts.cpp).

#include "gale/io/http_client.hpp"

#include "http_client_connection.hpp"
#include "tls_context_cache.hpp"

#include <gale/http/auth.hpp>
#include <gale/http/content_decoder.hpp>
#include <gale/http/error.hpp>
#include <gale/http/fetch_info.hpp>
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
#include <unordered_map>
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
  using clock = std::chrono::steady_clock;

  fetch(const asio::any_io_executor& ex, http_request r, fetch_handler h)
    : req(std::move(r)), handler(std::move(h)), request_timer(ex),
      connect_timer(ex), retry_timer(ex) {}

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
  std::string host_key; ///< the host whose slot it holds, or waits for
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
  detail::deadline retry_timer;         ///< the wait before a retry
  asio::cancellation_signal connecting; ///< ends a connect under way
  unsigned connect_generation = 0;      ///< an abandoned connect's is old

  // What the response's `fetch` will say.
  http::fetch_info info;
  clock::time_point began = clock::now();
  clock::time_point step_began; ///< of the connect step under way
  clock::time_point sent;       ///< the request's last write
  bool attempting = false;      ///< an entry of info.time.attempts is open
  int retries = 0;              ///< those of `req.retry`

  std::chrono::microseconds since(clock::time_point t) const {
    return std::chrono::duration_cast<std::chrono::microseconds>(clock::now()
                                                                 - t);
  }
};

using fetch_ptr = std::shared_ptr<http_client::fetch>;

namespace detail {

inline bool is_idempotent(std::string_view method) {
  for (auto m : {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
    if (method == m)
      return true;
  return false;
}

inline bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307
         || status == 308;
}

/// A 204 or 304 declaring a non-zero Content-Length: no body is read (RFC
/// 9112 6.3), but a server that sent one anyway left it where the next
/// response would be read, so the connection is not reused.
inline bool declares_unread_body(const http::parser& p) {
  if (p.status() != 204 && p.status() != 304)
    return false;
  const auto* length = p.headers().find("Content-Length");
  return length && length->find_first_not_of('0') != std::string::npos;
}

/// Errors that mean "the server had closed this connection already".
inline bool is_stale_connection(std::error_code ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset
         || ec == asio::error::broken_pipe
         || ec == http::errc::connection_closed
         || ec == asio::ssl::error::stream_truncated;
}

/// "scheme://host:port": the host a fetch's slot and pool belong to.
inline std::string origin_of(const http::url& u) {
  return u.scheme + "://" + u.host + ":" + std::to_string(u.effective_port());
}

inline bool same_origin(const http::url& a, const http::url& b) {
  return a.scheme == b.scheme && a.host == b.host
         && a.effective_port() == b.effective_port();
}

inline bool uses_tunnel(const http_request& r, const http::url& u) {
  return !r.proxy_host.empty() && u.scheme == "https";
}

} // namespace detail

struct http_client::core : std::enable_shared_from_this<core> {
  core(asio::any_io_executor e, http_client_options o)
    : ex(std::move(e)), opts(o) {}

  asio::any_io_executor ex;
  http_client_options opts;
  std::map<std::string, std::vector<connection_ptr>> idle;
  std::deque<fetch_ptr> queue;
  std::unordered_set<fetch_ptr> running; ///< holds a max_clients slot
  std::unordered_map<std::string, std::size_t> running_per_host;
  bool closed = false;

  // -- admission ---------------------------------------------------------

  void begin(const fetch_ptr& f);

  static std::chrono::milliseconds nonzero(std::chrono::milliseconds d) {
    return d.count() > 0 ? d : std::chrono::milliseconds::max();
  }

  /// Whether `f` may start now: a `max_clients` slot, and one of its host.
  bool has_room(const fetch_ptr& f) const;
  void run(const fetch_ptr& f);
  void start_queued();

  void arm(const fetch_ptr& f, detail::deadline& timer,
           std::chrono::milliseconds after, http::errc reason) {
    timer.arm(after, [self = shared_from_this(), f, reason] {
      if (f->done)
        return;
      if (reason == http::errc::connect_timeout)
        return self->connect_failed(f, reason); // may be retried
      self->finish(f, reason);
    });
  }

  void cancel(const fetch_ptr& f);

  // -- the request's bytes -----------------------------------------------

  /// Builds the request for `f->url` (or for `f->req.url` on the first
  /// call) and serializes it, so that a bad header is refused before any
  /// connection is made.
  std::error_code prepare(const fetch_ptr& f);

  std::string key_of(const fetch_ptr& f) const;

  // -- connections -------------------------------------------------------

  void acquire(const fetch_ptr& f);

  void connect(const fetch_ptr& f);

  /// TLS for the fetch's URL, with the loop's shared context.
  tls_options tls_for(const fetch_ptr& f);

  /// CONNECT through the proxy, then TLS inside the tunnel.
  void tunnel(const fetch_ptr& f, const connection_ptr& conn);

  void read_tunnel_answer(const fetch_ptr& f, const connection_ptr& conn);

  /// TLS inside the tunnel, on the same stream.
  void secure_tunnel(const fetch_ptr& f, const connection_ptr& conn);

  /// Returns a connection whose exchange ended cleanly to the pool.
  void release(const fetch_ptr& f);

  void drop_idle(const std::string& key, const connection_ptr& conn);

  // -- one exchange ------------------------------------------------------

  void send(const fetch_ptr& f, connection_ptr conn);

  /// Writes the body after an interim 100.
  void send_body_after_100(const fetch_ptr& f);

  /// Asks the producer for the next piece and writes it.
  void produce(const fetch_ptr& f);

  void read(const fetch_ptr& f);

  /// Drains the parser's events; reads more when it needs more.
  void pump(const fetch_ptr& f);

  std::error_code on_head(const fetch_ptr& f);

  /// Hands a decoded body piece on. True when reading pauses for an
  /// asynchronous consumer.
  bool deliver(const fetch_ptr& f, std::string_view piece);

  void on_end(const fetch_ptr& f);

  /// Follows the Location of `f->res` (RFC 9110 section 15.4).
  void redirect(const fetch_ptr& f);

  // -- attempts and retries ----------------------------------------------

  /// Opens the attempt to fetch `f->url`, on whatever connection.
  void begin_attempt(const fetch_ptr& f);
  /// Closes the open attempt (its status was noted with the head).
  void end_attempt(const fetch_ptr& f, std::error_code ec);

  /// A connect that failed (or timed out): retried when the policy allows.
  void connect_failed(const fetch_ptr& f, std::error_code ec);

  /// Tries `f` again after its policy's backoff, if the policy has a try
  /// left; false otherwise.
  bool retry(const fetch_ptr& f, std::error_code ec);

  /// The response's metadata, once `f` is done.
  void describe(const fetch_ptr& f, http::response& res, std::error_code ec);

  // -- endings -----------------------------------------------------------

  /// An I/O failure: retried once on a fresh connection when the pooled
  /// connection was stale and resending is safe.
  void fail(const fetch_ptr& f, std::error_code ec);

  void finish(const fetch_ptr& f, std::error_code ec, http::response res = {});

  void shutdown();
};

} // namespace gale::io
