#pragma once

#include "gale/error.hpp"
#include "gale/timeout.hpp"

#include "gale/detail/initiation_scope.hpp"

#include <gale/io/detail/completion.hpp>
#include <gale/io/detail/unique_function.hpp>

#include <asio/async_result.hpp>
#include <asio/system_executor.hpp>

#include <caf/actor_cast.hpp>
#include <caf/actor_control_block.hpp>
#include <caf/fwd.hpp>
#include <caf/message.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <type_traits>

namespace gale {

namespace detail {

class requester_core;

/// Receives `(error, reply)` exactly once.
using reply_handler =
  io::detail::unique_function<void(caf::error, caf::message)>;

template <class R>
struct completion_signature {
  using type = void(std::error_code, R);
};

template <>
struct completion_signature<void> {
  using type = void(std::error_code);
};

template <class R>
using completion_signature_t = typename completion_signature<R>::type;

/// Some errors carry a value beside the error code (an HTTP status error
/// carries its response): overloads found by argument-dependent lookup
/// copy it into `out`. By default an error carries nothing.
template <class R>
void value_from_error(const caf::error&, R&) {}

/// Unpacks a reply: the value of type `R`, or why there is none.
template <class R>
std::error_code
decode_reply(const caf::error& err, caf::message& reply,
             std::conditional_t<std::is_void_v<R>, int, R>& out) {
  const caf::error* failure = nullptr;
  if (err)
    failure = &err;
  else if (reply.match_elements<caf::error>())
    failure = &reply.get_as<caf::error>(0);
  if (failure) {
    value_from_error(*failure, out);
    return to_error_code(*failure);
  }
  if constexpr (std::is_void_v<R>) {
    return {};
  } else {
    if (!reply.match_elements<R>())
      return errc::unexpected_reply;
    out = std::move(reply.get_mutable_as<R>(0));
    return {};
  }
}

/// The completion an `async_request` for `R` finishes.
template <class R>
struct reply_completion {
  using type = io::detail::completion<std::error_code, R>;
};
template <>
struct reply_completion<void> {
  using type = io::detail::completion<std::error_code>;
};

/// Initiates through gale's one completion helper; a handler that names no
/// executor runs on the thread that delivers the reply.
template <class R, class Token, class Start>
auto initiate_reply(Token&& token, Start start) {
  const asio::any_io_executor anywhere{asio::system_executor{}};
  if constexpr (std::is_void_v<R>)
    return io::detail::initiate<std::error_code>(std::forward<Token>(token),
                                                 anywhere, std::move(start));
  else
    return io::detail::initiate<std::error_code, R>(std::forward<Token>(token),
                                                    anywhere, std::move(start));
}

} // namespace detail

/// Sends requests to any actor from code that is not an actor, and hands
/// each reply to an Asio completion token: a callback, `asio::use_future`,
/// `asio::use_awaitable`, `gale::use_future`, `gale::to_queue(q)` or
/// `gale::use_blocking`.
///
/// Replies arrive on a hidden actor of this requester without waking an
/// extra thread. A completion runs through the handler's associated
/// executor; a plain callback has none and runs on the thread that delivered
/// the reply: a CAF worker, the I/O loop, or CAF's clock thread for
/// timeouts. It must not block. Bind it with `asio::bind_executor` to move it.
///
/// Every request ends exactly once: with the reply, `errc::timed_out`,
/// `errc::actor_down` (the receiver is or goes down, even if it drops the
/// request silently), `errc::cancelled` (the token's cancellation slot fired,
/// or this requester was destroyed), or the receiver's own error.
/// Thread-safe.
class requester {
public:
  explicit requester(caf::actor_system& sys);
  ~requester();

  requester(const requester&) = delete;
  requester& operator=(const requester&) = delete;

  /// Sends `msg` to `dest` and completes `token` with its reply of type `R`
  /// (`void`: any reply). Signature: `void(std::error_code, R)`, or
  /// `void(std::error_code)` for `void`. `R` must be default-constructible.
  template <class R, class Handle, class Token>
  auto async_request(const Handle& dest, timeout t, caf::message msg,
                     Token&& token) {
    return async_request_impl<R>(caf::actor_cast<caf::strong_actor_ptr>(dest),
                                 t, std::move(msg), {},
                                 std::forward<Token>(token));
  }

  /// As `async_request`, but cancellation calls `on_cancel` instead of
  /// completing at once: for receivers that answer a cancelled operation
  /// themselves (the I/O actor answers `errc::cancelled` after it stopped
  /// the I/O, so no bytes are lost).
  template <class R, class Token>
  auto async_request_forwarding_cancel(const caf::strong_actor_ptr& dest,
                                       timeout t, caf::message msg,
                                       std::function<void()> on_cancel,
                                       Token&& token) {
    return async_request_impl<R>(dest, t, std::move(msg), std::move(on_cancel),
                                 std::forward<Token>(token));
  }

  /// Sends `msg` to `dest` as an ordinary message from this requester.
  void tell(const caf::strong_actor_ptr& dest, caf::message msg);

  /// Untyped core of `async_request`: `handler` runs on the thread that
  /// delivers the outcome. Returns an id for `cancel`.
  std::uint64_t send(caf::strong_actor_ptr dest, timeout t, caf::message msg,
                     detail::reply_handler handler);

  /// Ends request `id` with `errc::cancelled` if it is still pending.
  bool cancel(std::uint64_t id);

  /// A number unique within this requester, for naming operations.
  std::uint64_t next_op_id() noexcept;

  caf::actor_system& system() const noexcept;

private:
  template <class R, class Token>
  auto async_request_impl(caf::strong_actor_ptr dest, timeout t,
                          caf::message msg, std::function<void()> on_cancel,
                          Token&& token) {
    return detail::initiate_reply<R>(
      std::forward<Token>(token),
      [this, dest = std::move(dest), t, msg = std::move(msg),
       on_cancel = std::move(on_cancel)](auto done) mutable {
        start<R>(std::move(dest), t, std::move(msg), std::move(on_cancel),
                 std::move(done));
      });
  }

  template <class R>
  void start(caf::strong_actor_ptr dest, timeout t, caf::message msg,
             std::function<void()> on_cancel,
             typename detail::reply_completion<R>::type done) {
    auto slot = done.cancellation_slot();
    // A reply that arrives while this thread is still initiating (a dead
    // receiver bounces at once) is posted, never run inside the initiating
    // call, as Asio requires.
    detail::initiation_scope scope;
    auto id = send(
      std::move(dest), t, std::move(msg),
      [done = std::move(done)](caf::error err, caf::message reply) mutable {
        std::conditional_t<std::is_void_v<R>, int, R> value{};
        auto ec = detail::decode_reply<R>(err, reply, value);
        bool initiating = detail::initiation_scope::active();
        if constexpr (std::is_void_v<R>)
          done.complete_or_post(initiating, ec);
        else
          done.complete_or_post(initiating, ec, std::move(value));
      });
    if (slot.is_connected()) {
      slot.assign([weak = std::weak_ptr<detail::requester_core>{core_}, id,
                   on_cancel = std::move(on_cancel)](asio::cancellation_type) {
        if (on_cancel)
          on_cancel();
        else if (auto core = weak.lock())
          cancel_in(*core, id);
      });
    }
  }

  static void cancel_in(detail::requester_core& core, std::uint64_t id);

  std::shared_ptr<detail::requester_core> core_;
};

} // namespace gale
