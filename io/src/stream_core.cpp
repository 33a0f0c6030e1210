// gale::io::stream's core: entry to the loop, cancellation, writes, close.
// Reads are in stream_read.cpp, TLS in stream_tls.cpp.

#include "stream_core.hpp"

#include <asio/error.hpp>
#include <asio/post.hpp>
#include <asio/write.hpp>

namespace gale::io::detail {

stream_core::stream_core(transport t, stream_options options)
  : transport_(std::move(t)), options_(options) {
  auto ex = executor();
  if (const auto* loop = ex.target<asio::io_context::executor_type>())
    loop_ = *loop;
  if (options_.read_chunk_size == 0)
    options_.read_chunk_size = 64 * 1024;
  if (!secure()) { // the small reads drain with non-blocking reads
    std::error_code ignored;
    on_transport(
      [&](auto& s) { s.lowest_layer().non_blocking(true, ignored); });
  }
}

asio::any_io_executor stream_core::executor() const {
  return on_transport([](auto& s) { return s.get_executor(); });
}

// -- writes ----------------------------------------------------------------

void stream_core::write(std::string bytes, completion<std::error_code> done) {
  auto id = next_op_.fetch_add(1, std::memory_order_relaxed);
  watch_cancellation(done, id, &stream_core::cancel_write);
  on_loop([id, bytes = std::move(bytes),
           done = std::move(done)](stream_core& s) mutable {
    if (s.closed())
      return done.complete_posted(s.error_);
    auto limit = s.options_.max_write_buffer_size;
    if (limit != 0 && s.unsent() + bytes.size() > limit)
      return done.complete_posted(make_error_code(stream_errc::buffer_full));
    s.queued_total_ += bytes.size();
    if (s.queued_.empty())
      s.queued_ = std::move(bytes);
    else
      s.queued_ += bytes;
    if (s.queued_total_ == s.sent_total_) // nothing owed: done at once
      return done.complete_posted({});
    s.writes_.push_back({id, s.queued_total_, std::move(done)});
    s.send_queued();
  });
}

void stream_core::send_queued() {
  if (writing_ || queued_.empty() || tls_handshaking_ || closed())
    return;
  writing_ = true;
  std::swap(sending_, queued_);
  queued_.clear();
  on_transport([&](auto& s) {
    asio::async_write(s, asio::buffer(sending_),
                      core_handler{shared_from_this(),
                                   [](stream_core& self, std::error_code ec,
                                      std::size_t n) { self.on_sent(ec, n); }});
  });
}

void stream_core::on_sent(std::error_code ec, std::size_t n) {
  writing_ = false;
  sent_total_ += n;
  sending_.clear();
  if (closed()) {
    if (goodbye_ && goodbye_->timer && !socket_closed_) // it waited for us
      ec ? close_socket() : send_close_notify();
    return;
  }
  if (ec)
    return do_close(ec, false);
  // A completed write may start another at once (inside its handler);
  // send_queued below then finds the socket busy and leaves it.
  std::size_t n_done = 0;
  while (n_done < writes_.size() && writes_[n_done].mark <= sent_total_)
    ++n_done;
  std::vector<completion<std::error_code>> done;
  for (std::size_t i = 0; i < n_done; ++i)
    done.push_back(std::move(writes_[i].done));
  writes_.erase(writes_.begin(), writes_.begin() + static_cast<long>(n_done));
  for (auto& d : done)
    d.complete({});
  send_queued();
}

void stream_core::cancel_write(std::uint64_t id) {
  for (auto i = writes_.begin(); i != writes_.end(); ++i)
    if (i->id == id) {
      auto done = std::move(i->done);
      writes_.erase(i);
      done.complete(asio::error::operation_aborted);
      return;
    }
}

// -- closing ---------------------------------------------------------------

void stream_core::close(std::error_code reason) {
  on_loop([reason](stream_core& s) { s.do_close(reason, true); });
}

void stream_core::do_close(std::error_code reason, bool posted) {
  if (closed())
    return;
  error_ = reason ? reason : make_error_code(stream_errc::closed);
  closed_.store(true, std::memory_order_release);
  // A close here, or the peer's close_notify (eof on TLS), is answered
  // with ours before the socket closes, as TLS asks of both sides.
  bool clean = !reason || reason == asio::error::eof;
  if (clean && secure() && !tls_handshaking_)
    tls_goodbye();
  else
    close_socket();
  if (read_)
    satisfy_read(posted);
  auto writes = std::move(writes_);
  writes_.clear();
  for (auto& w : writes)
    w.done.complete_or_post(posted, error_);
  queued_.clear();
  tell_closed();
}

void stream_core::close_and_wait(completion<std::error_code> done) {
  on_loop([done = std::move(done)](stream_core& s) mutable {
    s.do_close({}, true);
    if (s.socket_closed_)
      return done.complete_posted(s.goodbye_ ? s.goodbye_->error
                                             : std::error_code{});
    s.goodbye_state().waiters.push_back(std::move(done));
  });
}

stream_core::goodbye& stream_core::goodbye_state() {
  if (!goodbye_)
    goodbye_ = std::make_unique<goodbye>();
  return *goodbye_;
}

void stream_core::abandon() noexcept {
  read_.reset();
  writes_.clear();
  goodbye_.reset();
  close_callback_ = nullptr;
  tracker_.reset();
}

void stream_core::close_socket() {
  if (socket_closed_)
    return;
  socket_closed_ = true;
  on_transport([](auto& s) {
    std::error_code ignored;
    s.lowest_layer().close(ignored);
  });
  if (!goodbye_)
    return;
  if (goodbye_->timer)
    goodbye_->timer->cancel();
  for (auto& w : std::exchange(goodbye_->waiters, {}))
    w.complete_posted(goodbye_->error);
}

void stream_core::tell_closed() {
  if (close_told_)
    return;
  close_told_ = true;
  asio::post(executor(),
             core_handler{shared_from_this(), [](stream_core& s) {
                            if (s.close_callback_)
                              std::exchange(s.close_callback_, nullptr)();
                            if (auto tracker =
                                  std::exchange(s.tracker_, {}).lock())
                              tracker->stream_closed(s);
                          }});
}

void stream_core::set_close_callback(std::function<void()> callback) {
  on_loop([callback = std::move(callback)](stream_core& s) mutable {
    s.close_callback_ = std::move(callback);
    if (s.close_told_ && s.close_callback_) // closed before: run soon
      asio::post(s.executor(),
                 [cb = std::exchange(s.close_callback_, {})] { cb(); });
  });
}

void stream_core::track_close(std::weak_ptr<close_tracker> tracker) {
  if (!close_told_) {
    tracker_ = std::move(tracker);
    return;
  }
  asio::post(executor(),
             core_handler{shared_from_this(), [tracker](stream_core& s) {
                            if (auto t = tracker.lock())
                              t->stream_closed(s);
                          }});
}

// -- the connection --------------------------------------------------------

std::error_code stream_core::set_nodelay(bool on) {
  std::error_code ec;
  on_transport([&](auto& s) {
    using socket = std::decay_t<decltype(s.lowest_layer())>;
    if constexpr (std::is_same_v<typename socket::protocol_type, asio::ip::tcp>)
      s.lowest_layer().set_option(asio::ip::tcp::no_delay(on), ec);
  });
  return ec;
}

std::string stream_core::peer() const {
  std::error_code ec;
  return on_transport([&](auto& s) -> std::string {
    auto ep = s.lowest_layer().remote_endpoint(ec);
    if (ec)
      return {};
    using socket = std::decay_t<decltype(s.lowest_layer())>;
    if constexpr (std::is_same_v<typename socket::protocol_type,
                                 asio::ip::tcp>) {
      auto ip = ep.address().to_string();
      if (ep.address().is_v6())
        ip = "[" + ip + "]";
      return ip + ":" + std::to_string(ep.port());
    } else {
      return ep.path();
    }
  });
}

} // namespace gale::io::detail
