// The guide's fetch returning a future of its own, completed from the
// client's future by a done-callback.
//
// Usage: async_fetch_future URL
#include <gale/future.hpp>
#include <gale/http/client.hpp>
#include <gale/io_actor.hpp>
#include <gale/type_ids.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include <chrono>
#include <iostream>
#include <string>

// [async-fetch-future]
gale::future<std::string> async_fetch_future(const gale::http::client& client,
                                             const std::string& url) {
  gale::promise<std::string> my_future;
  auto fetch_future = client.fetch(url, gale::use_future);
  fetch_future.add_done_callback(
    [my_future](gale::future<gale::http::response> f) {
      try {
        my_future.set_result(f.get().body);
      } catch (...) {
        my_future.set_exception(std::current_exception());
      }
    });
  return my_future.get_future();
}
// [end]

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: async_fetch_future URL\n";
    return 2;
  }
  caf::actor_system_config cfg;
  gale::configure(cfg);
  caf::actor_system sys{cfg};
  auto io = gale::spawn_io_actor(sys);
  int status = 0;
  try {
    gale::http::client client{sys, io};
    std::cout << async_fetch_future(client, argv[1]).get();
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    status = 1;
  }
  caf::anon_send_exit(io, caf::exit_reason::user_shutdown);
  return status;
}
