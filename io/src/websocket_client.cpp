// The WebSocket client on a stream: connect (happy eyeballs, TLS for wss),
// the opening handshake of protocols/ws/handshake.hpp, then the protocol
// over the same stream (ws_connection.hpp). The bytes that follow the 101's
// head stay in the stream's buffer and are the first frames read.

#include "gale/io/websocket_client.hpp"

#include "deadline.hpp"
#include "tls_context_cache.hpp"
#include "ws_connection.hpp"

#include <gale/http/error.hpp>
#include <gale/http/parser.hpp>
#include <gale/http/serializer.hpp>
#include <gale/http/url.hpp>
#include <gale/io/stream.hpp>
#include <gale/io/tcp_client.hpp>
#include <gale/ws/handshake.hpp>

#include <asio/dispatch.hpp>
#include <asio/post.hpp>

#include <optional>

namespace gale::io {

namespace {

constexpr std::size_t max_answer_head = 64 * 1024;
constexpr std::size_t max_refusal_body = 64 * 1024;

/// One client's opening handshake: connect, send the offer, check the
/// answer; then the stream goes to a ws_connection, which is the socket the
/// caller gets.
class client_handshake : public std::enable_shared_from_this<client_handshake> {
public:
  client_handshake(asio::any_io_executor ex, websocket_client_options opts,
                   websocket_handlers handlers,
                   detail::completion<std::error_code, websocket_ptr> done)
    : ex_(ex), opts_(std::move(opts)), handlers_(std::move(handlers)),
      done_(std::move(done)), timer_(ex) {}

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
      tls.certificate_file = opts_.client_certificate_file;
      tls.private_key_file = opts_.client_key_file;
      tls.context = opts_.tls_context;
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
        self->send_offer();
      });
  }

private:
  void send_offer() {
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
    http::parser_limits limits;
    limits.max_body = max_refusal_body;
    parser_.emplace(http::parser::role::response, limits);
    auto& parser = *parser_;
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
      return refused(ec);
    timer_.cancel();
    auto socket = std::make_shared<detail::ws_connection>(
      std::move(stream_),
      detail::ws_setup{true, opts_.max_message, agreed.deflate,
                       opts_.ping_interval, opts_.ping_timeout,
                       opts_.max_outgoing, agreed.subprotocol,
                       parser_->headers()},
      std::move(handlers_));
    std::exchange(done_, {}).complete({}, socket);
    socket->start({}); // the frames behind the 101 are in the stream already
  }

  /// An error status: its answer, body included, for `on_refusal` first.
  void refused(std::error_code ec) {
    if (ec.category() != http::status_category() || !opts_.on_refusal)
      return fail(ec);
    refusal_.status = parser_->status();
    refusal_.reason = parser_->reason();
    refusal_.version = parser_->version();
    refusal_.headers = parser_->headers();
    read_refusal(ec);
  }

  // The body as the parser frames it, until its end, the close, an error
  // or the limit: what arrived is handed over in any case.
  void read_refusal(std::error_code status) {
    for (;;) {
      auto event = parser_->next();
      if (event == http::parser_event::body) {
        refusal_.body += parser_->body();
        continue;
      }
      if (event == http::parser_event::need_more)
        break;
      return deliver_refusal(status);
    }
    stream_.async_read_bytes(16 * 1024, true,
                             [self = shared_from_this(),
                              status](std::error_code ec, std::string bytes) {
                               if (!self->done_)
                                 return;
                               if (ec)
                                 self->parser_->feed_eof();
                               else
                                 self->parser_->feed(bytes);
                               self->read_refusal(status);
                             });
  }

  void deliver_refusal(std::error_code status) {
    auto on_refusal = std::move(opts_.on_refusal);
    on_refusal(std::move(refusal_));
    fail(status);
  }

  /// The handshake failed: report it once, close.
  void fail(std::error_code ec) {
    if (!done_)
      return;
    if (!ec)
      ec = asio::error::operation_aborted;
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
  std::optional<http::parser> parser_; ///< the answer's
  http::response refusal_;
};

} // namespace

namespace detail {

void start_websocket_client(asio::any_io_executor ex, std::string url,
                            websocket_client_options options,
                            websocket_handlers handlers,
                            completion<std::error_code, websocket_ptr> done) {
  auto socket = std::make_shared<client_handshake>(
    ex, std::move(options), std::move(handlers), std::move(done));
  // Posted: no failure (a bad URL, say) completes inside the initiation.
  asio::post(ex, [socket, url = std::move(url)] { socket->start(url); });
}

} // namespace detail

} // namespace gale::io
