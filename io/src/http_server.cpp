#include "gale/io/http_server.hpp"

#include "deadline.hpp"
#include "ws_protocol.hpp"

#include <gale/http/error.hpp>
#include <gale/http/fields.hpp>
#include <gale/http/parser.hpp>
#include <gale/http/serializer.hpp>
#include <gale/ws/codec.hpp>
#include <gale/ws/deflate.hpp>
#include <gale/ws/handshake.hpp>
#include <gale/io/tcp.hpp>

#include <asio/dispatch.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/error.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/write.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <unordered_set>
#include <vector>

namespace gale::io {

namespace {

class connection;
using connection_ptr = std::shared_ptr<connection>;

/// One request's answer as it is built: bytes waiting for their turn on
/// the connection, and the callbacks of streamed pieces among them.
class exchange final : public http_exchange,
                       public std::enable_shared_from_this<exchange> {
public:
  exchange(asio::any_io_executor ex, std::weak_ptr<connection> conn,
           http::request req, const std::string& peer, bool keep_alive)
    : ex_(std::move(ex)), conn_(std::move(conn)), req_(std::move(req)),
      peer_(peer), keep_alive_(keep_alive) {}

  /// An answer the server makes itself: a malformed request's error,
  /// which ends the connection, or an interim 100 Continue.
  static std::shared_ptr<exchange>
  prepared(asio::any_io_executor ex, std::string bytes, bool keep_alive) {
    auto x =
      std::make_shared<exchange>(std::move(ex), std::weak_ptr<connection>{},
                                 http::request{}, std::string{}, keep_alive);
    x->out = std::move(bytes);
    x->started_ = true;
    x->finished_ = true;
    return x;
  }

  static std::shared_ptr<exchange> failure(asio::any_io_executor ex,
                                           int status) {
    http::response res;
    res.status = status;
    res.headers.set("Content-Type", "text/plain");
    res.headers.set("Connection", "close");
    res.body = std::string{http::reason_phrase(status)} + "\n";
    std::string bytes;
    http::serialize(res, bytes);
    return prepared(std::move(ex), std::move(bytes), false);
  }

  const http::request& request() const noexcept override { return req_; }
  const std::string& peer() const noexcept override { return peer_; }
  const std::string& remote_ip() const noexcept override { return remote_ip_; }
  const std::string& scheme() const noexcept override { return scheme_; }

  /// What trusted proxies say about the client.
  void set_origin(std::string remote_ip, std::string scheme) {
    remote_ip_ = std::move(remote_ip);
    scheme_ = std::move(scheme);
  }

  void respond(http::response res) override {
    on_loop([res = std::move(res)](exchange& x) mutable {
      if (x.started_)
        return; // answered already: the first answer stands
      x.prepare(res);
      x.finished_ = true;
    });
  }

  void begin(http::response head) override {
    on_loop([head = std::move(head)](exchange& x) mutable {
      if (x.started_)
        return;
      x.streaming_ = true;
      x.chunked_ = !head.headers.contains("Content-Length");
      if (x.chunked_ && x.req_.version == 10) {
        x.chunked_ = false; // HTTP/1.0 knows no chunks: end by closing
        x.keep_alive_ = false;
      } else if (x.chunked_) {
        head.headers.set("Transfer-Encoding", "chunked");
      }
      x.prepare(head, true);
    });
  }

  void write(std::string piece, std::function<void()> written) override {
    on_loop([piece = std::move(piece),
             written = std::move(written)](exchange& x) mutable {
      if (!x.streaming_ || x.finished_ || x.head_only_ || x.gone_) {
        if (written)
          written();
        return;
      }
      if (x.chunked_)
        http::append_chunk(piece, x.out);
      else
        x.out += piece;
      if (written)
        x.callbacks.push_back(std::move(written));
    });
  }

  void end() override {
    on_loop([](exchange& x) {
      if (!x.streaming_ || x.finished_)
        return;
      if (x.chunked_ && !x.head_only_)
        http::append_last_chunk({}, x.out);
      x.finished_ = true;
    });
  }

  bool closed() const noexcept override { return gone_.load(); }

  const asio::any_io_executor& executor() const noexcept override {
    return ex_;
  }

  /// The connection went away: nothing more will be sent.
  void abandon() {
    gone_ = true;
    out.clear();
    run_callbacks();
  }

  void run_callbacks() {
    auto cbs = std::move(callbacks);
    callbacks.clear();
    for (auto& cb : cbs)
      cb();
  }

  bool finished() const noexcept { return finished_; }
  bool closes_connection() const noexcept { return !keep_alive_; }

  /// What an accepted WebSocket handshake leaves for the connection.
  struct websocket_setup {
    websocket_handlers handlers;
    websocket_options options;
    std::string subprotocol;
    bool deflate = false;
  };

  std::unique_ptr<websocket_setup> take_websocket() {
    return std::move(websocket_);
  }

  void mark_upgrade_request() { upgrade_request_ = true; }

  void accept_websocket(websocket_handlers handlers,
                        websocket_options options) override {
    on_loop([handlers = std::move(handlers),
             options = std::move(options)](exchange& x) mutable {
      if (!x.started_)
        x.handshake(std::move(handlers), std::move(options));
    });
  }

  // Loop side, read by the connection.
  std::string out;
  std::vector<std::function<void()>> callbacks;

private:
  /// Runs `f` on the loop, then lets the connection send what is ready.
  template <class F>
  void on_loop(F f);

  /// Serializes `res` (its head only for HEAD, or when `head_only_body`).
  void prepare(http::response& res, bool head_only_body = false);

  asio::any_io_executor ex_;
  std::weak_ptr<connection> conn_;
  http::request req_;
  std::string peer_;
  std::string remote_ip_;
  std::string scheme_ = "http";
  bool keep_alive_;
  bool started_ = false;
  bool streaming_ = false;
  bool chunked_ = false;
  bool head_only_ = false;
  bool finished_ = false;
  bool upgrade_request_ = false;
  std::unique_ptr<websocket_setup> websocket_;
  std::atomic<bool> gone_{false};

  void handshake(websocket_handlers handlers, websocket_options options);
};

/// The sending side of a WebSocket connection, handed to the handlers.
class ws_session final : public websocket {
public:
  ws_session(asio::any_io_executor ex, std::weak_ptr<connection> conn,
             std::string subprotocol, std::string peer)
    : ex_(std::move(ex)), conn_(std::move(conn)),
      subprotocol_(std::move(subprotocol)), peer_(std::move(peer)) {}

