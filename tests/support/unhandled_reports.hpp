#pragma once

// What gale's safety net reports while a test runs: the process's handler
// of exceptions gale caught is replaced for the object's lifetime.

#include <gale/io/unhandled.hpp>

#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <string>
#include <vector>

namespace gale::test {

/// Collects each report as "where: what()"; the handler before it comes
/// back when it goes.
class unhandled_reports {
public:
  unhandled_reports()
    : previous_(io::set_unhandled_handler([this](const auto& u) {
        std::string what;
        try {
          std::rethrow_exception(u.exception);
        } catch (const std::exception& e) {
          what = e.what();
        }
        std::lock_guard guard{mutex_};
        seen_.push_back(u.where + ": " + what);
        arrived_.notify_all();
      })) {}
  ~unhandled_reports() { io::set_unhandled_handler(previous_); }
  unhandled_reports(const unhandled_reports&) = delete;
  unhandled_reports& operator=(const unhandled_reports&) = delete;

  /// The report `n` (from 0), waiting up to 5 s for it; "(none)" if it
  /// did not come.
  std::string wait(std::size_t n) {
    std::unique_lock guard{mutex_};
    arrived_.wait_for(guard, std::chrono::seconds{5},
                      [&] { return seen_.size() > n; });
    return seen_.size() > n ? seen_[n] : "(none)";
  }

private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<std::string> seen_;
  io::unhandled_handler previous_;
};

} // namespace gale::test
