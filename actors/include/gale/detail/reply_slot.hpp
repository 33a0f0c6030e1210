#pragma once

#include <caf/actor_control_block.hpp>
#include <caf/error.hpp>
#include <caf/message.hpp>
#include <caf/message_id.hpp>

namespace gale::detail {

/// The one answer owed to one request, deliverable from any thread.
///
/// The loop thread answers requests through this rather than through a
/// `caf::response_promise`, whose `deliver` reads its actor's execution
/// context and must stay on that actor's thread in CAF 0.17. The reply is
/// enqueued with no execution unit, as `anon_send` does. A slot destroyed
/// unanswered answers `errc::actor_down`: no requester waits forever.
class reply_slot {
public:
  reply_slot() = default;

  /// Answers the message `mid` from `to`. A `mid` that is not a request
  /// sends the result as an ordinary message, as CAF does for `send`.
  reply_slot(caf::strong_actor_ptr to, caf::message_id mid);

  /// The current message of `self`, which must be in one of its handlers.
  template <class Self>
  static reply_slot for_current_message(Self* self) {
    return reply_slot{self->current_sender(), self->take_current_message_id()};
  }

  reply_slot(reply_slot&& other) noexcept;
  reply_slot& operator=(reply_slot&& other) noexcept;
  reply_slot(const reply_slot&) = delete;
  reply_slot& operator=(const reply_slot&) = delete;
  ~reply_slot();

  /// Sends `msg` as the reply. Post: `!pending()`.
  void deliver(caf::message msg);

  /// Sends `err` as the reply. Post: `!pending()`.
  void deliver(caf::error err);

  /// True until a reply was delivered (or when there is no one to answer).
  bool pending() const noexcept { return static_cast<bool>(to_); }

private:
  caf::strong_actor_ptr to_;
  caf::message_id mid_;
};

} // namespace gale::detail
