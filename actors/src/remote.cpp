#include "gale/remote.hpp"

#include "gale/error.hpp"

#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/node_id.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>

namespace gale::detail {

caf::expected<caf::strong_actor_ptr>
reach_remote(caf::actor_system& sys, const std::string& host,
             std::uint16_t port, std::chrono::milliseconds within,
             const std::set<std::string>& interface) {
  // The middleman's own connect request, with a deadline. On timeout the
  // middleman keeps its half-open attempt; it goes with the actor system.
  caf::scoped_actor self{sys, true};
  caf::expected<caf::strong_actor_ptr> result{caf::sec::none};
  self
    ->request(sys.middleman().actor_handle(), within, caf::connect_atom::value,
              host, port)
    .receive(
      [&](caf::node_id&, caf::strong_actor_ptr& ptr,
          std::set<std::string>& found) {
        if (!ptr)
          result = caf::make_error(caf::sec::no_actor_published_at_port, port);
        else if (!sys.assignable(found, interface))
          result = caf::make_error(
            caf::sec::unexpected_actor_messaging_interface, interface, found);
        else
          result = std::move(ptr);
      },
      [&](caf::error& err) {
        // Ours, or the middleman's own verdict when its connection
        // timeout is shorter (no message on the connection in time).
        if (err == caf::sec::request_timeout
            || err == caf::sec::connection_timeout)
          result = make_error(errc::timed_out,
                              "no actor system answered at " + host + ":"
                                + std::to_string(port) + " within "
                                + std::to_string(within.count()) + " ms");
        else
          result = std::move(err);
      });
  return result;
}

} // namespace gale::detail
