#pragma once

// Small user actors that the adapters are tested against: gale's adapters
// must serve any CAF actor, not only its own.

#include "gale/atoms.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>

#include <string>

namespace gale::test {

using add_atom = caf::atom_constant<caf::atom("add")>;
using hang_atom = caf::atom_constant<caf::atom("hang")>;
using name_atom = caf::atom_constant<caf::atom("name")>;
using fail_atom = caf::atom_constant<caf::atom("fail")>;
using quit_atom = caf::atom_constant<caf::atom("quit")>;

/// add → sum; name → a string; fail → an error; hang → never answers (the
/// request is dropped); quit → the actor terminates.
inline caf::behavior calculator(caf::event_based_actor* self) {
  return {
    [](add_atom, int x, int y) { return x + y; },
    [](name_atom) { return std::string{"calculator"}; },
    [](fail_atom) -> caf::result<int> { return caf::sec::invalid_argument; },
    [self](hang_atom) -> caf::result<int> {
      self->make_response_promise(); // dropped: CAF 0.17 sends nothing
      return caf::delegated<int>{};
    },
    [self](quit_atom) { self->quit(); },
  };
}

} // namespace gale::test