  void send_text(std::string text) override;
  void send_binary(std::string bytes) override;
  void close(std::uint16_t code, std::string reason) override;
  const std::string& subprotocol() const noexcept override {
    return subprotocol_;
  }
  const std::string& peer() const noexcept override { return peer_; }
  bool closed() const noexcept override { return gone_.load(); }
  const asio::any_io_executor& executor() const noexcept override {
    return ex_;
  }

  std::atomic<bool> gone_{false};

private:
  template <class F>
  void on_connection(F f);

  asio::any_io_executor ex_;
  std::weak_ptr<connection> conn_;
  std::string subprotocol_;
  std::string peer_;
};

} // namespace

struct http_server::core : std::enable_shared_from_this<core> {
  core(asio::any_io_executor e, http_server_options o, http_handler h)
    : ex(std::move(e)), opts(std::move(o)), handler(std::move(h)), acceptor(ex),
      grace_timer(ex), read_buffer(std::make_unique<char[]>(read_buffer_size)) {
  }

  static constexpr std::size_t read_buffer_size = 64 * 1024;

  asio::any_io_executor ex;
  http_server_options opts;
  http_handler handler;
  tcp::acceptor acceptor;
  std::uint16_t port = 0;
  std::unordered_set<connection_ptr> connections;
  std::unique_ptr<asio::ssl::context> tls; ///< set for HTTPS
  bool accepting = false;
  bool shutting_down = false;
  std::function<void()> on_drained;
  detail::deadline grace_timer;
  /// Shared by every connection of this loop: reads happen one at a time,
  /// and an idle connection then holds no buffer of its own.
  std::unique_ptr<char[]> read_buffer;

  void accept();
  void forget(const connection_ptr& c);
};

namespace {

/// One client connection: reads requests, hands them to the handler,
/// writes the answers in order.
class connection : public std::enable_shared_from_this<connection> {
public:
  connection(std::shared_ptr<http_server::core> core, tcp::socket s)
    : core_(std::move(core)), socket_(std::move(s)), timer_(core_->ex) {
    std::error_code ec;
    auto ep = socket_.remote_endpoint(ec);
    if (!ec)
      remote_ = ep;
    socket_.set_option(tcp::no_delay{true}, ec);
    if (core_->tls)
      tls_.reset(new tls_state{{socket_, *core_->tls}, {}});
    else
      socket_.non_blocking(true, ec);
  }

