#pragma once

// An I/O actor, an io_client for it, and a connected pair of its
// connections: what the io_client tests share.

#include "fixture.hpp"
#include "gale/blocking.hpp"
#include "gale/future.hpp"
#include "gale/io_client.hpp"

#include <chrono>
#include <string>
#include <utility>

namespace gale::test {

struct client_fixture : fixture {
  io_client client{sys, io};

  /// A connected pair of connections on this I/O actor.
  std::pair<connection_id, connection_id> connected_pair() {
    using namespace std::chrono_literals;
    auto l = client.listen("127.0.0.1", 0, use_blocking);
    auto server = client.accept(l.id, use_future);
    auto c = client.connect("127.0.0.1", std::to_string(l.port), use_blocking);
    return {c, server.get(5s)};
  }
};

} // namespace gale::test
