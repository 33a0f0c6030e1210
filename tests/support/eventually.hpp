#pragma once

#include <chrono>
#include <thread>

namespace gale::test {

/// Polls `pred` until it holds or `limit` passes; whether it held.
template <class Pred>
bool eventually(Pred pred,
                std::chrono::milliseconds limit = std::chrono::seconds{5}) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{2});
  }
  return true;
}

} // namespace gale::test
