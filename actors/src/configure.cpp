#include "gale/error.hpp"
#include "gale/pipeline.hpp"
#include "gale/type_ids.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/deep_to_string.hpp>
#include <caf/deserializer.hpp>
#include <caf/serializer.hpp>
#include <caf/timespan.hpp>
#include <caf/detail/type_erased_value_impl.hpp>

// Debian's libcaf_io 0.17.6 exports its own copy of the type-erased
// `caf::timespan`, whose save and load do nothing. A program that links
// libcaf_io before libcaf_core (CMake's order for CAF::io) resolves every
// use to that copy, so each timespan in a message that crosses the
// middleman arrives as 0 and every element after it arrives empty: a
// remote `sleep` returns at once, a remote `connect` sees no host name.
// A correct copy in the program itself comes first in the dynamic
// linker's search and serves libcaf_core and libcaf_io alike; this file is
// in every program that calls gale::configure. Tested by
// tests/actors/remote_test.cpp.
template class caf::detail::type_erased_value_impl<caf::timespan>;

namespace gale {

void configure(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::gale>();
  // Loop threads and other non-CAF threads hand work to CAF workers all the
  // time. By default an idle worker spends up to 25 ms in a "moderate"
  // phase that sleeps 50 us between polls and does not notice such work
  // until it wakes; without that phase it goes from a short busy poll
  // straight to a condition variable that every external enqueue signals.
  // Measured: 2-4x the round trips per second from non-CAF threads (see
  // docs/benchmarks.md). Set it again after this call to override.
  cfg.set("work-stealing.moderate-poll-attempts", size_t{0});
  // Where the middleman is loaded: a peer process that stops answering
  // (frozen, or cut off without its connection closing) is declared lost
  // after 10 s without a message, so that requests to its actors fail with
  // actor_down instead of waiting for ever; heartbeats every second keep
  // idle but healthy peers alive. Override after this call if you must.
  cfg.set("middleman.heartbeat-interval",
          caf::timespan{std::chrono::seconds{1}});
  cfg.set("middleman.connection-timeout",
          caf::timespan{std::chrono::seconds{10}});
  auto render = [](uint8_t code, caf::atom_value category,
                   const caf::message& context) {
    return describe(caf::error{code, category, context});
  };
  for (auto category : error_categories())
    cfg.add_error_category(category, render);
  // A pipeline item's failure carries its reason as text.
  cfg.add_error_category(
    caf::atom("pipeline"), [](uint8_t, caf::atom_value, const caf::message& m) {
      return m.match_elements<std::string>() ? m.get_as<std::string>(0)
                                             : caf::to_string(m);
    });
}

} // namespace gale
