// The WebSocket client on a stream: connect (happy eyeballs, TLS for wss),
// the opening handshake of protocols/ws/handshake.hpp, then the protocol
// over the same stream. The bytes that follow the 101's head stay in the
// stream's buffer and are the first frames read.

#include "gale/io/websocket_client.hpp"

#include "deadline.hpp"
#include "tls_context_cache.hpp"
#include "ws_protocol.hpp"

#include <gale/http/error.hpp>
#include <gale/http/parser.hpp>
#include <gale/http/serializer.hpp>
#include <gale/http/url.hpp>
#include <gale/io/stream.hpp>
#include <gale/io/tcp_client.hpp>
#include <gale/ws/handshake.hpp>

#include <asio/dispatch.hpp>
#include <asio/post.hpp>

#include <atomic>

namespace gale::io {

namespace {

constexpr std::size_t max_answer_head = 64 * 1024;
constexpr std::size_t read_size = 16 * 1024;

/// One client WebSocket: the handshake, then the protocol over the stream.
/// Lives on the loop; its public members post there.
class client_socket final : public websocket,
                            public std::enable_shared_from_this<client_socket> {
public:
  client_socket(asio::any_io_executor ex, websocket_client_options opts,
                websocket_handlers handlers,
                detail::completion<std::error_code, websocket_ptr> done)
    : ex_(ex), opts_(std::move(opts)), handlers_(std::move(handlers)),
      done_(std::move(done)), timer_(ex), protocol_(true, opts_.max_message) {}

  void start(const std::string& url_text) {
    http::url url;
    if (auto ec = http::parse_url(url_text, url))
      return fail(ec);
    if (url.scheme != "ws" && url.scheme != "wss")
      return fail(http::errc::unsupported_scheme);
    timer_.arm(opts_.connect_timeout, [self = shared_from_this()] {
      self->fail(http::errc::connect_timeout);
    });
    offer_ = {url.authority(),          url.target(),
              ws::make_key(),           opts_.subprotocols,
              opts_.permessage_deflate, opts_.headers};
    connect_options c;
    c.timeout = opts_.connect_timeout;
    if (url.scheme == "wss") {
      auto tls = tls_options::client(url.host);
      tls.verify_peer = opts_.validate_cert;
      tls.ca_file = opts_.ca_file;
      c.tls = detail::tls_context_cache::of(ex_).with_context(std::move(tls));
    }
    async_connect_stream(
      ex_, url.host, url.effective_port(), std::move(c),
      [self = shared_from_this()](std::error_code ec, stream s) mutable {
        if (!self->done_)
          return s.close();
        if (ec)
          return self->fail(ec);
        self->stream_ = std::move(s);
        self->peer_ = self->stream_.peer();
        self->handshake();
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

  void handshake() {
    std::string head;
    if (auto ec = http::serialize_head(ws::make_request(offer_), head))
      return fail(ec);
    stream_.async_write(std::move(head),
                        [self = shared_from_this()](std::error_code ec) {
                          if (ec || !self->done_)
                            return self->fail(ec);
                          self->read_answer();
                        });
  }

  void read_answer() {
    stream_.async_read_until(
      "\r\n\r\n", max_answer_head,
      [self = shared_from_this()](std::error_code ec, std::string head) {
        if (!self->done_)
          return;
        if (ec == stream_condition::closed)
          return self->fail(http::errc::connection_closed);
        if (ec == stream_errc::unsatisfiable_read)
          return self->fail(http::errc::header_section_too_large);
        if (ec)
          return self->fail(ec);
        self->check_answer(head);
      });
  }

  void check_answer(std::string_view head) {
    http::parser parser{http::parser::role::response};
    parser.set_request_method("GET");
    parser.feed(head);
    auto event = parser.next();
    if (event == http::parser_event::error)
      return fail(parser.error());
    if (event != http::parser_event::head)
      return fail(ws::errc::bad_upgrade);
    ws::agreement agreed;
    if (auto ec =
          ws::check_response(offer_, parser.status(), parser.headers(), agreed))
      return fail(ec);
    subprotocol_ = agreed.subprotocol;
    if (agreed.deflate)
      protocol_.enable_deflate();
    timer_.cancel();
    open_ = true;
    auto self = shared_from_this();
    std::exchange(done_, {}).complete({}, self);
    arm_ping();
    if (handlers_.on_open)
      handlers_.on_open(self);
    if (!closed_)
      read(); // the frames right behind the 101 are in the stream already
  }

  void read() {
    if (reading_ || closed_ || protocol_.close_received)
      return;
    reading_ = true;
    stream_.async_read_bytes(
      read_size, true,
      [self = shared_from_this()](std::error_code ec, std::string bytes) {
        self->reading_ = false;
        if (self->closed_)
          return;
        if (ec)
          return self->end();
        self->protocol_.feed(bytes);
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
    stream_.async_write(std::exchange(protocol_.out, {}),
                        [self = shared_from_this()](std::error_code ec) {
                          self->writing_ = false;
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

  /// The connection ends: close the stream, tell the handlers once.
  void end() {
    if (closed_)
      return;
    closed_ = true;
    gone_ = true;
    timer_.cancel();
    stream_.close();
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
    closed_ = true;
    gone_ = true;
    timer_.cancel();
    stream_.close();
    std::exchange(done_, {}).complete(ec, nullptr);
  }

  asio::any_io_executor ex_;
  websocket_client_options opts_;
  websocket_handlers handlers_;
  detail::completion<std::error_code, websocket_ptr> done_;
  detail::deadline timer_;
  stream stream_;
  ws::client_offer offer_;
  detail::ws_protocol protocol_;
  std::string subprotocol_;
  std::string peer_;
  bool reading_ = false;
  bool writing_ = false;
  bool open_ = false;
  bool closed_ = false;
  std::atomic<bool> gone_{false};
};

} // namespace

namespace detail {

void start_websocket_client(asio::any_io_executor ex, std::string url,
                            websocket_client_options options,
                            websocket_handlers handlers,
                            completion<std::error_code, websocket_ptr> done) {
  auto socket = std::make_shared<client_socket>(
    ex, std::move(options), std::move(handlers), std::move(done));
  // Posted: no failure (a bad URL, say) completes inside the initiation.
  asio::post(ex, [socket, url = std::move(url)] { socket->start(url); });
}

} // namespace detail

} // namespace gale::io
