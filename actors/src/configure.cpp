#include "gale/error.hpp"
#include "gale/type_ids.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>

namespace gale {

void configure(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::gale>();
  auto render = [](uint8_t code, caf::atom_value category,
                   const caf::message& context) {
    return describe(caf::error{code, category, context});
  };
  for (auto category :
       {caf::atom("gale"), caf::atom("gale_sys"), caf::atom("gale_netdb"),
        caf::atom("gale_gai"), caf::atom("gale_misc")})
    cfg.add_error_category(category, render);
}

} // namespace gale
