// The guide's coroutine: it reads like the synchronous version, and no
// thread waits while the response is on its way.
//
// Usage: fetch_coroutine URL
#include <gale/http/client.hpp>
#include <gale/io/coro.hpp>
#include <gale/io_actor.hpp>
#include <gale/type_ids.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include <asio/use_awaitable.hpp>

#include <iostream>
#include <string>

// [fetch-coroutine]
asio::awaitable<std::string> fetch_coroutine(const gale::http::client& client,
                                             std::string url) {
  auto response = co_await client.fetch(url, asio::use_awaitable);
  co_return response.body;
}
// [end]

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fetch_coroutine URL\n";
    return 2;
  }
  caf::actor_system_config cfg;
  gale::configure(cfg);
  caf::actor_system sys{cfg};
  auto io = gale::spawn_io_actor(sys);
  int status = 0;
  try {
    gale::http::client client{sys, io};
    // [run-sync]
    // The coroutine on a loop of its own, in this thread, to its end.
    std::cout << gale::io::run_sync(
      [&] { return fetch_coroutine(client, argv[1]); });
    // [end]
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    status = 1;
  }
  caf::anon_send_exit(io, caf::exit_reason::user_shutdown);
  return status;
}
