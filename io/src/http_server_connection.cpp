#include "http_server_connection.hpp"

#include "forwarded.hpp"
#include "stream_core.hpp"
#include "ws_connection.hpp"

#include <gale/io/unhandled.hpp>

#include <gale/http/content_decoder.hpp>
#include <gale/http/content_encoder.hpp>
#include <gale/http/error.hpp>
#include <gale/http/request_target.hpp>

#include <limits>

namespace gale::io::detail {

namespace {

/// Tornado's decompress_request: a gzip body decoded in place, within
/// the body limit (a bomb is found before the memory is spent).
std::error_code decompress_body(http::request& req, std::uint64_t max_body) {
  const auto* coding = req.headers.find("Content-Encoding");
  if (!coding || !http::iequals(http::trim_ows(*coding), "gzip"))
    return {};
  http::content_decoder d{http::content_decoder::coding::gzip, max_body};
  std::string plain;
  if (auto ec = d.decode(req.body, plain))
    return ec == http::errc::decompressed_too_large
             ? make_error_code(http::errc::body_too_large)
             : ec;
  if (auto ec = d.finish())
    return ec;
  req.body = std::move(plain);
  req.headers.erase("Content-Encoding");
  req.headers.set("X-Consumed-Content-Encoding", "gzip");
  if (req.headers.contains("Content-Length"))
    req.headers.set("Content-Length", std::to_string(req.body.size()));
  return {};
}

/// The address part of "ip:port" or "[ip]:port".
std::string address_of(const std::string& peer) {
  if (!peer.empty() && peer.front() == '[')
    return peer.substr(1, peer.find(']') - 1);
  return peer.substr(0, peer.rfind(':'));
}

} // namespace

server_connection::server_connection(std::shared_ptr<http_server::core> server,
                                     stream s)
  : server_(std::move(server)), stream_(std::move(s)), peer_(stream_.peer()),
    client_subject_(stream_.peer_certificate_subject()) {}

void server_connection::start() {
  stream_.set_nodelay(true);
  arm_header_timeout(); // from the connection's start to a complete head
  read();
}

void server_connection::close() {
  if (closed_)
    return;
  closed_ = true;
  disarm();
  if (body_timer_)
    body_timer_->cancel();
  streaming_.reset();
  stream_.close();
  for (auto& x : std::exchange(pipeline_, {}))
    x->abandon();
  server_->forget(shared_from_this());
}

bool server_connection::last_before_shutdown(
  const http_exchange* x) const noexcept {
  return draining_ && !pipeline_.empty() && pipeline_.back().get() == x;
}

void server_connection::close_when_idle() {
  draining_ = true;
  closing_ = true;
  if (pipeline_.empty() && !got_head_ && !writing_)
    close();
}

// -- reading ------------------------------------------------------------

http::parser& server_connection::parser() {
  if (!in_) {
    http::parser_limits limits;
    limits.max_header_bytes = server_->opts.max_header_size;
    // Each request's own limit is set once its head is in (a streamed
    // body's by its handler): none for the head.
    limits.max_body = std::numeric_limits<std::uint64_t>::max();
    in_ = std::make_unique<incoming_request>(
      incoming_request{http::parser{http::parser::role::request, limits}, {}});
  }
  return in_->parser;
}

void server_connection::read() {
  // A streamed body is read to its end whatever follows it.
  if (reading_ || closed_
      || (!streaming_
          && (closing_ || pipeline_.size() >= server_->opts.max_pipelined)))
    return;
  reading_ = true;
  // Between requests a connection waits for readiness holding no buffer:
  // the next request rarely is there yet when the answer went out. Inside
  // a body (an upload) the rest is on its way: read at once.
  stream_.core()->read_view(
    [self = shared_from_this()](std::error_code ec, std::string_view bytes) {
      self->on_bytes(ec, bytes);
    },
    !got_head_);
}

void server_connection::on_bytes(std::error_code ec, std::string_view bytes) {
  reading_ = false;
  if (closed_)
    return;
  if (lingering_)
    return ec ? close() : drop_rest();
  if (ec) // the peer is gone (or done sending: the stream ends with that)
    return close();
  parser().feed(bytes);
  pump();
}

// Turns parsed bytes into exchanges, as far as the pipeline's depth allows;
// flush() comes back here when answers went out.
void server_connection::pump() {
  if (pumping_ || closed_ || (closing_ && !streaming_))
    return;
  pumping_ = true;
  auto& p = parser();
  for (;;) {
    if (streaming_ && !streaming_->body().waiting) {
      pumping_ = false;
      return pause_body(); // until its consumer reads on
    }
    if (!streaming_ && pipeline_.size() >= server_->opts.max_pipelined)
      break; // read on when answers went out
    auto event = p.next();
    if (event == http::parser_event::need_more) {
      if (got_head_) // bytes of the body arrived: its wait starts anew
        arm_body_timeout();
      else if (!p.remaining().empty())
        arm_header_timeout();
      pumping_ = false;
      return read();
    }
    if (event == http::parser_event::error) {
      pumping_ = false;
      if (streaming_)
        return body_failed(p.error(), http::status_for(p.error()));
      return fail(p.error());
    }
    if (event == http::parser_event::head) {
      if (!on_head())
        break; // refused: its answer is queued, nothing more is read
    } else if (streaming_) {
      feed_streamed_body(event);
      if (closed_ || (!streaming_ && closing_))
        break;
    } else if (event == http::parser_event::body) {
      in_->current.body += p.body();
    } else { // end
      on_request();
      if (closing_ || closed_)
        break;
    }
  }
  // Answers go out as handlers give them (each calls flush).
  pumping_ = false;
}

bool server_connection::on_head() {
  got_head_ = true;
  header_timer_armed_ = false;
  disarm();
  auto& [p, current] = *in_;
  current.method = p.method();
  current.target = p.target();
  current.version = p.version();
  current.headers = p.headers();
  current.body.clear();
  if (auto ec = http::normalize_target_and_host(current)) {
    fail(ec);
    return false;
  }
  bool continue_owed = current.version == 11 && pipeline_.empty() && !writing_
                       && p.headers().has_token("Expect", "100-continue");
  const auto& streams = server_->opts.stream_request_body;
  if (streams && !p.upgrade() && streams(current)) {
    start_streamed_request(continue_owed);
    return streaming_ != nullptr; // null: refused as its handler began
  }
  if (auto ec = p.limit_body(server_->opts.max_body_size)) {
    fail(ec); // before any 100 Continue: the client need not send it
    return false;
  }
  if (continue_owed)
    send_interim("HTTP/1.1 100 Continue\r\n\r\n");
  return true;
}

void server_connection::on_request() {
  got_head_ = false;
  disarm(); // the body's deadline: the handler takes its own time
  const auto& opts = server_->opts;
  if (opts.decompress_request)
    if (auto ec = decompress_body(in_->current, opts.max_body_size))
      return fail(ec);
  auto x = make_exchange();
  if (in_->parser.upgrade()) {
    // The bytes after an upgrade request are not HTTP: nothing more is
    // read until the handler accepted a WebSocket (or refused).
    x->mark_upgrade_request();
    closing_ = true;
  }
  run_handler(x);
}

server_connection::exchange_ptr server_connection::make_exchange() {
  const auto& opts = server_->opts;
  bool keep_alive =
    in_->parser.keep_alive() && !closing_ && !opts.no_keep_alive;
  if (!keep_alive)
    closing_ = true;
  answer_compression coding;
  coding.vary = opts.compress_response;
  coding.gzip = coding.vary && http::accepts_gzip(in_->current.headers);
  coding.level = opts.compression_level;
  coding.min_size = opts.min_compress_size;
  auto x = std::make_shared<server_exchange>(server_->ex, weak_from_this(),
                                             std::move(in_->current), peer_,
                                             keep_alive, coding);
  in_->current = {};
  auto origin = believed_origin(
    address_of(peer_),
    !opts.scheme.empty() ? opts.scheme : (stream_.secure() ? "https" : "http"),
    x->request().headers, opts.trusted_proxies);
  x->set_origin(std::move(origin.ip), std::move(origin.scheme));
  if (!client_subject_.empty())
    x->set_client_certificate_subject(client_subject_);
  if (opts.access_log)
    x->log_access();
  return x;
}

void server_connection::run_handler(const exchange_ptr& x) {
  pipeline_.push_back(x);
  try {
    server_->handler(x);
  } catch (...) {
    // Tornado's answer to a handler's bug: a 500 if nothing was sent yet,
    // else the connection ends (a cut answer must not look whole).
    report_unhandled(std::current_exception(), "an HTTP handler for "
                                                 + x->request().method + " "
                                                 + x->request().target);
    if (x->finished())
      return; // answered in full before it threw: the answer stands
    if (x->started())
      return close();
    x->respond(http::status_page(500));
  }
}

/// A malformed request: its own answer after those before it, then the
/// connection closes.
void server_connection::fail(std::error_code ec) {
  refuse(http::status_for(ec));
}

void server_connection::refuse(int status) {
  body_unread_ = got_head_; // the body may be on its way still
  got_head_ = false;
  closing_ = true;
  pipeline_.push_back(server_exchange::failure(server_->ex, status));
  flush();
}

void server_connection::body_timed_out() {
  if (closed_)
    return;
  if (streaming_)
    return body_failed(asio::error::timed_out, 408);
  if (!closing_)
    refuse(408);
}

void server_connection::send_interim(std::string bytes) {
  pipeline_.insert(pipeline_.begin(),
                   server_exchange::interim(server_->ex, std::move(bytes)));
  flush();
}

// -- writing ------------------------------------------------------------

void server_connection::flush() {
  // Lingering: everything is answered, only the client's rest is dropped
  // (a late call from a handler must not cut that short).
  if (closed_ || writing_ || lingering_)
    return;
  std::string batch;
  std::vector<std::function<void()>> written;
  std::unique_ptr<server_exchange::websocket_setup> websocket;
  bool last = false;
  // Every answer ready at the front goes out in one write.
  while (!pipeline_.empty() && !last) {
    auto& front = *pipeline_.front();
    if (batch.empty())
      batch = std::move(front.out);
    else
      batch += front.out;
    std::string{}.swap(front.out);
    for (auto& cb : std::exchange(front.callbacks, {}))
      written.push_back(std::move(cb));
    if (!front.finished())
      break; // its handler has not answered (all) yet
    websocket = front.take_websocket();
    last = websocket || front.closes_connection();
    front.sent();
    pipeline_.erase(pipeline_.begin());
  }
  if (websocket)
    return upgrade(std::move(batch), std::move(*websocket));
  if (!batch.empty())
    return send(std::move(batch), std::move(written), last);
  for (auto& cb : written) // pieces of a HEAD answer: nothing to send
    cb();
  if (last || (closing_ && pipeline_.empty() && !got_head_))
    return close();
  after_answers();
}

void server_connection::send(std::string batch,
                             std::vector<std::function<void()>> written,
                             bool last) {
  writing_ = true;
  stream_.async_write(std::move(batch),
                      [self = shared_from_this(), written = std::move(written),
                       last](std::error_code ec) {
                        self->writing_ = false;
                        for (auto& cb : written)
                          cb();
                        if (ec)
                          return self->close();
                        if (last)
                          return self->close_after_last_answer();
                        self->flush();
                      });
}

// Everything answered that could be: idle, or read on (reading may have
// paused for the pipeline's depth with requests still in the parser).
void server_connection::after_answers() {
  if (pumping_)
    return; // the pump goes on by itself
  if (pipeline_.empty() && !got_head_
      && (!in_ || in_->parser.remaining().empty())) {
    go_idle();
    arm_idle_timeout();
  }
  if (in_)
    pump();
  else
    read();
}

void server_connection::upgrade(std::string response_head,
                                server_exchange::websocket_setup setup) {
  closed_ = true; // for HTTP: the stream goes on as a WebSocket
  disarm();
  std::string early{in_ ? in_->parser.remaining() : std::string_view{}};
  in_.reset();
  // The 101 is queued first: the WebSocket's frames follow it.
  stream_.async_write(std::move(response_head), [](std::error_code) {});
  ws_setup ws{false,
              setup.options.max_message,
              setup.deflate,
              setup.options.ping_interval,
              setup.options.ping_timeout,
              setup.options.max_outgoing,
              std::move(setup.subprotocol),
              std::move(setup.request_headers)};
  auto socket = server_->adopt_websocket(std::move(stream_), std::move(ws),
                                         std::move(setup.handlers));
  server_->forget(shared_from_this());
  socket->start(early);
}

// -- idleness and deadlines ---------------------------------------------

/// Gives back what an idle connection does not need: the parser's buffer
/// and fields, the pipeline's storage.
void server_connection::go_idle() {
  if (in_ && !in_->parser.keep_alive())
    return; // a closing parser must stay closed
  in_.reset();
  std::vector<exchange_ptr>{}.swap(pipeline_);
}

void server_connection::arm_header_timeout() {
  if (header_timer_armed_)
    return;
  header_timer_armed_ = true;
  server_->arm(server_->header_deadlines, *this);
}

void server_connection::arm_idle_timeout() {
  header_timer_armed_ = false;
  server_->arm(server_->idle_deadlines, *this);
}

} // namespace gale::io::detail
