#pragma once

#include "gale/io_actor.hpp"
#include "gale/type_ids.hpp"

#include "../support/eventually.hpp"
#include "../support/ports.hpp"

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <system_error>
#include <thread>

namespace gale::test {

struct config : caf::actor_system_config {
  config() { configure(*this); }
};

/// An actor system with one I/O actor, torn down as users should: the I/O
/// actor gets an exit before the system is destroyed.
struct fixture {
  config cfg;
  caf::actor_system sys{cfg};
  io_actor io = spawn_io_actor(sys);

  ~fixture() { caf::anon_send_exit(io, caf::exit_reason::user_shutdown); }
};

/// The error code that `f` throws as a `std::system_error`, or none.
inline std::error_code code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::system_error& e) {
    return e.code();
  }
  return {};
}

} // namespace gale::test