  void start() {
    arm_header_timeout(); // also bounds the TLS handshake
    if (!tls_)
      return wait_readable();
    tls_->stream.async_handshake(
      asio::ssl::stream_base::server,
      [self = shared_from_this()](std::error_code ec) {
        if (ec || self->closed_)
          return self->close();
        self->wait_readable();
      });
  }

  /// Ends the connection now; exchanges in flight learn it is gone.
  void close() {
    if (closed_)
      return;
    closed_ = true;
    timer_.cancel();
    if (ws_)
      end_websocket();
    std::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    auto pending = std::move(pipeline_);
    pipeline_.clear();
    for (auto& x : pending)
      x->abandon();
    core_->forget(shared_from_this());
  }

  /// True for the last answer the connection owes in a graceful shutdown:
  /// it tells the client that the connection closes.
  bool last_before_shutdown(const http_exchange* x) const noexcept {
    return draining_ && !pipeline_.empty() && pipeline_.back().get() == x;
  }

  /// Stop after the requests in progress (graceful shutdown).
  void close_when_idle() {
    draining_ = true;
    closing_ = true;
    if (pipeline_.empty() && !got_head_)
      close();
  }

  /// Sends what the front exchange has ready, in order.
  void flush() {
    if (ws_)
      return ws_flush();
    while (!writing_ && !closed_ && !pipeline_.empty()) {
      auto front = pipeline_.front();
      if (!front->out.empty())
        return write(*front);
      if (!front->callbacks.empty()) { // pieces of a HEAD answer: none sent
        front->run_callbacks();
        continue;
      }
      if (!front->finished())
        return; // its handler has not answered yet
      pipeline_.erase(pipeline_.begin());
      if (auto setup = front->take_websocket())
        return start_websocket(std::move(*setup));
      if (front->closes_connection()) {
        closing_ = true;
        return close();
      }
    }
    if (writing_ || closed_)
      return;
    if (closing_)
      return close();
    if (!got_head_ && (!in_ || in_->parser.remaining().empty())) {
      go_idle();
      arm_idle_timeout();
    }
    wait_readable(); // reading may have paused for the pipeline's depth
  }

private:
  http::parser_limits limits() const {
    http::parser_limits l;
    l.max_header_bytes = core_->opts.max_header_size;
    l.max_body = core_->opts.max_body_size;
    return l;
  }

  void wait_readable() {
    if (reading_ || closed_
        || (!ws_ && (closing_ || pipeline_.size() >= core_->opts.max_pipelined))
        || (ws_ && ws_->protocol.close_received))
      return;
    reading_ = true;
    if (tls_)
      return read_tls();
    if (ws_)
      return read_websocket();
    // Waiting for readiness, not reading: no buffer is held while idle.
    socket_.async_wait(tcp::socket::wait_read,
                       [self = shared_from_this()](std::error_code ec) {
                         self->reading_ = false;
                         if (self->closed_)
                           return;
                         if (ec)
                           return self->close();
                         self->on_readable();
                       });
  }

  void read_websocket() {
    socket_.async_read_some(
      asio::buffer(ws_->buffer),
      [self = shared_from_this()](std::error_code ec, std::size_t n) {
        self->reading_ = false;
        if (self->closed_ || !self->ws_)
          return;
        if (ec == asio::error::eof)
          return self->close();
        if (ec)
          return self->close();
        self->ws_->protocol.feed({self->ws_->buffer.data(), n});
        if (n == self->ws_->buffer.size())
          return self->on_readable(); // more may wait: drain it
        self->consume({}, false);
      });
  }

  /// TLS decrypts into a buffer of the connection's own, held while a
  /// read is pending (an idle TLS connection costs this much more).
  void read_tls() {
    tls_->stream.async_read_some(
      asio::buffer(tls_->buffer),
      [self = shared_from_this()](std::error_code ec, std::size_t n) {
        self->reading_ = false;
        if (self->closed_)
          return;
        bool eof =
          ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
        if (ec && !eof)
          return self->close();
        std::string_view bytes{self->tls_->buffer.data(), n};
        self->consume(bytes, eof);
      });
  }

