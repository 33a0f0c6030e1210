#pragma once

#include "gale/future.hpp"

#include <gale/io/executor.hpp>

#include <asio/post.hpp>

#include <exception>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

/// Tornado's `tornado.concurrent.chain_future`, for gale's futures and
/// for `std::future`.
namespace gale {

/// Tornado's `chain_future`: once `a` is ready, its value or exception
/// goes to `b`, unless `b` is ready already (say, cancelled), which is then
/// left as it is.
template <class T>
void chain_future(const future<T>& a, const promise<T>& b) {
  a.add_done_callback([b](future<T> done) {
    std::exception_ptr failure;
    std::optional<detail::stored_t<T>> value;
    try {
      if constexpr (std::is_void_v<T>) {
        done.get();
        value.emplace();
      } else {
        value.emplace(done.get());
      }
    } catch (...) {
      failure = std::current_exception();
    }
    auto& st = *b.state_;
    {
      std::lock_guard guard{st.mutex};
      if (st.ready_locked())
        return;
    }
    try {
      if (failure)
        b.set_exception(failure);
      else
        st.complete([&] { st.value = std::move(value); }, b.state_);
    } catch (const std::logic_error&) {
      // Set by its own producer meanwhile: that outcome stands.
    }
  });
}

/// As above from a `std::future`, which has no callbacks: a thread of
/// `io::default_pool()` waits for it, so chain only a few at a time.
template <class T>
void chain_future(std::future<T> a, const promise<T>& b) {
  promise<T> relay;
  chain_future(relay.get_future(), b);
  asio::post(io::default_pool(), [a = std::move(a), relay]() mutable {
    detail::settle(relay, [&] { return a.get(); });
  });
}

} // namespace gale
