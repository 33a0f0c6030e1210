#pragma once
// What the benchmark programs share: how a rate is measured, and the raw
// CAF request/response driver they compare against.
#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <utility>
#include <vector>

namespace gale::bench {

/// Runs `batch(n)` (which performs n round trips) with growing n until one
/// call lasts `seconds`; returns round trips per second.
inline double rate_of(double seconds, const std::function<void(long)>& batch) {
  using steady = std::chrono::steady_clock;
  long n = 256;
  for (;;) {
    auto start = steady::now();
    batch(n);
    std::chrono::duration<double> took = steady::now() - start;
    if (took.count() >= seconds || n > (1L << 30))
      return n / took.count();
    auto factor = took.count() <= 0 ? 16.0 : 1.2 * seconds / took.count();
    n = static_cast<long>(n * std::clamp(factor, 2.0, 16.0));
  }
}

/// The median of `v` (not empty).
inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// The median of `repeat` rates measured by `rate_of`.
inline double median_rate(double seconds, int repeat,
                          const std::function<void(long)>& batch) {
  std::vector<double> rates;
  for (int i = 0; i < repeat; ++i)
    rates.push_back(rate_of(seconds, batch));
  return median(std::move(rates));
}

/// An actor runs `lanes` request chains to `target` until `n` replies of
/// type `Reply` arrived; every request carries `request`. Returns then.
template <class Reply, class Request>
void request_chains(caf::actor_system& sys, const caf::actor& target,
                    const Request& request, long n, int lanes) {
  std::promise<void> done;
  sys.spawn([&](caf::event_based_actor* self) {
    auto remaining = std::make_shared<long>(n);
    auto started = std::make_shared<long>(0);
    auto step = std::make_shared<std::function<void()>>();
    *step = [=, &done, &request] {
      if (*started >= n)
        return;
      ++*started;
      self->request(target, caf::infinite, request).then([=, &done](Reply) {
        if (--*remaining == 0) {
          done.set_value();
          self->quit();
          return;
        }
        (*step)();
      });
    };
    for (int i = 0; i < lanes; ++i)
      (*step)();
    self->attach_functor([step] { *step = nullptr; });
  });
  done.get_future().get();
}

} // namespace gale::bench
