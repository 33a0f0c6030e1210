// The process's handler of exceptions gale caught.

#include "gale/io/unhandled.hpp"

#include "gale/io/log.hpp"

#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace gale::io {

namespace {

std::string describe(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception of unknown type";
  }
}

void log_it(const unhandled_exception& u) {
  log::write(log::channel::application, log::level::error,
             "uncaught exception in " + u.where + ": " + describe(u.exception));
}

/// The one handler of the process (set_unhandled_handler's documented
/// policy). Copied out under the lock, so that it runs unlocked and may be
/// replaced meanwhile.
struct handler_slot {
  std::mutex mutex;
  std::shared_ptr<const unhandled_handler> handler;
};

handler_slot& slot() {
  static handler_slot instance;
  return instance;
}

} // namespace

unhandled_handler set_unhandled_handler(unhandled_handler handler) {
  auto next = handler
                ? std::make_shared<const unhandled_handler>(std::move(handler))
                : nullptr;
  std::lock_guard guard{slot().mutex};
  auto previous = std::exchange(slot().handler, std::move(next));
  return previous ? *previous : unhandled_handler{};
}

void report_unhandled(std::exception_ptr failure, std::string where) noexcept {
  try {
    std::shared_ptr<const unhandled_handler> handler;
    {
      std::lock_guard guard{slot().mutex};
      handler = slot().handler;
    }
    unhandled_exception u{std::move(failure), std::move(where)};
    if (handler)
      (*handler)(u);
    else
      log_it(u);
  } catch (...) { // the handler's own failure: nowhere left to report it
  }
}

} // namespace gale::io
