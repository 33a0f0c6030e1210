// gale::io::stream's reads: one pending read, satisfied from the buffer,
// which is filled from the socket only while a read needs more.

#include "stream_core.hpp"

#include <asio/error.hpp>
#include <asio/ssl/error.hpp>

namespace gale::io::detail {

using kind = read_spec::kind;

void stream_core::read(read_spec spec,
                       completion<std::error_code, std::string> done) {
  pending_read r;
  r.id = next_op_.fetch_add(1, std::memory_order_relaxed);
  if (spec.what == kind::regex) {
    try {
      r.regex =
        std::make_unique<std::regex>(spec.pattern, std::regex::ECMAScript);
    } catch (const std::regex_error&) {
      done.complete_posted(make_error_code(std::errc::invalid_argument), {});
      return;
    }
  } else if (spec.what == kind::until && spec.pattern.empty()) {
    done.complete_posted(make_error_code(std::errc::invalid_argument), {});
    return;
  }
  r.spec = std::move(spec);
  r.text_done = std::move(done);
  watch_cancellation(r.text_done, r.id, &stream_core::cancel_read);
  on_loop([r = std::move(r)](stream_core& s) mutable {
    s.begin_read(std::move(r), true);
  });
}

void stream_core::read_into(asio::mutable_buffer buffer, bool partial,
                            completion<std::error_code, std::size_t> done) {
  pending_read r;
  r.id = next_op_.fetch_add(1, std::memory_order_relaxed);
  r.spec = {kind::bytes, {}, buffer.size(), partial};
  r.into = buffer;
  r.size_done = std::move(done);
  watch_cancellation(r.size_done, r.id, &stream_core::cancel_read);
  on_loop([r = std::move(r)](stream_core& s) mutable {
    s.begin_read(std::move(r), true);
  });
}

void stream_core::read_view(view_handler done, bool readiness_first) {
  pending_read r;
  r.id = next_op_.fetch_add(1, std::memory_order_relaxed);
  r.view_done = std::move(done);
  r.readiness_first = readiness_first;
  begin_read(std::move(r), true);
}

void stream_core::begin_read(pending_read r, bool posted) {
  if (read_) {
    auto busy = make_error_code(stream_errc::already_reading);
    if (r.size_done)
      r.size_done.complete_posted(busy, 0);
    else if (r.view_done)
      asio::post(executor(),
                 [done = std::move(r.view_done), busy] { done(busy, {}); });
    else
      r.text_done.complete_posted(busy, {});
    return;
  }
  read_ = std::move(r);
  if (!in_view_) // else it goes on when the view handler returns
    satisfy_read(posted);
}

// Completes the pending read when the buffer (or the stream's end) allows,
// else asks the socket for more. Returns true when the read completed.
bool stream_core::satisfy_read(bool posted) {
  if (read_->size_done)
    return satisfy_into(posted);
  if (read_->view_done)
    return satisfy_view(posted);
  std::error_code ec;
  auto end = find_end(*read_, buffer_.data(), ec);
  if (ec || end) {
    finish_read(ec, end.value_or(0), posted);
    return true;
  }
  if (closed()) {
    bool clean_end = error_ == asio::error::eof;
    if (read_->spec.what == kind::until_close && clean_end)
      finish_read({}, buffer_.size(), posted);
    else
      finish_read(error_, 0, posted);
    return true;
  }
  if (buffer_.size() >= options_.max_buffer_size) {
    finish_read(make_error_code(stream_errc::buffer_full), 0, posted);
    return true;
  }
  fill_buffer();
  return false;
}

// How many buffered bytes the read takes, if it can complete now.
std::optional<std::size_t> stream_core::find_end(pending_read& r,
                                                 std::string_view data,
                                                 std::error_code& ec) {
  auto limit = r.spec.count;
  auto over_limit = [&](std::size_t n) { return limit != 0 && n > limit; };
  switch (r.spec.what) {
  case kind::until: {
    const auto& delimiter = r.spec.pattern;
    auto at = data.find(delimiter, r.scanned);
    if (at == std::string_view::npos) {
      if (data.size() >= delimiter.size())
        r.scanned = data.size() - delimiter.size() + 1;
      if (over_limit(data.size()) || (limit != 0 && data.size() == limit))
        ec = make_error_code(stream_errc::unsatisfiable_read);
      return std::nullopt;
    }
    auto end = at + delimiter.size();
    if (over_limit(end))
      ec = make_error_code(stream_errc::unsatisfiable_read);
    return end;
  }
  case kind::regex: {
    std::match_results<std::string_view::const_iterator> m;
    if (!std::regex_search(data.begin(), data.end(), m, *r.regex)) {
      if (limit != 0 && data.size() >= limit)
        ec = make_error_code(stream_errc::unsatisfiable_read);
      return std::nullopt;
    }
    auto end = static_cast<std::size_t>(m.position(0) + m.length(0));
    if (over_limit(end))
      ec = make_error_code(stream_errc::unsatisfiable_read);
    return end;
  }
  case kind::bytes: {
    auto n = r.spec.count;
    if (r.spec.partial)
      return n == 0 || !data.empty() ? std::optional{std::min(n, data.size())}
                                     : std::nullopt;
    if (data.size() >= n)
      return n;
    if (n > options_.max_buffer_size)
      ec = make_error_code(stream_errc::buffer_full);
    return std::nullopt;
  }
  case kind::until_close: return std::nullopt;
  }
  return std::nullopt;
}

// read_into copies what arrives into the caller's buffer as it comes, so
// the stream's own buffer never holds more than one chunk for it.
bool stream_core::satisfy_into(bool posted) {
  auto& r = *read_;
  auto wanted = r.into.size();
  auto n = std::min(wanted - r.filled, buffer_.size());
  buffer_.take_into(static_cast<char*>(r.into.data()) + r.filled, n);
  r.filled += n;
  if (r.filled == wanted || (r.spec.partial && r.filled > 0)) {
    finish_read({}, 0, posted);
    return true;
  }
  if (closed()) {
    finish_read(error_, 0, posted);
    return true;
  }
  fill_buffer();
  return false;
}

bool stream_core::satisfy_view(bool posted) {
  if (in_view_)
    return false;
  if (buffer_.empty() && !closed()) {
    fill_buffer();
    return false;
  }
  if (posted) { // not inside the call that started the read
    asio::post(executor(), core_handler{shared_from_this(), [](stream_core& s) {
                                          if (s.read_ && s.read_->view_done)
                                            s.satisfy_view(false);
                                        }});
    return false;
  }
  deliver_view(buffer_.data(), true);
  return true;
}

// Runs the view handler; the bytes are dropped after it, and a read it
// started meanwhile goes on then.
void stream_core::deliver_view(std::string_view bytes, bool from_buffer) {
  auto done = std::move(read_->view_done);
  read_.reset();
  in_view_ = true;
  done(bytes.empty() ? error_ : std::error_code{}, bytes);
  in_view_ = false;
  if (from_buffer) {
    buffer_.drop(bytes.size());
    buffer_.release_if_empty();
  }
  if (read_)
    satisfy_read(false);
}

void stream_core::finish_read(std::error_code ec, std::size_t take,
                              bool posted) {
  if (read_->size_done) { // read_into: bytes already in the caller's buffer
    auto r = std::move(*read_);
    read_.reset();
    buffer_.release_if_empty();
    r.size_done.complete_or_post(posted, ec, r.filled);
    return;
  }
  deliver(ec, ec ? std::string{} : buffer_.take(take), posted);
}

void stream_core::deliver(std::error_code ec, std::string out, bool posted) {
  auto r = std::move(*read_);
  read_.reset();
  buffer_.release_if_empty();
  r.text_done.complete_or_post(posted, ec, std::move(out));
}

void stream_core::fill_buffer() {
  if (filling_ || tls_handshaking_ || closed())
    return;
  if (!secure() && options_.idle_read_size > 0)
    return read_ && read_->readiness_first ? wait_ready() : wait_small();
  auto room = options_.read_chunk_size;
  if (options_.max_buffer_size > buffer_.size())
    room = std::min(room, options_.max_buffer_size - buffer_.size());
  if (read_ && read_->size_done) // read_into: no more than it still needs
    room = std::min(room, read_->into.size() - read_->filled);
  filling_ = true;
  auto* at = buffer_.prepare(room);
  on_transport([&](auto& s) {
    s.async_read_some(
      asio::buffer(at, room),
      core_handler{shared_from_this(),
                   [](stream_core& self, std::error_code ec, std::size_t n) {
                     self.on_filled(ec, n);
                   }});
  });
}

void stream_core::on_filled(std::error_code ec, std::size_t n) {
  filling_ = false;
  buffer_.commit(n);
  if (closed()) { // closed here meanwhile: the read was failed already
    buffer_.release_if_empty();
    return;
  }
  if (ec) {
    do_close(ec, false);
    return;
  }
  if (read_)
    satisfy_read(false);
}

void stream_core::cancel_read(std::uint64_t id) {
  if (read_ && read_->id == id)
    finish_read(asio::error::operation_aborted, 0, false);
}

} // namespace gale::io::detail
