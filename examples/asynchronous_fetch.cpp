// The guide's asynchronous fetch with a callback: fetch returns at once;
// the callback runs on the I/O actor's loop thread when the response is in.
//
// Usage: asynchronous_fetch URL
#include <gale/http/client.hpp>
#include <gale/io_actor.hpp>
#include <gale/type_ids.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include <functional>
#include <future>
#include <iostream>
#include <string>

// [asynchronous-fetch]
void asynchronous_fetch(const gale::http::client& http_client,
                        const std::string& url,
                        std::function<void(std::string)> callback) {
  auto handle_response = [callback](std::error_code ec,
                                    gale::http::response response) {
    if (ec)
      std::cerr << "error: " << ec.message() << "\n";
    callback(std::move(response.body));
  };
  http_client.fetch(url, handle_response);
}
// [end]

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: asynchronous_fetch URL\n";
    return 2;
  }
  caf::actor_system_config cfg;
  gale::configure(cfg);
  caf::actor_system sys{cfg};
  auto io = gale::spawn_io_actor(sys);
  std::promise<std::string> body;
  {
    gale::http::client http_client{sys, io};
    asynchronous_fetch(http_client, argv[1],
                       [&](std::string b) { body.set_value(std::move(b)); });
    std::cout << body.get_future().get();
  }
  caf::anon_send_exit(io, caf::exit_reason::user_shutdown);
}
