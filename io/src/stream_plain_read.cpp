// Plain sockets' reads for gale::io::stream: the small read (tried at once,
// so a peer that already sent costs no wait), the readiness wait that holds
// no buffer, and draining what else has arrived on the stack. The stream's
// buffer holds only what arrived, and a stream waiting for the rest of a
// line holds no more than that line.

#include "stream_core.hpp"

#include <asio/error.hpp>

namespace gale::io::detail {

namespace {

bool would_block(const std::error_code& ec) {
  return ec == asio::error::would_block || ec == asio::error::try_again;
}

} // namespace

void stream_core::wait_small() {
  if (!small_)
    small_ = std::make_unique_for_overwrite<char[]>(options_.idle_read_size);
  auto want = options_.idle_read_size;
  if (options_.max_buffer_size > buffer_.size())
    want = std::min(want, options_.max_buffer_size - buffer_.size());
  filling_ = true;
  on_transport([&](auto& s) {
    s.async_read_some(
      asio::buffer(small_.get(), want),
      core_handler{shared_from_this(),
                   [want](stream_core& self, std::error_code ec,
                          std::size_t n) { self.on_small(ec, n, n == want); }});
  });
}

void stream_core::on_small(std::error_code ec, std::size_t n, bool full) {
  filling_ = false;
  if (closed())
    return;
  if (std::exchange(parking_, false) && ec == asio::error::operation_aborted) {
    small_.reset(); // parked (bytes that won the race are taken below)
    return wait_ready();
  }
  if (ec)
    return do_close(ec, false);
  if (!full && buffer_.empty() && read_ && read_->view_done)
    return deliver_view({small_.get(), n}, false); // no copy at all
  if (!full && buffer_.empty() && read_ && !read_->size_done) {
    // The common case, a whole message in one small read: it is taken
    // from the small buffer itself, and only what follows it is kept.
    std::string_view bytes{small_.get(), n};
    std::error_code failed;
    if (auto end = find_end(*read_, bytes, failed); end && !failed) {
      buffer_.append(bytes.data() + *end, n - *end);
      return deliver({}, std::string{bytes.substr(0, *end)}, false);
    }
  }
  buffer_.append(small_.get(), n);
  if (full) // more may be waiting
    drain(ec);
  if (read_)
    satisfy_read(false);
  if (ec) // the end came with the bytes: they were offered first
    do_close(ec, false);
}

// Appends what else the socket holds, up to one chunk; `ec` is the end of
// the stream if it came with the bytes.
void stream_core::drain(std::error_code& ec) {
  char chunk[16 * 1024];
  auto limit = std::min(options_.max_buffer_size, options_.read_chunk_size);
  on_transport([&](auto& s) {
    while (!ec && buffer_.size() < limit) {
      auto room = std::min(sizeof chunk, limit - buffer_.size());
      auto got = s.read_some(asio::buffer(chunk, room), ec);
      buffer_.append(chunk, got);
      if (got < room)
        break;
    }
  });
  if (would_block(ec))
    ec.clear();
}

void stream_core::park() {
  bool small_read_waiting = filling_ && small_ && !parked_ && !secure();
  if (!small_read_waiting || !read_ || !read_->view_done || writing_ || parking_
      || closed())
    return;
  parking_ = true;
  std::error_code ignored; // cancels our one operation: no write is under way
  on_transport([&](auto& s) { s.lowest_layer().cancel(ignored); });
}

void stream_core::wait_ready() {
  parked_ = true;
  filling_ = true; // the wait stands in for a socket read
  on_transport([&](auto& s) {
    s.lowest_layer().async_wait(
      asio::socket_base::wait_read,
      core_handler{shared_from_this(),
                   [](stream_core& self, std::error_code ec) {
                     self.filling_ = false;
                     self.parked_ = false;
                     if (self.closed())
                       return;
                     if (ec)
                       return self.do_close(ec, false);
                     self.on_ready();
                   }});
  });
}

// Readable: one read on the stack; a view read it satisfies sees the bytes
// there, without a copy.
void stream_core::on_ready() {
  char chunk[16 * 1024];
  auto room = sizeof chunk;
  if (options_.max_buffer_size > buffer_.size())
    room = std::min(room, options_.max_buffer_size - buffer_.size());
  std::error_code ec;
  std::size_t n = 0;
  on_transport(
    [&](auto& s) { n = s.read_some(asio::buffer(chunk, room), ec); });
  if (would_block(ec)) { // nothing after all: wait again
    if (read_)
      fill_buffer();
    return;
  }
  if (ec)
    return do_close(ec, false);
  bool full = n == room;
  if (!full && buffer_.empty() && read_ && read_->view_done)
    return deliver_view({chunk, n}, false);
  buffer_.append(chunk, n);
  if (full)
    drain(ec);
  if (read_)
    satisfy_read(false);
  if (ec)
    do_close(ec, false);
}

} // namespace gale::io::detail
