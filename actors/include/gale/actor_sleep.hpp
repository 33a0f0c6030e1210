#pragma once

#include "gale/on_actor.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_clock.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/make_message.hpp>
#include <caf/message_id.hpp>

#include <chrono>
#include <coroutine>
#include <optional>

/// Tornado's gen.sleep and gen.moment inside actor coroutines (for Asio
/// coroutines: `gale/io/coro.hpp`).
namespace gale {

namespace detail {

/// Resumes an actor coroutine when a response to itself arrives: sent at
/// once (`moment`) or scheduled on the actor system's clock (`sleep`).
template <class Self>
class actor_wake_awaiter {
public:
  actor_wake_awaiter(Self* self, std::optional<caf::timespan> delay)
    : self_(self), delay_(delay) {}

  bool await_ready() const noexcept { return false; }

  void await_suspend(std::coroutine_handle<> h) {
    auto mid = resume_on_response(self_, h);
    auto me = caf::actor_cast<caf::strong_actor_ptr>(self_);
    auto wake = caf::make_mailbox_element(nullptr, mid.response_id(), {},
                                          caf::make_message());
    if (!delay_) {
      me->enqueue(std::move(wake), nullptr);
      return;
    }
    auto& clock = self_->clock();
    clock.schedule_message(clock.now() + *delay_, std::move(me),
                           std::move(wake));
  }

  void await_resume() const noexcept {}

private:
  Self* self_;
  std::optional<caf::timespan> delay_;
};

} // namespace detail

/// `co_await gale::sleep(self, 100ms)` in a `gale::actor_task`: resumes
/// inside the actor after `duration`; meanwhile the actor handles its other
/// messages. The actor system's clock holds the actor until then, as for
/// a delayed message to itself.
template <class Self, class Rep, class Period>
auto sleep(Self* self, std::chrono::duration<Rep, Period> duration) {
  return detail::actor_wake_awaiter<Self>{
    self, std::chrono::duration_cast<caf::timespan>(duration)};
}

/// `co_await gale::moment(self)`: resumes after the messages already in the
/// actor's mailbox, so a long computation gives way between its steps.
template <class Self>
auto moment(Self* self) {
  return detail::actor_wake_awaiter<Self>{self, std::nullopt};
}

} // namespace gale
