#pragma once

#include "gale/error.hpp"
#include "gale/http_messages.hpp"

#include <caf/fwd.hpp>

#include <memory>
#include <string>

namespace gale::http {

/// Tornado's synchronous HTTPClient: `fetch` waits for the response and
/// throws on failure. For scripts and tests, not for actors or loops.
///
/// Errors: `http::status_error` for a non-2xx status (with the response),
/// `gale::error` for everything else, with the same codes as every other
/// style. Called on an I/O loop's thread, `fetch` throws
/// `errc::would_block_loop` instead of deadlocking the loop it waits on.
class blocking_client {
public:
  /// A client with an actor system and an I/O actor of its own.
  explicit blocking_client(io::http_client_options options = {});

  /// A client that uses `actor` of an existing actor system.
  blocking_client(caf::actor_system& sys, http_client_actor actor);

  ~blocking_client();

  blocking_client(const blocking_client&) = delete;
  blocking_client& operator=(const blocking_client&) = delete;

  http::response fetch(std::string url) const;
  http::response fetch(io::http_request req) const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace gale::http
