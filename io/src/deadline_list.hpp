#pragma once

// Deadlines that all have the same length (a server's header timeout, its
// idle timeout). Appended as they are armed, they stay ordered by time, so
// that arming, moving and removing one is O(1) and no connection needs a
// timer of its own: the owner runs one timer for the earliest front.

#include <chrono>

namespace gale::io::detail {

class deadline_list;

/// One deadline, embedded in what it times out (a connection).
struct deadline_entry {
  using clock = std::chrono::steady_clock;

  deadline_entry() = default;
  deadline_entry(const deadline_entry&) = delete;
  deadline_entry& operator=(const deadline_entry&) = delete;
  ~deadline_entry() { disarm(); }

  bool armed() const noexcept { return list != nullptr; }
  inline void disarm() noexcept;

  clock::time_point due{};
  deadline_entry* prev = nullptr;
  deadline_entry* next = nullptr;
  deadline_list* list = nullptr;
};

class deadline_list {
public:
  using clock = deadline_entry::clock;

  explicit deadline_list(std::chrono::milliseconds length) : length_(length) {}
  deadline_list(const deadline_list&) = delete;
  deadline_list& operator=(const deadline_list&) = delete;

  /// Arms `e` `length` after `now`, moving it here from any list.
  void arm(deadline_entry& e, clock::time_point now) noexcept {
    e.disarm();
    e.due = now + length_;
    e.list = this;
    e.prev = tail_;
    e.next = nullptr;
    (tail_ ? tail_->next : head_) = &e;
    tail_ = &e;
  }

  void remove(deadline_entry& e) noexcept {
    (e.prev ? e.prev->next : head_) = e.next;
    (e.next ? e.next->prev : tail_) = e.prev;
    e.prev = e.next = nullptr;
    e.list = nullptr;
  }

  /// The earliest deadline, or null.
  deadline_entry* front() const noexcept { return head_; }

private:
  std::chrono::milliseconds length_;
  deadline_entry* head_ = nullptr;
  deadline_entry* tail_ = nullptr;
};

void deadline_entry::disarm() noexcept {
  if (list)
    list->remove(*this);
}

} // namespace gale::io::detail
