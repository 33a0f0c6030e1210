#pragma once

#include "gale/detail/lost_node_watch.hpp"
#include "gale/error.hpp"
#include "gale/http_messages.hpp"
#include "gale/timeout.hpp"

#include <gale/io/unhandled.hpp>

#include <asio/cancellation_signal.hpp>

#include <caf/actor_cast.hpp>
#include <caf/actor_control_block.hpp>
#include <caf/node_id.hpp>
#include <caf/error.hpp>

#include <coroutine>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

/// Coroutines inside event-based actors (CAF 0.17 has none of its own).
///
/// A handler calls a coroutine function returning `gale::actor_task`; in it,
/// `co_await gale::ask<R>(self, dest, timeout, args...)` sends a request
/// and suspends until the reply, and any gale or Asio operation is awaited
/// with the token `gale::on_actor(self)` (`gale/on_actor.hpp`). The coroutine
/// resumes inside the actor's own reply handler, on the actor's thread, so it
/// may touch the actor's state like any handler. Meanwhile the actor goes on
/// handling other messages. If the actor dies while a coroutine waits, the
/// pending reply handler is destroyed and takes the suspended coroutine frame
/// with it (locals' destructors run; the coroutine does not resume).
namespace gale {

/// A fire-and-forget coroutine run by an actor. It starts at once and runs
/// until its first `co_await`. An exception escaping it ends the coroutine
/// and is reported (`io::set_unhandled_handler`, by default a log line);
/// the actor goes on with its next message. Answer your requests inside
/// the coroutine, typically through a response promise: a request whose
/// coroutine threw is answered only when the promise goes (CAF then sends
/// `broken_promise`).
class actor_task {
public:
  struct promise_type {
    actor_task get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept {
      io::report_unhandled(std::current_exception(), "an actor coroutine");
    }
  };
};

namespace detail {

/// Owns a suspended coroutine frame until its reply arrives: destroyed
/// without having resumed it (the actor died), it destroys the frame.
class frame_owner {
public:
  explicit frame_owner(std::coroutine_handle<> h) : h_(h) {}
  frame_owner(const frame_owner&) = delete;
  frame_owner& operator=(const frame_owner&) = delete;
  ~frame_owner() {
    if (h_)
      h_.destroy();
  }
  /// Resumes the coroutine unless it already was (by the reply, its error,
  /// or a cancellation: whichever comes first wins).
  void resume() {
    if (auto h = std::exchange(h_, nullptr))
      h.resume();
  }

private:
  std::coroutine_handle<> h_;
};

template <class R>
struct ask_state {
  std::optional<std::conditional_t<std::is_void_v<R>, int, R>> value;
  caf::error err;
};

/// The exception a failed ask throws: `gale::error` with the reply's code
/// and description (an HTTP status error keeps its response).
template <class R>
std::exception_ptr ask_failure(const caf::error& err) {
  if constexpr (std::is_same_v<R, http::response>)
    if (const auto* res = http::response_of(err))
      return std::make_exception_ptr(
        http::status_error{to_error_code(err), *res});
  return std::make_exception_ptr(error{to_error_code(err), describe(err)});
}

/// The awaitable behind `ask` and `ask_with_cancellation`.
template <class R, class Self, class Handle, class... Ts>
struct ask_awaiter {
  using result_type = R;

  Self* self;
  asio::cancellation_slot slot;
  Handle dest;
  timeout t;
  std::tuple<Ts...> args;
  std::shared_ptr<ask_state<R>> state; // made when awaited alone

  bool await_ready() const noexcept { return false; }

  void await_suspend(std::coroutine_handle<> h) {
    state = std::make_shared<ask_state<R>>();
    auto owner = std::make_shared<frame_owner>(h);
    auto on_error = [owner, st = state](caf::error& err) {
      st->err = std::move(err);
      owner->resume();
    };
    std::function<void()> stop_watch;
    if constexpr (std::is_void_v<R>)
      stop_watch = send(
        [owner, st = state] {
          st->value.emplace(0);
          owner->resume();
        },
        on_error);
    else
      stop_watch = send(
        [owner, st = state](R& value) {
          st->value.emplace(std::move(value));
          owner->resume();
        },
        on_error);
    if (slot.is_connected())
      slot.assign([owner, st = state, stop_watch](asio::cancellation_type) {
        if (stop_watch)
          stop_watch();
        if (!st->value && !st->err)
          st->err = make_error(errc::cancelled);
        owner->resume(); // a later reply finds nothing to resume
      });
  }

  R await_resume() {
    if (state->err)
      std::rethrow_exception(ask_failure<R>(state->err));
    if constexpr (!std::is_void_v<R>)
      return std::move(*state->value);
  }

  /// Sends the request (once): `on_value(R&)` (`on_value()` for `void`) or
  /// `on_error(caf::error&)` runs inside the actor with the answer. Returns
  /// what stops watching a remote receiver's node (empty for a local one).
  template <class OnValue, class OnError>
  std::function<void()> send(OnValue on_value, OnError on_error) {
    // Only a receiver in another process needs watching (and the
    // allocation); a local one that dies answers by itself.
    // (Compared through the control blocks: copying a node_id counts.)
    std::shared_ptr<lost_node_watch> watch;
    caf::strong_actor_ptr dest_ptr;
    auto* block = caf::actor_cast<caf::actor_control_block*>(dest);
    if (block && block->node() != self->ctrl()->node()) {
      dest_ptr = caf::actor_cast<caf::strong_actor_ptr>(dest);
      watch = std::make_shared<lost_node_watch>();
    }
    auto stop_watch = [watch] {
      if (watch)
        watch->stop();
    };
    auto failed = [stop_watch, on_error](caf::error& err) {
      stop_watch();
      on_error(err);
    };
    std::apply(
      [&](auto&... xs) {
        auto handle = self->request(dest, t.to_caf(), std::move(xs)...);
        if (watch)
          *watch = lost_node_watch{self, dest_ptr, handle.id()};
        if constexpr (std::is_void_v<R>)
          handle.then(
            [stop_watch, on_value] {
              stop_watch();
              on_value();
            },
            failed);
        else
          handle.then(
            [stop_watch, on_value](R& value) {
              stop_watch();
              on_value(value);
            },
            failed);
      },
      args);
    if (!watch)
      return {};
    return stop_watch;
  }
};

} // namespace detail

/// An awaitable request from the actor `self` to `dest`. Resumes with the
/// reply (type `R`, or `void`), or throws `gale::error` with the same codes
/// as every other style (`timed_out`, `actor_down`, ...). `dest` may be any
/// actor, typed or not, local or remote; when the process of a remote
/// `dest` is lost, the coroutine resumes with `actor_down` at once.
template <class R, class Self, class Handle, class... Ts>
auto ask(Self* self, Handle dest, timeout t, Ts... xs) {
  return detail::ask_awaiter<R, Self, Handle, Ts...>{
    self, {}, std::move(dest), t, std::tuple<Ts...>{std::move(xs)...}, {}};
}

/// As `ask`, but emitting `slot`'s signal (from the actor's own thread,
/// say in another of its handlers) resumes the coroutine at once with
/// `errc::cancelled`; a reply that comes later is dropped.
template <class R, class Self, class Handle, class... Ts>
auto ask_with_cancellation(Self* self, asio::cancellation_slot slot,
                           Handle dest, timeout t, Ts... xs) {
  return detail::ask_awaiter<R, Self, Handle, Ts...>{
    self, slot, std::move(dest), t, std::tuple<Ts...>{std::move(xs)...}, {}};
}

} // namespace gale
