#pragma once

#include <gale/http/message.hpp>
#include <gale/io/detail/completion.hpp>
#include <gale/io/detail/unique_function.hpp>
#include <gale/io/tcp_client.hpp>
#include <gale/io/tls.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/associated_cancellation_slot.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/dispatch.hpp>
#include <asio/execution/outstanding_work.hpp>
#include <asio/prefer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace gale::io {

/// Answers a body producer's call: the next piece of the request body, an
/// empty string at the end, or an error that fails the fetch.
using body_piece_handler =
  detail::unique_function<void(std::error_code, std::string)>;

/// Produces a request body asynchronously, one piece per call: the client
/// calls it again only after the previous piece was written (flow control).
/// It runs on the loop thread; the handler may be called from any thread.
using body_source = std::function<void(body_piece_handler next)>;

/// Lets the client read on after an asynchronous consumer is done with a
/// body piece. Call it exactly once, from any thread.
using resume_reading = detail::unique_function<void()>;

/// Retries with backoff (opt-in): a fetch whose connect fails (refused,
/// reset, unreachable, timed out, `http::errc::connect_timeout`, a DNS
/// answer to try again) is tried again after a wait, as is an idempotent
/// request without a `body_producer` whose connection is reset or closed
/// before any response byte. Certificate and TLS errors, unknown hosts and
/// every response are not retried. Each try is in the response's
/// `fetch.time.attempts`.
struct retry_policy {
  /// Tries in all, the first included; 1: no retries.
  int max_attempts = 1;
  /// The wait before the second try; each later wait doubles, up to
  /// `max_backoff`.
  std::chrono::milliseconds backoff{100};
  std::chrono::milliseconds max_backoff{2'000};
  /// No try starts later than this after the fetch began
  /// (`request_timeout` still bounds the whole fetch).
  std::chrono::milliseconds max_time{10'000};

  friend bool operator==(const retry_policy&, const retry_policy&) = default;
};

/// What a fetch asks for; Tornado's HTTPRequest is the model. Only `url` is
/// required. Durations of zero mean "no limit".
struct http_request {
  std::string url;
  std::string method = "GET";
  http::fields headers;
  std::string body;

  /// Replaces `body`: pieces sent as they are produced, chunked unless
  /// `headers` has a Content-Length.
  body_source body_producer;

  /// Send `Expect: 100-continue` and the body only after the interim 100;
  /// a final answer that comes first means the body is never sent.
  bool expect_100_continue = false;

  /// Resolving, connecting, the TLS handshake and a proxy tunnel.
  std::chrono::milliseconds connect_timeout{20'000};
  /// The whole fetch, redirects included, from the moment it leaves the
  /// queue. A request still queued behind `max_clients` when the smaller of
  /// both timeouts passes fails with `http::errc::queue_timeout`.
  std::chrono::milliseconds request_timeout{20'000};

  bool follow_redirects = true;
  int max_redirects = 5;

  retry_policy retry{};

  /// Ask for gzip and decode gzip or deflate bodies; the decoded response
  /// then lacks Content-Encoding and has X-Consumed-Content-Encoding.
  bool decompress_response = true;

  /// Non-2xx responses complete with `http::make_status_error(status)` and
  /// the response itself; false: they complete like any other response.
  bool raise_error = true;

  std::uint64_t max_body_size = 100 * 1024 * 1024; ///< decoded bytes
  std::size_t max_header_size = 64 * 1024;         ///< the header section

  /// Basic authentication; the URL's userinfo is used when these are empty.
  std::string auth_username;
  std::string auth_password;
  std::string user_agent = "gale/0.1";

  /// An HTTP proxy: absolute-form requests for http, CONNECT for https.
  std::string proxy_host;
  std::uint16_t proxy_port = 0;
  std::string proxy_username;
  std::string proxy_password;

  /// Verify the server's certificate and host name (https).
  bool validate_cert = true;
  /// Trusted CA certificates (PEM); empty: the system's store.
  std::string ca_file;
  /// Mutual TLS (Tornado's client_cert and client_key): a PEM certificate
  /// chain and its key shown to a server that asks. Connections are pooled
  /// apart by them.
  std::string client_certificate_file{};
  std::string client_key_file{};

  /// False: IPv4 addresses only (Tornado's allow_ipv6).
  bool allow_ipv6 = true;
  /// The local address to connect from (Tornado's network_interface);
  /// empty: any. Connections are pooled apart by it.
  std::string source_address{};
  /// Sends If-Modified-Since with this time (unless `headers` has one): a
  /// server whose resource is no newer answers 304 (with `raise_error`, a
  /// status error carrying the 304).
  std::optional<std::chrono::system_clock::time_point> if_modified_since{};

  /// Called once with the final response's status and headers (no body)
  /// before any body piece; not for interim 1xx or followed redirects.
  std::function<void(const http::response& head)> header_callback;

  /// Tornado's header_callback: the final response's head a line at a
  /// time, each with its "\r\n", as received (before any decoding edits
  /// the fields): the status line ("HTTP/1.1 200 OK\r\n"), each field
  /// ("Name: value\r\n", a folded one joined onto one line), then the
  /// blank line "\r\n". Not for interim 1xx or followed redirects; before
  /// `header_callback` and any body piece.
  std::function<void(std::string_view line)> header_line_callback;

  /// Receives the decoded body piece by piece instead of `response::body`
  /// (which then stays empty): the body is never held whole.
  std::function<void(std::string_view piece)> streaming_callback;

  /// As `streaming_callback`, but nothing more is read from the server
  /// until `resume` is called: a slow consumer slows the transfer down.
  std::function<void(std::string_view piece, resume_reading resume)>
    async_streaming_callback;
};

/// Options for the whole client.
struct http_client_options {
  /// Fetches in flight at once; more wait in a FIFO queue.
  std::size_t max_clients = 10;
  /// Fetches in flight at once to one host (scheme, host and port of the
  /// URL a fetch was admitted with; libcurl's
  /// CURLMOPT_MAX_HOST_CONNECTIONS), and so the connections open to it;
  /// zero: only `max_clients` limits. A fetch waiting for its host keeps
  /// its place in the queue without holding up fetches to other hosts;
  /// each host's fetches start in the order they came.
  std::size_t max_clients_per_host = 0;
  /// A kept-alive connection unused this long is closed.
  std::chrono::milliseconds idle_timeout{30'000};
  /// Host names answered without DNS (Tornado's hostname_mapping, an
  /// OverrideResolver): a name maps to the addresses to connect to, in
  /// order (port 0: the URL's). The request still names the host (Host,
  /// TLS's server name and certificate check): for tests, and for pinning a
  /// name to an address.
  host_mapping hostname_mapping{};
  /// Tornado's defaults=: every fetch's field still at its built-in value
  /// takes this request's value (see `with_defaults`).
  std::optional<http_request> defaults{};
  /// An existing OpenSSL context for every https connection (protocol
  /// versions, ciphers, its own CAs and client certificate); the
  /// requests' `ca_file` and client certificate are then not read, while
  /// `validate_cert` still says whether the server is checked. It stays in
  /// this process: requests sent to a remote client actor use that one's.
  std::shared_ptr<asio::ssl::context> tls_context{};
};

/// `req` with `defaults` filled in: each field equal to its built-in value
/// (an `http_request{}`'s) takes the default's, and each of the default's
/// headers the request lacks is added. The URL, method, body and
/// callbacks are the request's own. (A field set explicitly to its
/// built-in value cannot be told apart, and takes the default too.)
http_request with_defaults(http_request req, const http_request& defaults);

/// An asynchronous HTTP/1.1 client on one loop (Tornado's
/// AsyncHTTPClient): connection pool per scheme, host and port with
/// keep-alive reuse, at most `max_clients` fetches at once and a FIFO queue
/// beyond, TLS through OpenSSL, redirects, content decoding.
///
/// `async_fetch` may be called from any thread; the work runs on the loop.
/// Completion: `void(std::error_code, http::response)`, by default on the
/// loop thread; the response's `fetch` says how it was fetched (URLs,
/// times, attempts), and is filled for a failed fetch too. Errors: `http::errc`
/// (the client's own and the parser's), Asio's socket, resolver and TLS errors,
/// a status error (see `http_request::raise_error`) with the response, and
/// `asio::error::operation_aborted` when the token's cancellation slot
/// fired, `http::errc::client_closed` when the client went first. Every
/// fetch completes exactly once, even one still pending when the loop
/// stopped (completions bound to the loop then run on the thread that
/// destroys the client or the loop).
class http_client {
public:
  explicit http_client(asio::any_io_executor ex,
                       http_client_options options = {});

  /// Fails pending fetches with `http::errc::client_closed` and closes
  /// every connection, on the loop.
  ~http_client();

  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  template <
    asio::completion_token_for<void(std::error_code, http::response)> Token>
  auto async_fetch(http_request req, Token&& token) {
    return detail::initiate<std::error_code, http::response>(
      std::forward<Token>(token), executor(),
      [this, req = std::move(req)](auto done) mutable {
        start(std::move(req), std::move(done));
      });
  }

  /// The same as the destructor does, now. Precondition: called on the
  /// loop thread, or after the loop stopped.
  void shutdown();

  asio::any_io_executor executor() const;

  /// Connections open now, kept idle for reuse.
  std::size_t idle_connections() const;

  struct core;
  struct fetch;

private:
  /// Begins a fetch on the loop. A fetch still pending when the client
  /// shuts down (maybe after its loop stopped) completes then, on the
  /// thread that shuts it down for handlers of the loop itself.
  void start(http_request req,
             detail::completion<std::error_code, http::response> done);

  std::shared_ptr<core> core_;
};

} // namespace gale::io
