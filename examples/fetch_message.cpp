// The message style: an actor asks the HTTP client actor for a URL and the
// response arrives as a message to it; no thread waits, no callback runs
// on a foreign thread. The same code works when the HTTP client actor
// lives in another process.
//
// Usage: fetch_message URL
#include <gale/http_messages.hpp>
#include <gale/io_actor.hpp>
#include <gale/requester.hpp>
#include <gale/blocking.hpp>
#include <gale/type_ids.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <chrono>
#include <iostream>
#include <string>

using namespace std::chrono_literals;

// [fetch-message]
/// Answers a URL with the body found there.
caf::behavior body_fetcher(caf::event_based_actor* self,
                           gale::http_client_actor http_client) {
  return {
    [=](const std::string& url) -> caf::result<std::string> {
      auto rp = self->make_response_promise<std::string>();
      gale::io::http_request req;
      req.url = url;
      self->request(http_client, 30s, gale::fetch_atom_v, gale::op_id{0}, req)
        .then(
          [rp](gale::http::response& response) mutable {
            rp.deliver(std::move(response.body));
          },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
  };
}
// [end]

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fetch_message URL\n";
    return 2;
  }
  caf::actor_system_config cfg;
  gale::configure(cfg);
  caf::actor_system sys{cfg};
  auto http_client = gale::spawn_http_client(sys);
  auto fetcher = sys.spawn(body_fetcher, http_client);
  int status = 0;
  try {
    gale::requester req{sys}; // main is no actor: it asks through this
    std::cout << req.async_request<std::string>(
      fetcher, 60s, caf::make_message(std::string{argv[1]}),
      gale::use_blocking);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    status = 1;
  }
  caf::anon_send_exit(fetcher, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(http_client, caf::exit_reason::user_shutdown);
  return status;
}
