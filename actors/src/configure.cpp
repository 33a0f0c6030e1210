#include "gale/error.hpp"
#include "gale/type_ids.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>

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
  auto render = [](uint8_t code, caf::atom_value category,
                   const caf::message& context) {
    return describe(caf::error{code, category, context});
  };
  for (auto category : error_categories())
    cfg.add_error_category(category, render);
  // A pipeline item's failure carries its reason as text.
  cfg.add_error_category(caf::atom("pipeline"),
                         [](uint8_t, caf::atom_value, const caf::message& m) {
                           return m.match_elements<std::string>()
                                    ? m.get_as<std::string>(0)
                                    : caf::to_string(m);
                         });
}

} // namespace gale
