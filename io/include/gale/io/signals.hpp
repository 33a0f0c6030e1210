#pragma once

#include <asio/any_io_executor.hpp>

#include <cstdint>
#include <functional>
#include <memory>

namespace gale::io {

/// A registry of callbacks for POSIX signals, run on a loop.
///
/// Several callbacks may watch one signal; each runs on the loop thread, in
/// registration order, once per delivery. While any callback watches a
/// signal, the process's default action for it (say, SIGINT terminating) is
/// replaced; removing the last one restores it. All members are thread-safe.
class signal_registry {
public:
  using callback = std::function<void(int signal_number)>;
  using subscription = std::uint64_t;

  explicit signal_registry(const asio::any_io_executor& ex);

  /// Stops watching every signal. Callbacks already posted may still run.
  /// Destroy it on the loop thread, while the loop runs, or after the loop
  /// stopped (the clean-up is posted to the loop).
  ~signal_registry();

  signal_registry(const signal_registry&) = delete;
  signal_registry& operator=(const signal_registry&) = delete;

  /// Calls `cb` on the loop for every delivery of `signal_number` once the
  /// registration is active. `active` (if given) is called with the id on
  /// the loop thread as soon as it is. Returns the same id, for `remove`.
  /// Throws `std::invalid_argument` for a signal that cannot be caught
  /// (SIGKILL, SIGSTOP, out of range).
  subscription on(int signal_number, callback cb,
                  std::function<void(subscription)> active = {});

  /// Stops the callback `id`; unknown ids are ignored.
  void remove(subscription id);

  struct impl;

private:
  std::shared_ptr<impl> impl_;
};

} // namespace gale::io
