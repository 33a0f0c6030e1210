#pragma once

#include <gale/http/message.hpp>
#include <gale/io/tls.hpp>

#include <asio/any_io_executor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace gale::io {

/// Limits and timeouts of an HTTP server; the defaults are safe for a
/// server on the open internet.
struct http_server_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0; ///< 0: any free port
  /// Several servers (one per loop) may share the port: SO_REUSEPORT.
  bool reuse_port = false;
  std::uint64_t max_body_size = 1024 * 1024; ///< larger bodies get 413
  std::size_t max_header_size = 64 * 1024;   ///< larger heads get 431
  /// From a request's first byte (or the connection's start) until its
  /// header section is complete: slow clients (slowloris) are cut off.
  std::chrono::milliseconds header_timeout{10'000};
  /// After the header section, the longest wait for the next byte of the
  /// body (nginx's client_body_timeout): a body that stalls this long is
  /// answered 408 and the connection closed; a slow body that keeps moving
  /// is read to its end (`max_body_size` bounds its size). Zero: no limit.
  std::chrono::milliseconds body_timeout{60'000};
  /// A kept-alive connection with no request this long is closed.
  std::chrono::milliseconds idle_timeout{30'000};
  /// A WebSocket without traffic for about this long gives back its
  /// 512-byte read buffer and waits for readiness without one (one
  /// epoll_ctl more when it wakes). Zero: never. (HTTP connections hold no
  /// read buffer between requests anyway.)
  std::chrono::milliseconds idle_release{1'000};
  /// Connections beyond this wait in the kernel's backlog.
  std::size_t max_connections = 10'000;
  /// Requests read ahead of their answers on one connection (pipelining).
  std::size_t max_pipelined = 16;
  /// TLS: a PEM certificate chain and its private key. Both empty (and no
  /// `tls`): plain HTTP.
  std::string tls_certificate_file;
  std::string tls_private_key_file;
  /// The whole TLS setting, used instead of the two files when set: an
  /// existing context (`tls_options::context`: protocol versions, ciphers),
  /// client certificates (mutual TLS: `verify_peer` and `ca_file`; a
  /// client without a valid one fails its handshake), a certificate per
  /// host name (SNI: `server_names`). Its `server` flag is implied.
  std::optional<tls_options> tls;
  /// Proxies (IP addresses) whose X-Real-IP, X-Forwarded-For and
  /// X-Forwarded-Proto are believed; empty: nobody's (the default).
  std::vector<std::string> trusted_proxies;
  /// What `http_exchange::scheme()` says when no trusted proxy says
  /// otherwise; empty: "https" on a TLS server, else "http". Set "https"
  /// behind a TLS-terminating proxy that sends no X-Forwarded-Proto
  /// (Tornado's `protocol`).
  std::string scheme;
  /// Every answer says Connection: close and ends its connection.
  bool no_keep_alive = false;
  /// Tornado's compress_response: answers of a compressible type
  /// (`http::is_compressible_type`: text, JSON, JavaScript, XML, SVG) of at
  /// least `min_compress_size` bytes go out gzipped to clients whose
  /// Accept-Encoding takes gzip, with Vary: Accept-Encoding; streamed
  /// answers are compressed piece by piece (and sent chunked). Never for
  /// HEAD, 204, 304, 206 or a Content-Range, nor for a body with a
  /// Content-Encoding of its own.
  bool compress_response = false;
  int compression_level = 6; ///< zlib's 1 (fastest) to 9 (smallest)
  std::size_t min_compress_size = 1024;
  /// Tornado's decompress_request: a request body sent with
  /// Content-Encoding: gzip is decoded before the handler sees it (its
  /// headers then say X-Consumed-Content-Encoding: gzip and the decoded
  /// Content-Length); `max_body_size` holds after decoding (413), a corrupt
  /// body gets 400.
  bool decompress_request = false;
  /// Tornado's stream_request_body: for a request this says yes to (given
  /// its head, on the loop; never for an upgrade), the handler runs as soon
  /// as the head is in, with an empty body, and reads the body itself
  /// piece by piece as it arrives (`http_exchange::read_body`,
  /// `io::async_read_body`), setting its own limits first if it likes.
  /// Streamed bodies arrive as sent (`decompress_request` leaves them be).
  std::function<bool(const http::request& head)> stream_request_body;
  /// A line per answered request on the access channel (`gale::io::log`):
  /// "200 GET /x (10.0.0.1) 1.52ms 12B" — status, method, target, client,
  /// time from the request's end to its answer's, body bytes — at level
  /// info (warning for 4xx, error for 5xx), so set that channel to info to
  /// see them all.
  bool access_log = false;
};

/// One WebSocket connection's sending side; calls are thread-safe and run
/// on the server's loop.
class websocket {
public:
  virtual ~websocket() = default;
  /// Sends a text (valid UTF-8) or binary message and forgets it: what
  /// cannot be sent (the connection is closing, or `max_outgoing` bytes
  /// wait already) is dropped. `send` (or `io::async_send`) tells.
  virtual void send_text(std::string text) = 0;
  virtual void send_binary(std::string bytes) = 0;
  /// Sends a message; `sent` runs once on the loop: with no error once the
  /// message left for the network (flow control: wait for it before the
  /// next, and a slow reader cannot make memory grow), else with
  /// `stream_errc::closed` for a connection closing or gone (nothing
  /// vanishes silently), `stream_errc::buffer_full` when `max_outgoing`
  /// bytes wait unsent already (the message is not sent, the connection
  /// goes on), or the transport's error. It may run inside this call.
  virtual void send(std::string message, bool binary,
                    std::function<void(std::error_code)> sent) = 0;
  /// Starts the closing handshake (RFC 6455 7.1.2); the peer's answer, or
  /// a timeout, then closes the connection.
  virtual void close(std::uint16_t code = 1000, std::string reason = {}) = 0;
  /// Sends a ping with `payload` (RFC 6455 5.5.2); the peer's pong comes
  /// to `on_pong`. Throws std::invalid_argument for a payload over 125
  /// bytes, which the protocol forbids; nothing is sent once closing.
  virtual void ping(std::string payload = {}) = 0;
  /// Flow control for a consumer slower than its peer: after
  /// `pause_reading` no further message is delivered and nothing more is
  /// read from the connection (the peer's sends wait in TCP), until
  /// `resume_reading`. Pings are not answered meanwhile, so a pause longer
  /// than the peer's ping timeout may cost the connection. Thread-safe.
  virtual void pause_reading() = 0;
  virtual void resume_reading() = 0;
  /// The subprotocol agreed on in the handshake, or "".
  virtual const std::string& subprotocol() const noexcept = 0;
  /// The other end's handshake fields: the client's request on a server,
  /// the server's 101 on a client (its cookies, its Server...).
  virtual const http::fields& handshake_headers() const noexcept = 0;
  virtual const std::string& peer() const noexcept = 0;
  virtual bool closed() const noexcept = 0;
  /// Once closed: the code and reason `on_close` was given (the peer's
  /// close frame, 1005 for one without a code, 1006 for none); nothing
  /// while open.
  virtual std::optional<std::uint16_t> close_code() const = 0;
  virtual std::string close_reason() const = 0;
  /// The connection's loop (for timers and coroutines of its own).
  virtual const asio::any_io_executor& executor() const noexcept = 0;
};

using websocket_ptr = std::shared_ptr<websocket>;

/// What a WebSocket connection does with what arrives. All run on the
/// server's loop.
struct websocket_handlers {
  std::function<void(websocket_ptr)> on_open;
  /// A whole message: `binary` false for text (valid UTF-8).
  std::function<void(websocket_ptr, std::string message, bool binary)>
    on_message;
  /// Once, when the connection ends: the peer's close code (1005: none
  /// given, 1006: the connection died without a close frame; its reason
  /// then says "ping timed out" when that was why) and reason.
  std::function<void(websocket_ptr, std::uint16_t code, std::string reason)>
    on_close;
  /// A ping from the peer (already answered with its pong) and its payload.
  std::function<void(websocket_ptr, std::string payload)> on_ping;
  /// A pong from the peer (the answer to a ping) and its payload.
  std::function<void(websocket_ptr, std::string payload)> on_pong;
};

struct websocket_options {
  /// Subprotocols this server speaks, best first; the first one the
  /// client also offers is chosen.
  std::vector<std::string> subprotocols;
  /// Origins allowed besides the server's own host (a browser page from
  /// another site gets 403). "*" allows any.
  std::vector<std::string> allowed_origins;
  /// Tornado's check_origin: when set, it alone decides on a request with
  /// an Origin (false: 403), instead of the same-host rule and
  /// `allowed_origins`. Runs on the loop.
  std::function<bool(std::string_view origin, const http::request&)>
    check_origin;
  /// Tornado's select_subprotocol: when set and the client offers any, it
  /// picks one of them ("" for none) instead of `subprotocols`.
  std::function<std::string(const std::vector<std::string>& offered)>
    select_subprotocol;
  /// Extra fields on the 101 (a cookie, say).
  http::fields response_headers;
  std::uint64_t max_message = 16 * 1024 * 1024; ///< larger: close 1009
  /// A ping this long after the connection opened or the last pong. Zero:
  /// no pings.
  std::chrono::milliseconds ping_interval{30'000};
  /// A peer that has not answered a ping this long after it went out is
  /// dead: a close frame 1000 "ping timed out" goes out and the connection
  /// ends (on_close: 1006, "ping timed out"). Zero: `ping_interval`.
  std::chrono::milliseconds ping_timeout{0};
  /// Bytes of sent messages that may wait unwritten (a slow reader): a send
  /// beyond it fails with `stream_errc::buffer_full` and is not queued.
  std::uint64_t max_outgoing = 16 * 1024 * 1024;
  /// Accept permessage-deflate (RFC 7692) when the client offers it; each
  /// message is compressed on its own (no context takeover), and
  /// `max_message` holds after inflating.
  bool permessage_deflate = true;
};

/// One request and the answer it is owed. Every member may be called from
/// any thread (the work moves to the server's loop); the answer goes out
/// after the answers of the requests before it on the same connection.
class http_exchange {
public:
  virtual ~http_exchange() = default;

  /// The request; its target is origin-form ("/path?query"; "*" or
  /// "host:port" for OPTIONS and CONNECT) and its one Host field
  /// normalised (see `http::normalize_target_and_host`).
  virtual const http::request& request() const noexcept = 0;

  /// The peer's address, "ip:port".
  virtual const std::string& peer() const noexcept = 0;

  /// The client's IP address: the peer's, or the one a trusted proxy
  /// reports (X-Real-IP, else the last address in X-Forwarded-For that is
  /// not a trusted proxy). Invalid values are ignored.
  virtual const std::string& remote_ip() const noexcept = 0;

  /// "https" on a TLS server, else "http" (or `http_server_options::
  /// scheme`), unless a trusted proxy names "http" or "https" in
  /// X-Forwarded-Proto (other values are ignored).
  virtual const std::string& scheme() const noexcept = 0;

  /// The subject of the certificate the client showed over TLS, in RFC
  /// 2253's form ("CN=alice,O=Example"), verified against the server's CAs
  /// when the server asks for client certificates (`tls_options::
  /// verify_peer`); empty without one (Tornado's get_ssl_certificate).
  virtual const std::string& client_certificate_subject() const noexcept = 0;

  /// Answers with `res` whole. Content-Length is set from the body; a
  /// HEAD request gets the head alone.
  virtual void respond(http::response res) = 0;

  /// Starts a streamed answer: `head` now, the body in `write`s, chunked
  /// unless `head` has a Content-Length.
  virtual void begin(http::response head) = 0;

  /// Sends a piece of a streamed body; `written` runs on the loop once it
  /// left for the network (or the connection died): wait for it before
  /// producing more, and a slow reader cannot make memory grow.
  virtual void write(std::string piece, std::function<void()> written = {}) = 0;

  /// Ends a streamed answer.
  virtual void end() = 0;

  /// Cuts the connection instead of answering on: for a streamed answer
  /// whose producer failed midway, so that the client sees a truncated
  /// body (no last chunk, or fewer bytes than the Content-Length) rather
  /// than a complete one. Answers still waiting behind it on the
  /// connection are lost. Nothing happens once the answer is complete.
  virtual void abort() = 0;

  /// True when the body is streamed to the handler (see
  /// `http_server_options::stream_request_body`); `request().body` is then
  /// empty.
  virtual bool body_streamed() const noexcept = 0;

  /// Reads the next piece of the body: `got(ec, piece)` runs once on the
  /// loop (it may run inside this call) with the bytes that came, an empty
  /// piece once the body is complete. Until the next call no more of the
  /// body is read from the client: a slow consumer slows the client, and
  /// memory stays bounded whatever the body's size. A body that is not
  /// streamed comes whole in the first piece. One read at a time (a second
  /// fails with `stream_errc::already_reading`). Errors, after which the
  /// server has answered if the handler had not (its answer is then
  /// ignored) and the connection closes: `http::errc::body_too_large`
  /// (413), `asio::error::timed_out` (no body byte for the body timeout,
  /// 408), the parser's error for a malformed body (400);
  /// `stream_errc::closed` when the connection is gone. Answering before
  /// the body is read in full is allowed: the connection then closes
  /// after the answer.
  virtual void
  read_body(std::function<void(std::error_code ec, std::string piece)> got) = 0;

  /// For a streamed body, before its first `read_body` (later calls change
  /// nothing): its own limit (`max_body_size` otherwise; a declared
  /// Content-Length above it is refused before any of the body is read, and
  /// a client that sent Expect: 100-continue is told 413 instead of 100) and
  /// its own body timeout (zero: none). Tornado's set_max_body_size and
  /// set_body_timeout.
  virtual void set_max_body_size(std::uint64_t max) = 0;
  virtual void set_body_timeout(std::chrono::milliseconds timeout) = 0;

  /// True once the connection is gone: the answer would reach nobody.
  virtual bool closed() const noexcept = 0;

  /// Tornado's on_connection_close: `f` runs once on the loop if the
  /// connection ends before this request's answer went out in full (the
  /// client went away, a timeout, a shutdown), at once (posted) if it is
  /// gone already; never once the answer is sent. A long poll stops
  /// waiting with it. The last call's `f` is the one kept.
  virtual void on_connection_close(std::function<void()> f) = 0;

  /// The server's loop, for work that belongs with this request (timers,
  /// coroutines).
  virtual const asio::any_io_executor& executor() const noexcept = 0;

  /// Answers a WebSocket opening handshake (RFC 6455 4.2) and turns the
  /// connection into a WebSocket. A request that is not one gets 400, a
  /// wrong version 426, a foreign Origin 403 (see `allowed_origins`).
  virtual void accept_websocket(websocket_handlers handlers,
                                websocket_options options = {}) = 0;
};

using exchange_ptr = std::shared_ptr<http_exchange>;

/// Runs on the loop thread for every complete request (body buffered up
/// to max_body_size), or once the head is in for a request whose body is
/// streamed (`stream_request_body`); it answers now or later, from any
/// thread. An
/// exception escaping it is reported (`set_unhandled_handler`) and
/// answered with 500; an answer it had given in full stands, one it had
/// begun ends the connection.
using http_handler = std::function<void(exchange_ptr)>;

/// An HTTP/1.1 server on one loop: keep-alive, pipelining (answers in
/// order), HEAD, Expect: 100-continue, streamed answers with flow control,
/// and the limits of `http_server_options`. Malformed requests get 400
/// (431 for a head too large, 413 for a body too large, 501 for a transfer
/// coding before chunked, 408 for a stalled body; an HTTP/1.1 request
/// without exactly one valid Host is malformed) and the connection is
/// closed; one bad client never disturbs the others.
///
/// Construct and use it on its loop thread.
class http_server {
public:
  http_server(asio::any_io_executor ex, http_server_options options,
              http_handler handler);
  ~http_server();

  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds and starts accepting. Errors: the socket's (address in use...),
  /// or OpenSSL's for a certificate or key that cannot be loaded.
  std::error_code listen();

  /// The port bound by `listen`.
  std::uint16_t port() const noexcept;

  /// Open connections.
  std::size_t connections() const noexcept;

  /// Graceful shutdown: stops accepting, closes idle connections, lets
  /// requests in progress finish for up to `grace` (their answers say
  /// Connection: close), then closes what is left; `done` runs on the loop
  /// when no connection is left.
  void shutdown(std::chrono::milliseconds grace, std::function<void()> done);

  struct core;

private:
  std::shared_ptr<core> core_;
};

} // namespace gale::io
