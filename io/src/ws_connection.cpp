#include "ws_connection.hpp"

#include "stream_core.hpp"

#include <asio/dispatch.hpp>
#include <asio/post.hpp>

#include <stdexcept>

namespace gale::io::detail {

namespace {
/// How long a peer may take to answer our close frame.
constexpr std::chrono::seconds close_timeout{5};
} // namespace

ws_connection::ws_connection(stream s, ws_setup setup,
                             websocket_handlers handlers)
  : ex_(s.get_executor()), stream_(std::move(s)), setup_(std::move(setup)),
    handlers_(std::move(handlers)),
    protocol_(setup_.client, setup_.max_message), timer_(ex_),
    peer_(stream_.peer()) {
  if (setup_.deflate)
    protocol_.enable_deflate();
}

void ws_connection::start(std::string_view early) {
  open_ = true;
  protocol_.feed(early);
  arm_ping();
  if (handlers_.on_open)
    handlers_.on_open(shared_from_this());
  if (!ended_)
    pump(); // frames that came with the handshake, then reading
}

template <class F>
void ws_connection::on_loop(F f) {
  asio::dispatch(ex_, [self = shared_from_this(), f = std::move(f)]() mutable {
    if (!self->ended_)
      f(*self);
  });
}

void ws_connection::send_text(std::string text) {
  on_loop([text = std::move(text)](ws_connection& c) {
    c.send(ws::opcode::text, text, {});
  });
}

void ws_connection::send_binary(std::string bytes) {
  on_loop([bytes = std::move(bytes)](ws_connection& c) {
    c.send(ws::opcode::binary, bytes, {});
  });
}

void ws_connection::send(std::string message, bool binary,
                         std::function<void(std::error_code)> sent) {
  // Not on_loop: a send to a connection that ended must still be told.
  asio::dispatch(ex_, [self = shared_from_this(), message = std::move(message),
                       binary, sent = std::move(sent)]() mutable {
    self->send(binary ? ws::opcode::binary : ws::opcode::text, message,
               std::move(sent));
  });
}

void ws_connection::close(std::uint16_t code, std::string reason) {
  on_loop([code, reason = std::move(reason)](ws_connection& c) {
    if (c.protocol_.close_sent)
      return;
    c.protocol_.close(code, reason);
    // A peer that never answers our close is not waited for long.
    c.timer_.arm(close_timeout, [self = c.shared_from_this()] { self->end(); });
    c.flush();
  });
}

void ws_connection::ping(std::string payload) {
  if (payload.size() > 125) // checked here: the caller's thread learns it
    throw std::invalid_argument("a WebSocket ping carries at most 125 bytes");
  on_loop([payload = std::move(payload)](ws_connection& c) {
    if (c.open_ && c.protocol_.ping(payload))
      c.flush();
  });
}

std::optional<std::uint16_t> ws_connection::close_code() const {
  std::lock_guard lock{end_mutex_};
  return end_code_;
}

std::string ws_connection::close_reason() const {
  std::lock_guard lock{end_mutex_};
  return end_reason_;
}

void ws_connection::abort() {
  on_loop([](ws_connection& c) { c.end(); });
}

void ws_connection::release_if_idle() {
  if (!std::exchange(active_, false) && reading_ && !writing_)
    stream_.core()->park();
}

void ws_connection::read() {
  if (reading_ || ended_ || protocol_.close_received)
    return;
  reading_ = true;
  stream_.core()->read_view(
    [self = shared_from_this()](std::error_code ec, std::string_view bytes) {
      self->on_bytes(ec, bytes);
    });
}

void ws_connection::on_bytes(std::error_code ec, std::string_view bytes) {
  reading_ = false;
  active_ = true;
  if (ended_)
    return;
  if (ec)
    return end();
  protocol_.feed(bytes);
  pump();
}

void ws_connection::pause_reading() {
  on_loop([](ws_connection& c) { c.paused_ = true; });
}

void ws_connection::resume_reading() {
  on_loop([](ws_connection& c) {
    if (std::exchange(c.paused_, false))
      c.pump(); // what was read meanwhile, then reading on
  });
}

void ws_connection::pump() {
  if (paused_) // bytes read before the pause wait in the session
    return flush();
  bool read_on = protocol_.pump(
    shared_from_this(), handlers_, [this] { return !ended_ && !paused_; },
    [this] { arm_ping(); }); // the next ping an interval after this pong
  if (ended_)
    return;
  flush();
  if (!read_on)
    return;
  if (!writing_)
    return read();
  // An answer is on its way out: a read tried now would mostly find
  // nothing yet (a failed recv, then a wait). Tried after the loop's other
  // ready work it mostly finds the peer's next message. Not tied to the
  // write's end, so a peer that does not read cannot stop our reading.
  asio::post(ex_, [self = shared_from_this()] {
    if (!self->paused_)
      self->read();
  });
}

void ws_connection::send(ws::opcode op, std::string_view payload,
                         std::function<void(std::error_code)> sent) {
  auto refuse = [&](stream_errc why) {
    if (sent)
      sent(make_error_code(why));
  };
  if (!open_ || ended_ || protocol_.close_sent)
    return refuse(stream_errc::closed);
  if (protocol_.out.size() + in_flight_ + payload.size() > setup_.max_outgoing)
    return refuse(stream_errc::buffer_full);
  protocol_.send(op, payload);
  if (sent) // most sends want no word back: nothing to keep for them
    unsent_.push_back(std::move(sent));
  flush();
}

void ws_connection::fail_unsent(std::error_code ec) {
  for (auto& sent : std::exchange(unsent_, {}))
    sent(ec);
}

void ws_connection::flush() {
  if (writing_ || ended_)
    return;
  if (protocol_.out.empty()) {
    if (protocol_.done())
      end(); // both closes exchanged: the connection ends
    return;
  }
  writing_ = true;
  in_flight_ = protocol_.out.size();
  writing_sent_.swap(unsent_); // both keep their capacity: no allocation
  stream_.async_write(
    std::exchange(protocol_.out, {}),
    [self = shared_from_this()](std::error_code ec) { self->on_written(ec); });
}

void ws_connection::on_written(std::error_code ec) {
  in_flight_ = 0;
  // Still writing_ while they run: a send from a callback only queues.
  for (const auto& sent : writing_sent_)
    sent(ec);
  writing_sent_.clear();
  writing_ = false;
  if (ec)
    return end();
  flush();
}

void ws_connection::arm_ping() {
  if (setup_.ping_interval.count() <= 0 || protocol_.close_sent || ended_)
    return;
  timer_.arm(setup_.ping_interval, [self = shared_from_this()] {
    self->protocol_.awaiting_pong = true;
    if (self->protocol_.ping({}))
      self->flush();
    self->await_pong();
  });
}

void ws_connection::await_pong() {
  auto wait = setup_.ping_timeout.count() > 0 ? setup_.ping_timeout
                                              : setup_.ping_interval;
  timer_.arm(wait, [self = shared_from_this(), wait] {
    if (!self->protocol_.awaiting_pong || self->protocol_.close_sent)
      return;
    // A dead peer: say why in a close frame, and do not wait for its
    // answer longer than for the pong.
    self->protocol_.close(1000, "ping timed out");
    self->protocol_.reason = "ping timed out";
    self->flush();
    self->timer_.arm(wait, [self] { self->end(); });
  });
}

// The connection ends: close the stream, tell the handlers once.
void ws_connection::end() {
  if (ended_)
    return;
  ended_ = true;
  {
    std::lock_guard lock{end_mutex_};
    end_code_ = protocol_.code;
    end_reason_ = protocol_.reason;
  }
  gone_ = true; // after the code: whoever sees closed() can read it
  timer_.cancel();
  stream_.close();
  fail_unsent(make_error_code(stream_errc::closed));
  if (handlers_.on_close)
    handlers_.on_close(shared_from_this(), protocol_.code,
                       std::move(protocol_.reason));
}

} // namespace gale::io::detail
