// Uses the I/O actor through the blocking style and prints what it got.
#include <gale/blocking.hpp>
#include <gale/io_client.hpp>
#include <gale/type_ids.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include <chrono>
#include <iostream>

int main() {
  caf::actor_system_config cfg;
  gale::configure(cfg);
  caf::actor_system sys{cfg};
  auto io = gale::spawn_io_actor(sys);
  {
    gale::io_client client{sys, io};
    client.sleep(std::chrono::milliseconds{1}, gale::use_blocking);
    auto addresses = client.resolve("localhost", "80", gale::use_blocking);
    std::cout << "consumer ok: " << addresses.size() << " address(es)\n";
  }
  caf::anon_send_exit(io, caf::exit_reason::user_shutdown);
}
