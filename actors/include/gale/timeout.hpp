#pragma once

#include <caf/duration.hpp>

#include <chrono>
#include <optional>

namespace gale {

/// How long a requester waits for a reply: a duration or `caf::infinite`.
/// (CAF 0.17's own `caf::duration` takes chrono durations only explicitly.)
class timeout {
public:
  template <class Rep, class Period>
  timeout(std::chrono::duration<Rep, Period> d) // NOLINT: implicit on purpose
    : value_(std::chrono::duration_cast<std::chrono::nanoseconds>(d)) {}

  timeout(caf::infinite_t) noexcept { // NOLINT: implicit on purpose
  }

  bool infinite() const noexcept { return !value_.has_value(); }

  /// Precondition: `!infinite()`.
  std::chrono::nanoseconds value() const noexcept { return *value_; }

  caf::duration to_caf() const {
    return infinite()
             ? caf::duration{caf::infinite}
             : caf::duration{value_->count() < 0 ? std::chrono::nanoseconds{0}
                                                 : *value_};
  }

private:
  std::optional<std::chrono::nanoseconds> value_;
};

} // namespace gale
