#pragma once

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include <chrono>
#include <cstdint>
#include <set>
#include <string>

namespace gale {

namespace detail {

caf::expected<caf::strong_actor_ptr>
reach_remote(caf::actor_system& sys, const std::string& host,
             std::uint16_t port, std::chrono::milliseconds within,
             const std::set<std::string>& interface);

} // namespace detail

/// The actor published at `host`:`port`, as `Handle`, or an error within
/// `within`. CAF 0.17's `middleman().remote_actor` waits without limit for
/// the peer's handshake, so a port where something else listens (an HTTP
/// server, say) blocks its caller forever; this one gives up with
/// `errc::timed_out` ("no actor system answered at H:P within T ms").
/// Other failures are CAF's own (refused: `cannot_connect_to_node`; no
/// actor published there; an interface that does not fit `Handle`).
/// Needs the middleman loaded (`cfg.load<caf::io::middleman>()`).
template <class Handle = caf::actor>
caf::expected<Handle> remote_actor(caf::actor_system& sys,
                                   const std::string& host, std::uint16_t port,
                                   std::chrono::milliseconds within) {
  auto ptr =
    detail::reach_remote(sys, host, port, within, sys.message_types<Handle>());
  if (!ptr)
    return ptr.error();
  return caf::actor_cast<Handle>(std::move(*ptr));
}

} // namespace gale
