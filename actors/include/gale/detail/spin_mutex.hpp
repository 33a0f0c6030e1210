#pragma once

#include <atomic>
#include <thread>

namespace gale::detail {

/// A mutex for critical sections of a few dozen instructions that two
/// threads enter all the time (a requester's table of pending requests:
/// the caller inserts, the replying CAF worker erases). A contended
/// std::mutex puts the loser to sleep in the kernel and the winner must
/// wake it; this one spins briefly and then yields its time slice, so a
/// preempted holder still gets the core back. Meets BasicLockable.
class spin_mutex {
public:
  void lock() noexcept {
    for (int spins = 0; flag_.exchange(true, std::memory_order_acquire);) {
      while (flag_.load(std::memory_order_relaxed)) {
        if (++spins < 64)
          pause();
        else
          std::this_thread::yield();
      }
    }
  }

  void unlock() noexcept { flag_.store(false, std::memory_order_release); }

private:
  static void pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }

  std::atomic<bool> flag_{false};
};

} // namespace gale::detail
