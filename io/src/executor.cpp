// The default pool of run_in_executor.

#include "gale/io/executor.hpp"

#include <algorithm>
#include <thread>

namespace gale::io {

thread_pool& default_pool() {
  // Made on first use (thread-safe initialisation), so that a program that
  // never runs work off its loops starts no threads.
  static thread_pool pool{std::max(2u, std::thread::hardware_concurrency())};
  return pool;
}

} // namespace gale::io
