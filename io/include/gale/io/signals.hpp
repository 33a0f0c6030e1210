#pragma once

#include <asio/any_io_executor.hpp>

#include <cstdint>
#include <functional>
#include <initializer_list>
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

/// What `main()` of a server does once it has started: wait on its own
/// thread for SIGINT or SIGTERM. The signals are watched from construction
/// (their default action, terminating, replaced), so one that arrives
/// between then and `wait()` is not missed, nor fatal:
///
///     io::signal_waiter stop{loop.executor(), {SIGINT, SIGTERM}};
///     std::cout << "listening on ..." << std::endl;
///     stop.wait();
///
/// Construct and wait on a thread that is not a loop's (`std::logic_error`
/// otherwise: the registration waits for `ex`'s loop).
class signal_waiter {
public:
  signal_waiter(const asio::any_io_executor& ex,
                std::initializer_list<int> signal_numbers);
  ~signal_waiter();

  signal_waiter(const signal_waiter&) = delete;
  signal_waiter& operator=(const signal_waiter&) = delete;

  /// Blocks until one of the signals has arrived (at once if one already
  /// has) and returns its number; later ones return the same.
  int wait();

  struct first_signal;

private:
  std::shared_ptr<first_signal> first_;
  signal_registry registry_;
};

} // namespace gale::io
