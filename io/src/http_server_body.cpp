// Request bodies streamed to their handler (Tornado's stream_request_body):
// the connection parses a piece only when the handler waits for one, so a
// slow consumer slows the client instead of filling memory.

#include "http_server_connection.hpp"
#include "stream_core.hpp"

#include <asio/socket_base.hpp>

#include <gale/http/error.hpp>
#include <gale/io/stream_error.hpp>

#include <asio/error.hpp>
#include <asio/post.hpp>

namespace gale::io::detail {

// -- the exchange: the handler's side -------------------------------------

void server_exchange::start_body_read(body_reader got) {
  auto answer = [&](std::error_code ec, std::string piece) {
    asio::post(ex_, [got = std::move(got), ec,
                     piece = std::move(piece)]() mutable { got(ec, piece); });
  };
  if (body_.waiting)
    return answer(make_error_code(stream_errc::already_reading), {});
  if (!body_.streamed) // buffered: all of it, then its end
    return answer({}, std::exchange(body_.given, true) ? "" : req_.body);
  if (body_.done)
    return answer(body_.error, {});
  if (gone_)
    return answer(make_error_code(stream_errc::closed), {});
  body_.waiting = std::move(got);
  bool first = !std::exchange(body_.reading, true);
  if (auto c = conn_.lock())
    c->resume_body(first);
}

// -- the exchange: the connection's side ----------------------------------

void server_exchange::give_body(std::string_view piece) {
  auto got = std::exchange(body_.waiting, nullptr);
  got({}, std::string{piece});
}

void server_exchange::end_body() {
  body_.done = true;
  if (auto got = std::exchange(body_.waiting, nullptr))
    got({}, {});
}

void server_exchange::fail_body(std::error_code ec, int status) {
  body_.done = true;
  body_.error = ec;
  keep_alive_ = false;
  if (!started_) {
    auto res = http::status_page(status);
    prepare(res);
    finish();
  }
  if (auto got = std::exchange(body_.waiting, nullptr))
    got(ec, {});
}

// -- the connection --------------------------------------------------------

void server_connection::start_streamed_request(bool continue_owed) {
  continue_owed_ = continue_owed;
  auto x = make_exchange();
  x->stream_body(server_->opts.max_body_size, server_->opts.body_timeout);
  streaming_ = x;
  run_handler(x);
}

void server_connection::resume_body(bool first) {
  if (closed_ || !streaming_)
    return;
  if (first) {
    if (auto ec = parser().limit_body(streaming_->body().max))
      return body_failed(ec, 413); // before any 100 Continue
    if (std::exchange(continue_owed_, false) && !streaming_->started())
      send_interim("HTTP/1.1 100 Continue\r\n\r\n");
  }
  pump();
}

void server_connection::feed_streamed_body(http::parser_event event) {
  if (event == http::parser_event::body)
    return streaming_->give_body(parser().body());
  // The end: the connection reads the next request (if any) itself.
  got_head_ = false;
  pause_body();
  std::exchange(streaming_, nullptr)->end_body();
}

void server_connection::body_failed(std::error_code ec, int status) {
  auto x = std::exchange(streaming_, nullptr);
  got_head_ = false;
  closing_ = true;
  body_unread_ = true;
  pause_body();
  x->fail_body(ec, status);
  flush();
}

// Closing with the client's bytes unread would answer them with a reset,
// which can destroy our answer before the client reads it (RFC 9112 9.6):
// our side ends first, and what still comes is dropped for a while.
void server_connection::close_after_last_answer() {
  if (stream_.secure() || (!streaming_ && !body_unread_))
    return close();
  std::error_code ignored;
  stream_.core()->on_transport([&](auto& transport) {
    if constexpr (requires {
                    transport.shutdown(asio::socket_base::shutdown_send,
                                       ignored);
                  })
      transport.shutdown(asio::socket_base::shutdown_send, ignored);
  });
  lingering_ = true;
  if (!body_timer_)
    body_timer_ = std::make_unique<asio::steady_timer>(server_->ex);
  body_timer_->expires_after(std::chrono::seconds{5});
  body_timer_->async_wait([weak = weak_from_this()](std::error_code ec) {
    if (auto self = weak.lock(); self && !ec)
      self->close();
  });
  drop_rest();
}

void server_connection::drop_rest() {
  if (reading_ || closed_)
    return; // a read under way comes to on_bytes, which drops it
  reading_ = true;
  stream_.core()->read_view(
    [self = shared_from_this()](std::error_code ec, std::string_view) {
      self->reading_ = false;
      if (ec)
        return self->close(); // the client closed too: done
      self->drop_rest();
    });
}

// While the consumer is busy nothing is read, so nothing can stall.
void server_connection::pause_body() {
  disarm();
  if (body_timer_)
    body_timer_->cancel();
}

void server_connection::arm_body_timeout() {
  header_timer_armed_ = false;
  const auto server_wide = server_->opts.body_timeout;
  auto timeout = streaming_ ? streaming_->body().timeout : server_wide;
  if (timeout == server_wide) {
    if (timeout.count() > 0)
      server_->arm(server_->body_deadlines, *this);
    return;
  }
  disarm(); // a handler's own timeout: a timer of the connection's own
  if (timeout.count() == 0)
    return;
  if (!body_timer_)
    body_timer_ = std::make_unique<asio::steady_timer>(server_->ex);
  body_timer_->expires_after(timeout);
  body_timer_->async_wait([weak = weak_from_this(),
                           timer = body_timer_.get()](std::error_code ec) {
    auto self = weak.lock();
    // A wait that was due as it was re-armed has a later expiry now.
    if (ec || !self || timer->expiry() > asio::steady_timer::clock_type::now())
      return;
    self->body_timed_out();
  });
}

} // namespace gale::io::detail
