#include "gale/io/websocket_client.hpp"

#include "deadline.hpp"
#include "http_client_connection.hpp"
#include "ws_protocol.hpp"

#include <gale/http/auth.hpp>
#include <gale/http/error.hpp>
#include <gale/http/parser.hpp>
#include <gale/http/serializer.hpp>
#include <gale/http/url.hpp>
#include <gale/ws/deflate.hpp>

#include <asio/connect.hpp>
#include <asio/dispatch.hpp>
#include <asio/ssl/error.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <random>

namespace gale::io {

using detail::tcp;

namespace {

/// One client WebSocket: the handshake, then the protocol over the
/// connection. Lives on the loop; its public members post there.
class client_socket final : public websocket,
                            public std::enable_shared_from_this<client_socket> {
public:
  client_socket(asio::any_io_executor ex, websocket_client_options opts,
                websocket_handlers handlers, websocket_connect_handler done)
    : ex_(ex), conn_(std::make_shared<detail::client_connection>(ex)),
      opts_(std::move(opts)), handlers_(std::move(handlers)),
      done_(std::move(done)), timer_(ex), resolver_(ex),
      protocol_(true, opts_.max_message) {}

  void start(std::string url_text) {
    if (auto ec = http::parse_url(url_text, url_))
      return fail(ec);
    if (url_.scheme != "ws" && url_.scheme != "wss")
      return fail(http::errc::unsupported_scheme);
    timer_.arm(opts_.connect_timeout, [self = shared_from_this()] {
      self->fail(http::errc::connect_timeout);
    });
    resolver_.async_resolve(
      url_.host, std::to_string(url_.effective_port()),
      [self = shared_from_this()](std::error_code ec,
                                  tcp::resolver::results_type eps) {
        if (ec || !self->done_)
          return self->fail(ec);
        asio::async_connect(
          self->conn_->socket, eps,
          [self](std::error_code ec, const tcp::endpoint& ep) {
            if (ec || !self->done_)
              return self->fail(ec);
            self->peer_ =
              ep.address().to_string() + ":" + std::to_string(ep.port());
            self->secure();
          });
      });
  }

  // -- websocket ---------------------------------------------------------
  void send_text(std::string text) override {
    on_loop([text = std::move(text)](client_socket& s) {
      s.send(ws::opcode::text, text);
    });
  }
  void send_binary(std::string bytes) override {
    on_loop([bytes = std::move(bytes)](client_socket& s) {
      s.send(ws::opcode::binary, bytes);
    });
  }
  void close(std::uint16_t code, std::string reason) override {
    on_loop([code, reason = std::move(reason)](client_socket& s) {
      if (s.closed_ || s.protocol_.close_sent)
        return;
      s.protocol_.close(code, reason);
      s.timer_.arm(std::chrono::seconds{5},
                   [self = s.shared_from_this()] { self->end(); });
      s.flush();
    });
  }
  const std::string& subprotocol() const noexcept override {
    return subprotocol_;
  }
  const std::string& peer() const noexcept override { return peer_; }
  bool closed() const noexcept override { return gone_.load(); }
  const asio::any_io_executor& executor() const noexcept override {
    return ex_;
  }

private:
  template <class F>
  void on_loop(F f) {
    asio::dispatch(ex_,
                   [self = shared_from_this(), f = std::move(f)]() mutable {
                     if (!self->closed_)
                       f(*self);
                   });
  }

  void secure() {
    if (url_.scheme != "wss")
      return handshake();
    std::error_code ec;
    auto* ctx = tls_.get(opts_.validate_cert, opts_.ca_file, ec);
    if (!ctx)
      return fail(ec);
    conn_->start_tls(*ctx, url_.host,
                     !url_.host_is_ipv6 && !detail::is_ipv4_literal(url_.host),
                     opts_.validate_cert);
    conn_->tls->async_handshake(
      asio::ssl::stream_base::client,
      [self = shared_from_this()](std::error_code ec) {
        if (ec || !self->done_)
          return self->fail(ec);
        self->handshake();
      });
  }

  void handshake() {
    std::array<char, 16> nonce;
    std::random_device random;
    for (auto& c : nonce)
      c = static_cast<char>(random());
    key_ = http::base64_encode({nonce.data(), nonce.size()});
    http::request req;
    req.target = url_.target();
    req.headers = opts_.headers;
    req.headers.set("Host", url_.authority());
    req.headers.set("Upgrade", "websocket");
    req.headers.set("Connection", "Upgrade");
    req.headers.set("Sec-WebSocket-Key", key_);
    req.headers.set("Sec-WebSocket-Version", "13");
    std::string offered;
    for (const auto& p : opts_.subprotocols)
      offered += (offered.empty() ? "" : ", ") + p;
    if (!offered.empty())
      req.headers.set("Sec-WebSocket-Protocol", offered);
    if (opts_.permessage_deflate)
      req.headers.set("Sec-WebSocket-Extensions",
                      std::string{ws::deflate_offer});
    out_.clear();
    if (auto ec = http::serialize_head(req, out_))
      return fail(ec);
    writing_ = true;
    conn_->write(asio::buffer(out_),
                 [self = shared_from_this()](std::error_code ec, std::size_t) {
                   self->writing_ = false;
                   self->out_.clear();
                   if (ec || !self->done_)
                     return self->fail(ec);
                   self->parser_.set_request_method("GET");
                   self->read_answer();
                 });
  }

  void read_answer() {
    conn_->read_some(asio::buffer(in_), [self = shared_from_this()](
                                          std::error_code ec, std::size_t n) {
      if (!self->done_)
        return;
      if (ec == asio::error::eof)
        return self->fail(http::errc::connection_closed);
      if (ec)
        return self->fail(ec);
      self->parser_.feed({self->in_.data(), n});
      switch (self->parser_.next()) {
      case http::parser_event::need_more: return self->read_answer();
      case http::parser_event::head: return self->check_answer();
      case http::parser_event::error: return self->fail(self->parser_.error());
      default: return self->fail(ws::errc::bad_upgrade);
      }
    });
  }

  void check_answer() {
    const auto& h = parser_.headers();
    if (parser_.status() != 101)
      return fail(http::make_status_error(parser_.status()));
    const auto* accept = h.find("Sec-WebSocket-Accept");
    if (!h.has_token("Upgrade", "websocket")
        || !h.has_token("Connection", "upgrade"))
      return fail(ws::errc::bad_upgrade);
    if (!accept || *accept != ws::accept_key(key_))
      return fail(ws::errc::invalid_accept);
    if (const auto* chosen = h.find("Sec-WebSocket-Protocol")) {
      if (std::find(opts_.subprotocols.begin(), opts_.subprotocols.end(),
                    *chosen)
          == opts_.subprotocols.end())
        return fail(ws::errc::bad_upgrade); // one we did not offer
      subprotocol_ = *chosen;
    }
    bool deflate = false;
    for (std::string_view answer : h.find_all("Sec-WebSocket-Extensions")) {
      bool accepted = false;
      if (auto ec = ws::deflate_accepted(answer, accepted);
          ec || (accepted && !opts_.permessage_deflate))
        return fail(ws::errc::bad_upgrade);
      deflate = deflate || accepted;
    }
    if (deflate)
      protocol_.enable_deflate();
    timer_.cancel();
    // The frames right behind the 101 belong to the WebSocket.
    while (parser_.next() == http::parser_event::end) {
    }
    protocol_.feed(parser_.remaining());
    auto done = std::move(done_);
    done_ = websocket_connect_handler{};
    open_ = true;
    auto self = shared_from_this();
    done({}, self);
    arm_ping();
    if (handlers_.on_open)
      handlers_.on_open(self);
    if (!closed_)
      pump();
  }

  void read() {
    if (reading_ || closed_ || protocol_.close_received)
      return;
    reading_ = true;
    conn_->read_some(asio::buffer(in_), [self = shared_from_this()](
                                          std::error_code ec, std::size_t n) {
      self->reading_ = false;
      if (self->closed_)
        return;
      if (ec)
        return self->end();
      self->protocol_.feed({self->in_.data(), n});
      self->pump();
    });
  }

  void pump() {
    bool read_on = protocol_.pump(shared_from_this(), handlers_,
                                  [this] { return !closed_; });
    if (closed_)
      return;
    if (read_on)
      read();
    flush();
  }

  void send(ws::opcode op, std::string_view payload) {
    if (!open_)
      return;
    protocol_.send(op, payload);
    flush();
  }

  void flush() {
    if (writing_ || closed_)
      return;
    if (protocol_.out.empty()) {
      if (protocol_.done())
        end();
      return;
    }
    writing_ = true;
    out_.swap(protocol_.out);
    conn_->write(asio::buffer(out_),
                 [self = shared_from_this()](std::error_code ec, std::size_t) {
                   self->writing_ = false;
                   std::string{}.swap(self->out_);
                   if (ec)
                     return self->end();
                   self->flush();
                 });
  }

  void arm_ping() {
    if (opts_.ping_interval.count() <= 0 || protocol_.close_sent)
      return;
    timer_.arm(opts_.ping_interval, [self = shared_from_this()] {
      if (self->protocol_.awaiting_pong)
        return self->end(); // a dead server
      self->protocol_.awaiting_pong = true;
      self->send(ws::opcode::ping, {});
      self->arm_ping();
    });
  }

  /// The connection ends: close the socket, tell the handlers once.
  void end() {
    if (closed_)
      return;
    closed_ = true;
    gone_ = true;
    timer_.cancel();
    conn_->close();
    if (open_ && handlers_.on_close)
      handlers_.on_close(shared_from_this(), protocol_.code,
                         std::move(protocol_.reason));
  }

  /// The handshake failed: report it once, close.
  void fail(std::error_code ec) {
    if (!done_)
      return;
    if (!ec)
      ec = asio::error::operation_aborted;
    auto done = std::move(done_);
    done_ = websocket_connect_handler{};
    closed_ = true;
    gone_ = true;
    timer_.cancel();
    resolver_.cancel();
    conn_->close();
    done(ec, nullptr);
  }

  asio::any_io_executor ex_;
  std::shared_ptr<detail::client_connection> conn_;
  websocket_client_options opts_;
  websocket_handlers handlers_;
  websocket_connect_handler done_;
  detail::deadline timer_;
  tcp::resolver resolver_;
  detail::tls_contexts tls_;
  http::url url_;
  http::parser parser_{http::parser::role::response};
  detail::ws_protocol protocol_;
  std::string key_;
  std::string subprotocol_;
  std::string peer_;
  std::string out_;
  std::array<char, 16 * 1024> in_;
  bool reading_ = false;
  bool writing_ = false;
  bool open_ = false;
  bool closed_ = false;
  std::atomic<bool> gone_{false};
};

} // namespace

void connect_websocket(asio::any_io_executor ex, std::string url,
                       websocket_client_options options,
                       websocket_handlers handlers,
                       websocket_connect_handler done) {
  auto socket = std::make_shared<client_socket>(
    ex, std::move(options), std::move(handlers), std::move(done));
  asio::dispatch(ex, [socket, url = std::move(url)]() mutable {
    socket->start(std::move(url));
  });
}

} // namespace gale::io
