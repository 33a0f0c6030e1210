#pragma once

#include <caf/actor_control_block.hpp>
#include <caf/fwd.hpp>
#include <caf/message_id.hpp>

namespace gale::detail {

/// While an actor waits for the reply to a request it sent to an actor in
/// another process, watches that process: when the middleman loses it,
/// the request is answered with `sec::request_receiver_down` (actor_down),
/// as it is at once for a local receiver that dies. CAF 0.17 itself leaves
/// such a request unanswered until its timeout. Does nothing for local
/// receivers. `stop` once the reply (or any error) came.
class lost_node_watch {
public:
  lost_node_watch() = default;

  /// Starts watching for the request whose response id is `response`.
  lost_node_watch(caf::local_actor* self, const caf::strong_actor_ptr& dest,
                  caf::message_id response);

  /// Detaches the watch; safe to call more than once.
  void stop();

private:
  caf::strong_actor_ptr dest_;
  const void* watch_ = nullptr; // the attachable's token while attached
};

} // namespace gale::detail
