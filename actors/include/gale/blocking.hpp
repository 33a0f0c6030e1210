#pragma once

#include "gale/future.hpp"

#include <gale/io/loop.hpp>

namespace gale {

/// Completion token: the initiating function waits for the outcome and
/// returns the value, or throws `gale::error` (Tornado's synchronous
/// HTTPClient style). Called on an I/O loop thread, where waiting would
/// stall (or deadlock) that loop, it throws `errc::would_block_loop` before
/// starting anything. Never use it inside an actor's handler: it blocks a
/// CAF worker thread.
struct use_blocking_t {};
inline constexpr use_blocking_t use_blocking{};

namespace detail {

inline void check_may_block() {
  if (io::loop::on_any_loop_thread())
    throw error{make_error_code(errc::would_block_loop)};
}

} // namespace detail

} // namespace gale

namespace asio {

template <class T>
class async_result<gale::use_blocking_t, void(std::error_code, T)> {
public:
  using return_type = T;

  template <class Initiation, class... Args>
  static T initiate(Initiation&& init, gale::use_blocking_t, Args&&... args) {
    gale::detail::check_may_block();
    return async_result<gale::use_future_t, void(std::error_code, T)>::initiate(
             std::forward<Initiation>(init), gale::use_future,
             std::forward<Args>(args)...)
      .get();
  }
};

template <>
class async_result<gale::use_blocking_t, void(std::error_code)> {
public:
  using return_type = void;

  template <class Initiation, class... Args>
  static void initiate(Initiation&& init, gale::use_blocking_t,
                       Args&&... args) {
    gale::detail::check_may_block();
    async_result<gale::use_future_t, void(std::error_code)>::initiate(
      std::forward<Initiation>(init), gale::use_future,
      std::forward<Args>(args)...)
      .get();
  }
};

} // namespace asio
