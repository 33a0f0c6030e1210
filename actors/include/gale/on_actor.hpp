#pragma once

#include "gale/actor_coroutine.hpp"
#include "gale/error.hpp"
#include "gale/future.hpp"

#include <asio/async_result.hpp>

#include <caf/actor_addr.hpp>
#include <caf/actor_cast.hpp>
#include <caf/behavior.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/make_message.hpp>
#include <caf/message_id.hpp>
#include <caf/message_priority.hpp>

#include <coroutine>
#include <exception>
#include <memory>
#include <optional>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>

/// Any gale or Asio operation awaited inside an actor coroutine.
namespace gale {

/// Completion token for `gale::actor_task` coroutines: `co_await
/// q.async_pop(gale::on_actor(self))`, `co_await io::run_in_executor(f,
/// gale::on_actor(self))`, `co_await client.async_fetch(url,
/// gale::on_actor(self))`. The operation starts when awaited; the
/// coroutine resumes inside the actor, on the actor's thread, as after
/// `gale::ask`, so it may touch the actor's state; meanwhile the actor
/// handles other messages. The outcome is what `asio::use_awaitable`
/// gives: the value; an error code or exception is thrown (`gale::error`,
/// an HTTP status error as `http::status_error`, an exception as it was).
/// An operation that ends without completing (its loop went away) throws
/// `gale::error(errc::cancelled)`. If the actor dies meanwhile, the
/// suspended coroutine is destroyed with it and does not resume.
template <class Self>
struct on_actor_t {
  Self* self;
};

template <class Self>
on_actor_t<Self> on_actor(Self* self) {
  return {self};
}

namespace detail {

/// Wakes the actor's coroutine once: after storing the outcome, or, when
/// destroyed without one, so that it resumes and learns so.
template <class... Args>
class actor_wakeup {
public:
  using outcome = std::optional<std::tuple<std::decay_t<Args>...>>;

  actor_wakeup(std::shared_ptr<outcome> out, caf::actor_addr to,
               caf::message_id mid)
    : out_(std::move(out)), to_(std::move(to)), mid_(mid) {}
  actor_wakeup(actor_wakeup&& other) noexcept
    : out_(std::move(other.out_)), to_(std::move(other.to_)), mid_(other.mid_) {
  }
  actor_wakeup& operator=(actor_wakeup&&) = delete;
  ~actor_wakeup() { wake(); }

  void operator()(Args... args) {
    out_->emplace(std::move(args)...);
    wake();
  }

private:
  void wake() {
    if (!out_)
      return;
    out_.reset();
    // The actor may be gone: then nobody waits.
    if (auto to = caf::actor_cast<caf::strong_actor_ptr>(to_))
      to->enqueue(caf::make_mailbox_element(nullptr, mid_.response_id(), {},
                                            caf::make_message()),
                  nullptr);
  }

  std::shared_ptr<outcome> out_;
  caf::actor_addr to_;
  caf::message_id mid_;
};

/// The value of an outcome, or the exception it stands for.
template <class... Args>
auto outcome_value(std::tuple<Args...>& t) {
  if constexpr (sizeof...(Args) == 0) {
    return;
  } else {
    using first = std::tuple_element_t<0, std::tuple<Args...>>;
    constexpr bool failure =
      std::is_same_v<
        first, std::error_code> || std::is_same_v<first, std::exception_ptr>;
    if constexpr (failure) {
      auto& f = std::get<0>(t);
      if constexpr (std::is_same_v<first, std::exception_ptr>) {
        if (f)
          std::rethrow_exception(f);
      } else if (f) {
        if constexpr (sizeof...(Args) == 2)
          std::rethrow_exception(failure_of(f, std::get<1>(t)));
        else
          throw error{f};
      }
      if constexpr (sizeof...(Args) == 2)
        return std::move(std::get<1>(t));
      else if constexpr (sizeof...(Args) > 2)
        return std::apply(
          [](auto&&, auto&&... rest) { return std::tuple{std::move(rest)...}; },
          std::move(t));
    } else if constexpr (sizeof...(Args) == 1) {
      return std::move(std::get<0>(t));
    } else {
      return std::move(t);
    }
  }
}

/// A new request id of `self`'s whose response (any message, or an error)
/// resumes the suspended coroutine `h` inside the actor; if the actor dies
/// first, the frame is destroyed with it.
template <class Self>
caf::message_id resume_on_response(Self* self, std::coroutine_handle<> h) {
  auto owner = std::make_shared<frame_owner>(h);
  auto mid = self->new_request_id(caf::message_priority::normal);
  self->add_multiplexed_response_handler(
    mid.response_id(),
    caf::behavior{[owner] { owner->resume(); },
                  [owner](caf::error&) { owner->resume(); }});
  return mid;
}

/// The awaitable an operation returns for `on_actor`: starts it when
/// awaited, with a wake-up the actor receives as a response.
template <class Self, class Initiation, class InitArgs, class... Args>
class actor_op_awaiter {
public:
  using outcome = typename actor_wakeup<Args...>::outcome;

  actor_op_awaiter(Self* self, Initiation init, InitArgs args)
    : self_(self), init_(std::move(init)), args_(std::move(args)) {}

  bool await_ready() const noexcept { return false; }

  void await_suspend(std::coroutine_handle<> h) {
    auto mid = resume_on_response(self_, h);
    std::apply(
      [&](auto&... xs) {
        std::move(init_)(actor_wakeup<Args...>{out_, self_->address(), mid},
                         std::move(xs)...);
      },
      args_);
  }

  auto await_resume() {
    if (!*out_)
      throw error{make_error_code(errc::cancelled),
                  "the operation ended without completing"};
    return outcome_value(**out_);
  }

private:
  Self* self_;
  Initiation init_;
  InitArgs args_;
  std::shared_ptr<outcome> out_ = std::make_shared<outcome>();
};

} // namespace detail
} // namespace gale

namespace asio {

template <class Self, class... Args>
class async_result<gale::on_actor_t<Self>, void(Args...)> {
public:
  template <class Initiation, class... InitArgs>
  static auto initiate(Initiation&& init, gale::on_actor_t<Self> token,
                       InitArgs&&... args) {
    using tuple = std::tuple<std::decay_t<InitArgs>...>;
    return gale::detail::actor_op_awaiter<Self, std::decay_t<Initiation>, tuple,
                                          Args...>{
      token.self, std::forward<Initiation>(init),
      tuple{std::forward<InitArgs>(args)...}};
  }
};

} // namespace asio