  /// Sends `out_` through TLS or the plain socket.
  template <class Handler>
  void send_out(Handler&& h) {
    if (tls_)
      asio::async_write(tls_->stream, asio::buffer(out_),
                        std::forward<Handler>(h));
    else
      asio::async_write(socket_, asio::buffer(out_), std::forward<Handler>(h));
  }

  /// Hands bytes read to the WebSocket reader or the HTTP parser.
  void consume(std::string_view bytes, bool eof) {
    if (!bytes.empty()) {
      if (ws_)
        ws_->protocol.feed(bytes);
      else
        incoming().parser.feed(bytes);
    }
    if (ws_)
      return eof ? close() : ws_pump();
    if (eof)
      incoming().parser.feed_eof();
    pump(eof);
  }

  void on_readable() {
    auto* buf = core_->read_buffer.get();
    bool eof = false;
    for (;;) {
      std::error_code ec;
      auto n = socket_.read_some(
        asio::buffer(buf, http_server::core::read_buffer_size), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again)
        break;
      if (ec == asio::error::eof) {
        eof = true;
        break;
      }
      if (ec)
        return close();
      if (ws_)
        ws_->protocol.feed({buf, n});
      else
        incoming().parser.feed({buf, n});
      if (n < http_server::core::read_buffer_size)
        break;
    }
    consume({}, eof);
  }

  /// Turns parsed bytes into exchanges.
  void pump(bool eof) {
    auto& parser = incoming().parser;
    for (;;) {
      switch (parser.next()) {
      case http::parser_event::need_more:
        if (eof) { // the client is done sending; answer what it asked
          closing_ = true;
          return flush();
        }
        if (got_head_ || !parser.remaining().empty())
          arm_header_timeout();
        return wait_readable();
      case http::parser_event::head: on_head(); break;
      case http::parser_event::body: in_->current.body += parser.body(); break;
      case http::parser_event::end:
        on_request();
        if (closing_ || closed_)
          return flush();
        if (pipeline_.size() >= core_->opts.max_pipelined)
          return; // read on when answers went out
        break;
      case http::parser_event::error: return fail(parser.error());
      }
    }
  }

  void on_head() {
    got_head_ = true;
    header_timer_armed_ = false;
    timer_.cancel();
    auto& [parser, current] = *in_;
    current.method = parser.method();
    current.target = parser.target();
    current.version = parser.version();
    current.headers = parser.headers();
    current.body.clear();
    if (current.version == 11 && pipeline_.empty() && !writing_
        && parser.headers().has_token("Expect", "100-continue"))
      send_interim("HTTP/1.1 100 Continue\r\n\r\n");
  }

  void on_request() {
    got_head_ = false;
    bool keep_alive = in_->parser.keep_alive() && !closing_;
    if (!keep_alive)
      closing_ = true;
    auto x = std::make_shared<exchange>(
      core_->ex, weak_from_this(), std::move(in_->current), peer(), keep_alive);
    in_->current = {};
    set_origin(*x);
    if (in_->parser.upgrade()) {
      // The bytes after an upgrade request are not HTTP: nothing more is
      // read until the handler accepted a WebSocket (or refused).
      x->mark_upgrade_request();
      closing_ = true;
    }
    pipeline_.push_back(x);
    core_->handler(x);
  }

  std::string peer() const {
    return remote_.address().to_string() + ":" + std::to_string(remote_.port());
  }

  bool trusted(std::string_view ip) const {
    const auto& proxies = core_->opts.trusted_proxies;
    return std::find(proxies.begin(), proxies.end(), ip) != proxies.end();
  }

  static bool valid_ip(std::string_view text) {
    std::error_code ec;
    asio::ip::make_address(std::string{text}, ec);
    return !ec;
  }

