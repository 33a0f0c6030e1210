#pragma once

#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include <atomic>
#include <mutex>
#include <thread>

namespace gale::io {

/// One single-threaded, non-blocking event loop: an `asio::io_context` and
/// the one thread that runs it.
///
/// Every handler of an operation started on `executor()` runs on that thread,
/// so code on the loop needs no locks; a handler that blocks stalls every
/// other operation of the loop. `post` is the one thread-safe way in. An
/// exception that escapes a handler is reported (`set_unhandled_handler`,
/// by default a log line) and the loop goes on with the next one.
class loop {
public:
  using executor_type = asio::io_context::executor_type;

  loop() = default;
  loop(const loop&) = delete;
  loop& operator=(const loop&) = delete;

  /// Stops and joins (see `stop`).
  ~loop();

  /// Starts the loop thread. Post: `running()`. Calling it twice is a no-op;
  /// a stopped loop cannot be started again.
  void start();

  /// Stops the loop and joins its thread; handlers not yet run are destroyed
  /// with the context. Idempotent. Called on the loop thread itself, it only
  /// stops the loop; the join then happens in the destructor.
  void stop();

  /// True between `start()` and `stop()`.
  bool running() const noexcept;

  /// True when the calling thread is this loop's thread.
  bool in_loop_thread() const noexcept;

  /// True when the calling thread runs any gale loop. Blocking calls use it
  /// to fail instead of deadlocking the loop they would wait on.
  static bool on_any_loop_thread() noexcept;

  executor_type executor() noexcept { return context_.get_executor(); }
  asio::io_context& context() noexcept { return context_; }

  /// Runs `f` on the loop thread (Tornado's add_callback). Thread-safe.
  template <class F>
  void post(F&& f) {
    asio::post(context_, std::forward<F>(f));
  }

private:
  asio::io_context context_{1};
  std::mutex lifecycle_;
  std::thread thread_;
  std::atomic<std::thread::id> thread_id_{};
  std::atomic<bool> running_{false};
  bool started_ = false;
};

} // namespace gale::io
