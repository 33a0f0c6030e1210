#pragma once

#include <asio/associator.hpp>

#include <utility>

namespace gale::io::detail {

/// A completion handler that keeps `owned` (say, the timer an operation runs
/// on) alive until the handler is invoked or destroyed. Every association of
/// the wrapped handler (executor, allocator, cancellation slot) stays visible
/// to Asio through the `associator` specialisation below.
template <class Handler, class Owned>
struct owning_handler {
  Handler handler;
  Owned owned;

  template <class... Args>
  void operator()(Args&&... args) {
    std::move(handler)(std::forward<Args>(args)...);
  }
};

} // namespace gale::io::detail

namespace asio {

template <template <class, class> class Associator, class Handler, class Owned,
          class DefaultCandidate>
struct associator<Associator, gale::io::detail::owning_handler<Handler, Owned>,
                  DefaultCandidate> {
  using type = typename Associator<Handler, DefaultCandidate>::type;

  static type get(const gale::io::detail::owning_handler<Handler, Owned>& h,
                  const DefaultCandidate& c = DefaultCandidate()) noexcept {
    return Associator<Handler, DefaultCandidate>::get(h.handler, c);
  }
};

} // namespace asio