  /// The client's address and scheme, believing trusted proxies only.
  void set_origin(exchange& x) {
    std::string ip = remote_.address().to_string(), scheme = "http";
    if (trusted(ip)) {
      const auto& h = x.request().headers;
      auto trim = [](std::string_view v) {
        while (!v.empty() && v.front() == ' ')
          v.remove_prefix(1);
        while (!v.empty() && v.back() == ' ')
          v.remove_suffix(1);
        return v;
      };
      if (const auto* real = h.find("X-Real-IP");
          real && valid_ip(trim(*real))) {
        ip = trim(*real);
      } else if (const auto* fwd = h.find("X-Forwarded-For")) {
        // Right to left: the first hop that is not one of our proxies.
        std::string_view list = *fwd;
        while (!list.empty()) {
          auto comma = list.rfind(',');
          auto item = trim(comma == list.npos ? list : list.substr(comma + 1));
          list =
            comma == list.npos ? std::string_view{} : list.substr(0, comma);
          if (!valid_ip(item))
            break; // garbage: believe nothing further
          ip = item;
          if (!trusted(item))
            break;
        }
      }
      if (const auto* proto = h.find("X-Forwarded-Proto")) {
        auto p = trim(*proto);
        if (http::iequals(p, "https"))
          scheme = "https";
      }
    }
    x.set_origin(std::move(ip), std::move(scheme));
  }

  /// A malformed request: its own answer after those before it, then the
  /// connection closes.
  void fail(std::error_code ec) {
    got_head_ = false;
    closing_ = true;
    pipeline_.push_back(exchange::failure(core_->ex, http::status_for(ec)));
    flush();
  }

  void send_interim(std::string bytes) {
    pipeline_.insert(pipeline_.begin(),
                     exchange::prepared(core_->ex, std::move(bytes), true));
    flush();
  }

  void write(exchange& front) {
    writing_ = true;
    out_.swap(front.out);
    callbacks_.swap(front.callbacks);
    send_out([self = shared_from_this()](std::error_code ec, std::size_t) {
      self->writing_ = false;
      std::string{}.swap(self->out_); // nothing kept idle
      auto cbs = std::move(self->callbacks_);
      self->callbacks_.clear();
      for (auto& cb : cbs)
        cb();
      if (ec)
        return self->close();
      self->flush();
    });
  }

public:
  // -- WebSocket mode ------------------------------------------------------

  /// Queues a frame and sends it (from the session, on the loop).
  void ws_send(ws::opcode op, std::string_view payload) {
    if (!ws_ || closed_)
      return;
    ws_->protocol.send(op, payload);
    ws_flush();
  }

  /// Starts the closing handshake: our close frame, then the peer's.
  void ws_close(std::uint16_t code, std::string_view reason) {
    if (!ws_ || ws_->protocol.close_sent || closed_)
      return;
    ws_->protocol.close(code, reason);
    // A peer that never answers our close is not waited for long.
    timer_.arm(std::chrono::seconds{5},
               [self = shared_from_this()] { self->close(); });
    ws_flush();
  }

private:
  struct ws_state {
    detail::ws_protocol protocol;
    websocket_handlers handlers;
    websocket_options options;
    std::shared_ptr<ws_session> session;
    /// A WebSocket reads into a small buffer of its own (plain sockets):
    /// the read is tried at once, and when the peer already sent, the
    /// bytes arrive without an epoll re-arm per message, which waiting
    /// for readiness costs. Anything longer is drained from the loop's
    /// shared buffer.
    std::array<char, 512> buffer;
  };

  void start_websocket(exchange::websocket_setup setup) {
    closing_ = false;
    timer_.cancel();
    auto session = std::make_shared<ws_session>(core_->ex, weak_from_this(),
                                                setup.subprotocol, peer());
    ws_ = std::make_unique<ws_state>(
      ws_state{detail::ws_protocol{false, setup.options.max_message},
               std::move(setup.handlers),
               std::move(setup.options),
               session,
               {}});
    if (setup.deflate)
      ws_->protocol.enable_deflate();
    if (in_) { // bytes the client sent right after its handshake
      ws_->protocol.feed(in_->parser.remaining());
      in_.reset();
    }
    std::vector<std::shared_ptr<exchange>>{}.swap(pipeline_);
    arm_ping();
    if (ws_->handlers.on_open)
      ws_->handlers.on_open(session);
    if (!closed_)
      ws_pump();
  }

  void arm_ping() {
    if (ws_->options.ping_interval.count() <= 0 || ws_->protocol.close_sent)
      return;
    timer_.arm(ws_->options.ping_interval, [self = shared_from_this()] {
      auto& p = self->ws_->protocol;
      if (p.awaiting_pong) // no pong for a whole interval: dead peer
        return self->close();
      p.awaiting_pong = true;
      self->ws_send(ws::opcode::ping, {});
      self->arm_ping();
    });
  }

