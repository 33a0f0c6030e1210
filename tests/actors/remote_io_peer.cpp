// The other process of the middleman tests: an I/O actor published on an
// ephemeral loopback port. Prints "port P", then serves until its stdin
// closes (the test ended or died) or it is killed.
#include "gale/io_actor.hpp"
#include "gale/type_ids.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>

#include <unistd.h>

#include <iostream>

int main() {
  caf::actor_system_config cfg;
  gale::configure(cfg);
  cfg.load<caf::io::middleman>();
  cfg.set("logger.console", caf::atom("none"));
  caf::actor_system sys{cfg};
  auto io = gale::spawn_io_actor(sys);
  auto port = sys.middleman().publish(io, 0, "127.0.0.1", true);
  if (!port) {
    std::cerr << "publish: " << sys.render(port.error()) << "\n";
    return 1;
  }
  std::cout << "port " << *port << std::endl;
  char byte;
  while (read(STDIN_FILENO, &byte, 1) > 0) {
  }
  caf::anon_send_exit(io, caf::exit_reason::user_shutdown);
  return 0;
}
