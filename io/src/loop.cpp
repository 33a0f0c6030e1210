#include "gale/io/loop.hpp"

#include "gale/io/unhandled.hpp"

#include <asio/executor_work_guard.hpp>

namespace gale::io {

namespace {

// Marks the threads that run a loop. A thread-local flag, not shared state:
// each loop thread sets only its own.
thread_local bool this_thread_runs_a_loop = false;

} // namespace

loop::~loop() {
  stop();
  std::lock_guard guard{lifecycle_};
  if (thread_.joinable())
    thread_.join();
}

void loop::start() {
  std::lock_guard guard{lifecycle_};
  if (started_)
    return;
  started_ = true;
  running_ = true;
  thread_ = std::thread{[this] {
    thread_id_ = std::this_thread::get_id();
    this_thread_runs_a_loop = true;
    // The loop runs until stop(), even while it has nothing to do.
    auto work = asio::make_work_guard(context_);
    // A handler's exception leaves run(); the next run() goes on with the
    // handlers after it, so one bug costs one handler, not the loop.
    for (;;) {
      try {
        context_.run();
        return;
      } catch (...) {
        report_unhandled(std::current_exception(), "a handler on a gale loop");
      }
    }
  }};
}

void loop::stop() {
  running_ = false;
  context_.stop();
  if (in_loop_thread())
    return;
  std::lock_guard guard{lifecycle_};
  if (thread_.joinable())
    thread_.join();
}

bool loop::running() const noexcept {
  return running_;
}

bool loop::in_loop_thread() const noexcept {
  return thread_id_.load() == std::this_thread::get_id();
}

bool loop::on_any_loop_thread() noexcept {
  return this_thread_runs_a_loop;
}

} // namespace gale::io