  void ws_pump() {
    auto& st = *ws_;
    bool read_on = st.protocol.pump(st.session, st.handlers,
                                    [this] { return !closed_ && ws_; });
    if (closed_ || !ws_)
      return;
    if (read_on)
      wait_readable();
    ws_flush();
  }

  void ws_flush() {
    if (writing_ || closed_)
      return;
    auto& p = ws_->protocol;
    if (p.out.empty()) {
      if (p.done())
        close(); // both closes exchanged: the server closes TCP first
      return;
    }
    writing_ = true;
    out_.swap(p.out);
    send_out([self = shared_from_this()](std::error_code ec, std::size_t) {
      self->writing_ = false;
      std::string{}.swap(self->out_);
      if (ec)
        return self->close();
      self->ws_flush();
    });
  }

  void end_websocket() {
    auto st = std::move(ws_);
    st->session->gone_ = true;
    if (st->handlers.on_close)
      st->handlers.on_close(st->session, st->protocol.code,
                            std::move(st->protocol.reason));
  }

  /// Gives back what an idle connection does not need: the parser's
  /// buffer and fields, the pipeline's storage.
  void go_idle() {
    if (in_ && !in_->parser.keep_alive())
      return; // a closing parser must stay closed
    in_.reset();
    std::vector<std::shared_ptr<exchange>>{}.swap(pipeline_);
  }

  void arm_header_timeout() {
    if (header_timer_armed_)
      return;
    header_timer_armed_ = true;
    timer_.arm(core_->opts.header_timeout,
               [self = shared_from_this()] { self->close(); });
  }

  void arm_idle_timeout() {
    header_timer_armed_ = false;
    timer_.arm(core_->opts.idle_timeout,
               [self = shared_from_this()] { self->close(); });
  }

  std::shared_ptr<http_server::core> core_;
  tcp::socket socket_;
  /// What reading a request needs; only while one is on its way, so that
  /// an idle connection holds none of it.
  struct incoming_request {
    http::parser parser;
    http::request current;
  };
  std::unique_ptr<incoming_request> in_;
  std::unique_ptr<ws_state> ws_; ///< set once the connection is a WebSocket

