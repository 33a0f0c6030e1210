#pragma once

#include "gale/error.hpp"

#include <asio/async_result.hpp>

#include <caf/actor.hpp>
#include <caf/send.hpp>

#include <exception>
#include <system_error>
#include <type_traits>
#include <utility>

namespace gale {

/// Completion token: the outcome arrives at `target` as a message,
/// `(tag, value)` on success (`(tag)` for operations without a value) and
/// `(tag, caf::error)` on failure. The message style for any initiating
/// function, e.g. `client.read(c, 4096, gale::to_actor(self, read_atom_v))`
/// inside an actor; the tag tells replies of different operations apart.
template <class Tag>
struct to_actor_t {
  caf::actor target;
  Tag tag;
};

template <class Tag>
to_actor_t<Tag> to_actor(caf::actor target, Tag tag) {
  return {std::move(target), std::move(tag)};
}

namespace detail {

/// Sends `(tag, value...)`, or `(tag, caf::error)` when `ec` is set (an
/// HTTP status error keeps its response: `http::response_of`). Uses
/// anon_send, which is safe from any thread: loop, CAF worker or clock.
template <class Tag, class... Ts>
void deliver_to_actor(const to_actor_t<Tag>& token, std::error_code ec,
                      Ts&&... value) {
  if (!ec)
    caf::anon_send(token.target, token.tag, std::forward<Ts>(value)...);
  else if constexpr ((std::is_same_v<std::decay_t<Ts>, http::response> || ...))
    caf::anon_send(token.target, token.tag,
                   to_caf_error(ec, std::forward<Ts>(value)...));
  else
    caf::anon_send(token.target, token.tag, to_caf_error(ec));
}

} // namespace detail

} // namespace gale

namespace asio {

template <class Tag, class T>
class async_result<gale::to_actor_t<Tag>, void(std::error_code, T)> {
public:
  using return_type = void;

  template <class Initiation, class... Args>
  static void initiate(Initiation&& init, gale::to_actor_t<Tag> token,
                       Args&&... args) {
    std::move(init)(
      [token = std::move(token)](std::error_code ec, T value) {
        gale::detail::deliver_to_actor(token, ec, std::move(value));
      },
      std::forward<Args>(args)...);
  }
};

template <class Tag>
class async_result<gale::to_actor_t<Tag>, void(std::error_code)> {
public:
  using return_type = void;

  template <class Initiation, class... Args>
  static void initiate(Initiation&& init, gale::to_actor_t<Tag> token,
                       Args&&... args) {
    std::move(init)(
      [token = std::move(token)](std::error_code ec) {
        gale::detail::deliver_to_actor(token, ec);
      },
      std::forward<Args>(args)...);
  }
};

// Operations that complete with an exception (run_in_executor): the
// failure arrives as `to_caf_error(exception)`.
template <class Tag, class T>
class async_result<gale::to_actor_t<Tag>, void(std::exception_ptr, T)> {
public:
  using return_type = void;

  template <class Initiation, class... Args>
  static void initiate(Initiation&& init, gale::to_actor_t<Tag> token,
                       Args&&... args) {
    std::move(init)(
      [token = std::move(token)](std::exception_ptr ep, T value) {
        if (ep)
          caf::anon_send(token.target, token.tag,
                         gale::to_caf_error(std::move(ep)));
        else
          caf::anon_send(token.target, token.tag, std::move(value));
      },
      std::forward<Args>(args)...);
  }
};

template <class Tag>
class async_result<gale::to_actor_t<Tag>, void(std::exception_ptr)> {
public:
  using return_type = void;

  template <class Initiation, class... Args>
  static void initiate(Initiation&& init, gale::to_actor_t<Tag> token,
                       Args&&... args) {
    std::move(init)(
      [token = std::move(token)](std::exception_ptr ep) {
        if (ep)
          caf::anon_send(token.target, token.tag,
                         gale::to_caf_error(std::move(ep)));
        else
          caf::anon_send(token.target, token.tag);
      },
      std::forward<Args>(args)...);
  }
};

} // namespace asio
