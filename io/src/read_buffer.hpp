#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace gale::io::detail {

/// A stream's read buffer: received bytes not yet taken, in one block that
/// grows only when a read needs room, by at most one chunk beyond what has
/// been received (or to twice the bytes held, to keep growth linear). Taken
/// bytes are dropped from the front; the block is given back once empty, so
/// that an idle stream holds none.
class read_buffer {
public:
  std::string_view data() const noexcept {
    if (!block_)
      return {};
    return {block_.get() + head_, tail_ - head_};
  }
  std::size_t size() const noexcept { return tail_ - head_; }
  bool empty() const noexcept { return head_ == tail_; }
  std::size_t capacity() const noexcept { return capacity_; }

  /// Room for `chunk` more bytes at the end; returns where they go. Until
  /// the matching `commit`, taking bytes moves nothing.
  char* prepare(std::size_t chunk) {
    pinned_ = true;
    if (head_ > 0 && capacity_ - tail_ < chunk) { // slide to the front first
      std::memmove(block_.get(), block_.get() + head_, size());
      tail_ -= head_;
      head_ = 0;
    }
    if (capacity_ - tail_ < chunk)
      grow(std::max(tail_ + chunk, 2 * tail_));
    return block_.get() + tail_;
  }

  /// `n` bytes arrived where `prepare` said.
  void commit(std::size_t n) noexcept {
    tail_ += n;
    pinned_ = false;
    if (head_ == tail_)
      head_ = tail_ = 0;
  }

  /// Takes the first `n` bytes (n <= size()).
  std::string take(std::size_t n) {
    if (n == 0)
      return {};
    std::string out(block_.get() + head_, n);
    consume(n);
    return out;
  }

  /// Drops the first `n` bytes (n <= size()).
  void drop(std::size_t n) noexcept { consume(n); }

  /// Copies the first `n` bytes to `out` and drops them.
  void take_into(char* out, std::size_t n) {
    if (n == 0)
      return;
    std::memcpy(out, block_.get() + head_, n);
    consume(n);
  }

  /// Appends `n` bytes, growing the block to what they need (or to twice
  /// what it holds).
  void append(const char* bytes, std::size_t n) {
    if (n == 0)
      return;
    if (capacity_ - tail_ < n) {
      if (head_ > 0 && capacity_ - size() >= n) {
        std::memmove(block_.get(), block_.get() + head_, size());
        tail_ -= head_;
        head_ = 0;
      } else {
        grow(std::max(size() + n, 2 * size()));
      }
    }
    std::memcpy(block_.get() + tail_, bytes, n);
    tail_ += n;
  }

  /// Gives the block back when nothing is held (and no socket read is
  /// writing into it).
  void release_if_empty() noexcept {
    if (empty() && !pinned_ && block_) {
      block_.reset();
      capacity_ = head_ = tail_ = 0;
    }
  }

private:
  void consume(std::size_t n) noexcept {
    head_ += n;
    if (head_ == tail_ && !pinned_) // a socket read may be writing at tail_
      head_ = tail_ = 0;
  }

  void grow(std::size_t capacity) {
    auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
    if (!empty())
      std::memcpy(bigger.get(), block_.get() + head_, size());
    tail_ -= head_;
    head_ = 0;
    block_ = std::move(bigger);
    capacity_ = capacity;
  }

  std::unique_ptr<char[]> block_;
  std::size_t capacity_ = 0;
  std::size_t head_ = 0;
  std::size_t tail_ = 0;
  bool pinned_ = false;
};

} // namespace gale::io::detail
