#include "gale/detail/reply_slot.hpp"

#include "gale/error.hpp"

#include <caf/abstract_actor.hpp>
#include <caf/make_message.hpp>
#include <caf/mailbox_element.hpp>

namespace gale::detail {

reply_slot::reply_slot(caf::strong_actor_ptr to, caf::message_id mid)
  : to_(std::move(to)), mid_(mid) {}

reply_slot::reply_slot(reply_slot&& other) noexcept
  : to_(std::move(other.to_)), mid_(other.mid_) {}

reply_slot& reply_slot::operator=(reply_slot&& other) noexcept {
  if (this != &other) {
    if (pending())
      deliver(make_error(errc::actor_down));
    to_ = std::move(other.to_);
    mid_ = other.mid_;
  }
  return *this;
}

reply_slot::~reply_slot() {
  if (pending())
    deliver(make_error(errc::actor_down));
}

void reply_slot::deliver(caf::message msg) {
  auto to = std::move(to_);
  if (!to)
    return;
  auto id = mid_.is_request() ? mid_.response_id() : caf::make_message_id();
  // No sender: a strong reference to the I/O actor inside the loop would
  // keep the actor that owns the loop alive.
  to->enqueue(caf::make_mailbox_element(nullptr, id, {}, std::move(msg)),
              nullptr);
}

void reply_slot::deliver(caf::error err) {
  deliver(caf::make_message(std::move(err)));
}

} // namespace gale::detail
