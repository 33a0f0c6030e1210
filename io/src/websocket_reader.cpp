// A WebSocket read message by message: what arrives waits in a bounded
// list for the next read; a full list pauses the connection's reading.

#include <gale/io/stream_error.hpp>
#include <gale/io/websocket_reader.hpp>

#include <asio/dispatch.hpp>

namespace gale::io {

websocket_reader::websocket_reader(asio::any_io_executor ex,
                                   std::size_t capacity)
  : ex_(std::move(ex)), capacity_(capacity == 0 ? 1 : capacity) {}

websocket_handlers websocket_reader::handlers() {
  std::weak_ptr<websocket_reader> weak = shared_from_this();
  websocket_handlers h;
  h.on_open = [weak](websocket_ptr ws) {
    if (auto self = weak.lock())
      self->ws_ = std::move(ws);
  };
  h.on_message = [weak](websocket_ptr, std::string data, bool binary) {
    if (auto self = weak.lock())
      self->on_message({std::move(data), binary});
  };
  h.on_close = [weak](websocket_ptr, std::uint16_t, std::string) {
    if (auto self = weak.lock())
      self->on_close();
  };
  return h;
}

// The handlers and reads all run on the loop.
void websocket_reader::on_message(websocket_message m) {
  if (waiting_)
    return waiting_.complete({}, std::move(m));
  unread_.push_back(std::move(m));
  if (unread_.size() >= capacity_ && ws_ && !paused_) {
    paused_ = true;
    ws_->pause_reading();
  }
}

void websocket_reader::on_close() {
  closed_ = true;
  if (waiting_)
    waiting_.complete(make_error_code(stream_errc::closed), {});
}

void websocket_reader::start_read(
  detail::completion<std::error_code, websocket_message> done) {
  asio::dispatch(ex_, [self = shared_from_this(),
                       done = std::move(done)]() mutable {
    if (self->waiting_)
      return done.complete_posted(make_error_code(stream_errc::already_reading),
                                  {});
    if (!self->unread_.empty()) {
      auto m = std::move(self->unread_.front());
      self->unread_.pop_front();
      if (self->paused_ && self->unread_.size() < self->capacity_) {
        self->paused_ = false;
        self->ws_->resume_reading();
      }
      return done.complete_posted({}, std::move(m));
    }
    if (self->closed_)
      return done.complete_posted(make_error_code(stream_errc::closed), {});
    self->waiting_ = std::move(done);
  });
}

} // namespace gale::io
