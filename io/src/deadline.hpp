#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <utility>

namespace gale::io::detail {

/// A steady timer for one deadline at a time. Cancelling in Asio cannot
/// recall an expiry whose handler is already queued; the generation count
/// makes such a late handler a no-op. The wait refers to this object:
/// `on_expiry` must keep its owner alive.
class deadline {
public:
  explicit deadline(const asio::any_io_executor& ex) : timer_(ex) {}

  template <class F>
  void arm(std::chrono::milliseconds after, F on_expiry) {
    auto generation = ++generation_;
    timer_.expires_after(after);
    timer_.async_wait(
      [this, generation, on_expiry = std::move(on_expiry)](auto ec) mutable {
        if (!ec && generation == generation_)
          on_expiry();
      });
  }

  void cancel() {
    ++generation_;
    timer_.cancel();
  }

private:
  asio::steady_timer timer_;
  unsigned generation_ = 0;
};

} // namespace gale::io::detail