  incoming_request& incoming() {
    if (!in_)
      in_ = std::make_unique<incoming_request>(incoming_request{
        http::parser{http::parser::role::request, limits()}, {}});
    return *in_;
  }
  detail::deadline timer_;
  tcp::endpoint remote_; ///< the peer; its texts are made per request
  /// HTTPS only: the TLS stream, and the buffer it decrypts into.
  struct tls_state {
    asio::ssl::stream<tcp::socket&> stream;
    std::array<char, 16 * 1024> buffer;
  };
  std::unique_ptr<tls_state> tls_;
  // A vector, not a deque: an empty std::deque still holds a 512-byte
  // block, and most connections are idle most of the time.
  std::vector<std::shared_ptr<exchange>> pipeline_;
  std::string out_; ///< being written
  std::vector<std::function<void()>> callbacks_;
  bool reading_ = false;
  bool writing_ = false;
  bool closing_ = false;  ///< no more requests are read
  bool draining_ = false; ///< the server shuts down
  bool closed_ = false;
  bool got_head_ = false;
  bool header_timer_armed_ = false;
};

void exchange::prepare(http::response& res, bool head_only_body) {
  started_ = true;
  if (upgrade_request_)
    keep_alive_ = false; // an upgrade that was not accepted ends here
  head_only_ = req_.method == "HEAD";
  if (auto c = conn_.lock(); c && c->last_before_shutdown(this))
    keep_alive_ = false; // the server is shutting down
  if (!keep_alive_)
    res.headers.set("Connection", "close");
  else if (req_.version == 10)
    res.headers.set("Connection", "keep-alive");
  std::error_code ec;
  if (head_only_ || head_only_body)
    ec = http::serialize_head(res, out);
  else
    ec = http::serialize(res, out);
  if (ec) { // a handler's bad header: the client gets a 500, not bytes
    http::response error;
    error.status = 500;
    error.headers.set("Connection", "close");
    out.clear();
    http::serialize(error, out);
    keep_alive_ = false;
    streaming_ = false;
    finished_ = true;
  }
}

void exchange::handshake(websocket_handlers handlers,
                         websocket_options options) {
  auto d =
    ws::accept_request(req_, {options.subprotocols, options.allowed_origins,
                              options.permessage_deflate});
  if (!d.accepted()) {
    prepare(d.response);
    finished_ = true;
    return;
  }
  started_ = true;
  finished_ = true;
  http::serialize_head(d.response, out);
  websocket_ = std::make_unique<websocket_setup>(
    websocket_setup{std::move(handlers), std::move(options),
                    d.agreed.subprotocol, d.agreed.deflate});
}

template <class F>
void exchange::on_loop(F f) {
  asio::dispatch(ex_, [self = shared_from_this(), f = std::move(f)]() mutable {
    if (self->gone_)
      return self->run_callbacks();
    f(*self);
    if (auto c = self->conn_.lock())
      c->flush();
  });
}

template <class F>
void ws_session::on_connection(F f) {
  asio::dispatch(ex_, [conn = conn_, f = std::move(f)]() mutable {
    if (auto c = conn.lock())
      f(*c);
  });
}

void ws_session::send_text(std::string text) {
  on_connection([text = std::move(text)](connection& c) {
    c.ws_send(ws::opcode::text, text);
  });
}

void ws_session::send_binary(std::string bytes) {
  on_connection([bytes = std::move(bytes)](connection& c) {
    c.ws_send(ws::opcode::binary, bytes);
  });
}

void ws_session::close(std::uint16_t code, std::string reason) {
  on_connection([code, reason = std::move(reason)](connection& c) {
    c.ws_close(code, reason);
  });
}

} // namespace

void http_server::core::accept() {
  if (accepting || shutting_down || connections.size() >= opts.max_connections)
    return;
  accepting = true;
  acceptor.async_accept(
    [self = shared_from_this()](std::error_code ec, tcp::socket s) {
      self->accepting = false;
      if (self->shutting_down)
        return;
      if (!ec) {
        auto c = std::make_shared<connection>(self, std::move(s));
        self->connections.insert(c);
        c->start();
      } else if (ec == asio::error::operation_aborted) {
        return;
      }
      self->accept(); // also after an error such as too many open files
    });
}

void http_server::core::forget(const connection_ptr& c) {
  connections.erase(c);
  if (shutting_down) {
    if (connections.empty() && on_drained) {
      grace_timer.cancel();
      auto done = std::move(on_drained);
      on_drained = nullptr;
      done();
    }
    return;
  }
  accept(); // a place is free again
}

http_server::http_server(asio::any_io_executor ex, http_server_options options,
                         http_handler handler)
  : core_(std::make_shared<core>(std::move(ex), std::move(options),
                                 std::move(handler))) {}

http_server::~http_server() {
  core_->shutting_down = true;
  std::error_code ignored;
  core_->acceptor.close(ignored);
  auto all = core_->connections;
  for (auto& c : all)
    c->close();
}

std::error_code http_server::listen() {
  std::error_code ec;
  const auto& o = core_->opts;
  if (!o.tls_certificate_file.empty() || !o.tls_private_key_file.empty()) {
    auto ctx =
      std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    ctx->set_options(
      asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2
      | asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1
      | asio::ssl::context::no_tlsv1_1);
    if (ctx->use_certificate_chain_file(o.tls_certificate_file, ec)
        || ctx->use_private_key_file(o.tls_private_key_file,
                                     asio::ssl::context::pem, ec))
      return ec;
    core_->tls = std::move(ctx);
  }
  core_->acceptor = io::listen(core_->ex, core_->opts.host, core_->opts.port,
                               ec, 4096, core_->opts.reuse_port);
  if (ec)
    return ec;
  core_->port = core_->acceptor.local_endpoint(ec).port();
  core_->accept();
  return ec;
}

std::uint16_t http_server::port() const noexcept {
  return core_->port;
}

std::size_t http_server::connections() const noexcept {
  return core_->connections.size();
}

void http_server::shutdown(std::chrono::milliseconds grace,
                           std::function<void()> done) {
  auto& c = *core_;
  c.shutting_down = true;
  c.on_drained = std::move(done);
  std::error_code ignored;
  c.acceptor.close(ignored);
  auto all = c.connections;
  for (auto& conn : all)
    conn->close_when_idle();
  if (c.connections.empty()) {
    if (auto d = std::move(c.on_drained)) {
      c.on_drained = nullptr;
      d();
    }
    return;
  }
  c.grace_timer.arm(grace, [self = core_] {
    auto left = self->connections;
    for (auto& conn : left)
      conn->close();
  });
}

} // namespace gale::io
