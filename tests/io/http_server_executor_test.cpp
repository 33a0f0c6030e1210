// A whole HTTP handler run on a pool with io::in_executor: the loop goes on
// serving while it works, and its answer is sent from the pool.

#include "gale/io/executor.hpp"
#include "gale/io/http_server.hpp"

#include "http_client_fixture.hpp"
#include "http_server_fixture.hpp"
#include "http_server_wire.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

using namespace std::chrono_literals;
namespace io = gale::io;

TEST_CASE("in_executor as an HTTP server's handler: answered from the pool",
          "[io][http_server][executor]") {
  io::thread_pool pool{2};
  // (Atomic: the pool learns of the request through a socket, which
  // TSan does not see as an ordering.)
  std::atomic<std::thread::id> loop_thread;
  auto off_loop = io::in_executor(pool, [&](const io::exchange_ptr& x) {
    std::this_thread::sleep_for(50ms); // blocking, but not on the loop
    bool elsewhere = std::this_thread::get_id() != loop_thread;
    x->respond(gale::test::text(200, elsewhere ? "pool" : "loop"));
  });
  gale::test::server_fixture srv{off_loop};
  std::promise<std::thread::id> id;
  srv.loop.post([&] { id.set_value(std::this_thread::get_id()); });
  loop_thread = id.get_future().get(); // before the first request
  gale::test::client_fixture c;
  for (int i = 0; i < 2; ++i) {
    auto [ec, res] = c.fetch(srv.url("/work"));
    REQUIRE_FALSE(ec);
    CHECK(res.status == 200);
    CHECK(res.body == "pool");
  }
  pool.join();
}
