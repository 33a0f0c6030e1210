// Waits for SIGINT, SIGTERM or SIGHUP through the I/O actor's signal
// registry, with a callback and an actor subscription, then exits 0.
// docs/io-actor.md quotes the regions.
//
// Usage: signals [--self-test]   (--self-test raises SIGHUP itself)
#include <gale/blocking.hpp>
#include <gale/io_client.hpp>
#include <gale/type_ids.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <csignal>
#include <cstring>
#include <future>
#include <iostream>
#include <string>

// [subscriber]
// An actor that hears about signals as messages.
caf::behavior signal_logger(caf::event_based_actor*) {
  return {
    [](gale::signal_atom, int number) {
      // one string, one write: lines from two threads do not interleave
      std::cout << ("actor: got signal " + std::to_string(number) + "\n")
                << std::flush;
    },
  };
}
// [end]

int main(int argc, char** argv) {
  bool self_test = argc > 1 && std::strcmp(argv[1], "--self-test") == 0;
  caf::actor_system_config cfg;
  gale::configure(cfg);
  caf::actor_system sys{cfg};
  auto io = gale::spawn_io_actor(sys);
  auto logger = sys.spawn(signal_logger);
  {
    gale::io_client client{sys, io};
    // [register]
    std::promise<int> stop;
    auto on_stop = [&stop](int number) {
      // runs on the loop thread: keep it short
      stop.set_value(number);
    };
    std::vector<gale::signal_subscription> ids;
    for (int number : {SIGINT, SIGTERM, SIGHUP}) {
      ids.push_back(client.on_signal(number, on_stop, gale::use_blocking));
      ids.push_back(
        client.subscribe_signal(number, logger, gale::use_blocking));
    }
    // [end]
    std::cout << "waiting for SIGINT, SIGTERM or SIGHUP" << std::endl;
    if (self_test)
      std::raise(SIGHUP);
    int number = stop.get_future().get();
    std::cout << ("callback: got signal " + std::to_string(number)
                  + ", stopping\n")
              << std::flush;
    // [remove]
    for (auto id : ids)
      client.remove_signal(id, gale::use_blocking);
    // [end]
  }
  caf::anon_send_exit(logger, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(io, caf::exit_reason::user_shutdown);
  return 0;
}
