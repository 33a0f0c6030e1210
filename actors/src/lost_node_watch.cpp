#include "gale/detail/lost_node_watch.hpp"

#include <caf/abstract_actor.hpp>
#include <caf/actor_control_block.hpp>
#include <caf/attachable.hpp>
#include <caf/local_actor.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/make_message.hpp>
#include <caf/sec.hpp>
#include <caf/weak_intrusive_ptr.hpp>

namespace gale::detail {

namespace {

/// Runs when the receiver's proxy goes (its node was lost, or the remote
/// actor exited): answers the request in the asker's mailbox. A real reply
/// that came first has already stopped the watch; if both race, the later
/// answer finds no handler and CAF drops it.
class answer_when_lost final : public caf::attachable {
public:
  static constexpr size_t token_type = 0x67616c65; // "gale"

  answer_when_lost(caf::weak_actor_ptr asker, caf::message_id response)
    : asker_(std::move(asker)), response_(response) {}

  void actor_exited(const caf::error&, caf::execution_unit* host) override {
    if (auto asker = asker_.lock())
      asker->enqueue(caf::make_mailbox_element(
                       nullptr, response_, {},
                       caf::make_error(caf::sec::request_receiver_down)),
                     host);
  }

  bool matches(const token& what) override {
    return what.subtype == token_type && what.ptr == this;
  }

private:
  caf::weak_actor_ptr asker_;
  caf::message_id response_;
};

} // namespace

lost_node_watch::lost_node_watch(caf::local_actor* self,
                                 const caf::strong_actor_ptr& dest,
                                 caf::message_id response) {
  if (!dest || dest->node() == self->node())
    return;
  auto watch = new answer_when_lost{
    caf::actor_cast<caf::weak_actor_ptr>(self->ctrl()), response};
  watch_ = watch;
  dest_ = dest;
  dest_->get()->attach(caf::attachable_ptr{watch});
}

void lost_node_watch::stop() {
  if (!dest_)
    return;
  dest_->get()->detach(
    caf::attachable::token{answer_when_lost::token_type, watch_});
  dest_ = nullptr;
  watch_ = nullptr;
}

} // namespace gale::detail
