// White-box: the stream core's view reads for gale's own protocol code,
// the readiness wait that holds no buffer, and parking an idle read.

#include "../../io/src/stream_core.hpp"

#include "stream_fixture.hpp"

#include <asio/post.hpp>

#include <string>

using namespace std::chrono_literals;
using gale::test::accepted_stream;
using gale::test::eventually;
using gale::test::wait;

namespace {

/// Runs `f` with the core on the stream's loop and returns its value.
template <class F>
auto on_loop(accepted_stream& t, F f) {
  return wait(asio::post(t.stream.get_executor(), asio::use_future([&] {
                           return f(*t.stream.core());
                         })));
}

/// Starts a view read on the loop; its bytes (or error) go into `got`.
struct view_reader {
  std::promise<std::string> got;
  void start(accepted_stream& t, bool readiness_first) {
    on_loop(t, [&](gale::io::detail::stream_core& core) {
      core.read_view(
        [this](std::error_code ec, std::string_view bytes) {
          got.set_value(ec ? "error: " + ec.message() : std::string{bytes});
        },
        readiness_first);
      return 0;
    });
  }
};

/// Parks the stream's read, on the loop.
void park(accepted_stream& t) {
  on_loop(t, [](gale::io::detail::stream_core& core) {
    core.park();
    return 0;
  });
}

} // namespace

TEST_CASE("a readiness-first view read holds no buffer while it waits",
          "[io][stream][view]") {
  accepted_stream t;
  view_reader r;
  r.start(t, true);
  CHECK(
    eventually([&] { return on_loop(t, [](auto& c) { return c.parked(); }); }));
  CHECK_FALSE(on_loop(t, [](auto& c) { return c.holds_small_buffer(); }));
  t.peer->send("GET / HTTP/1.1\r\n\r\n");
  CHECK(wait(r.got.get_future()) == "GET / HTTP/1.1\r\n\r\n");
  CHECK(on_loop(t, [](auto& c) { return c.buffer().capacity(); }) == 0);
}

TEST_CASE("a parked view read gives its buffer back and loses no byte",
          "[io][stream][view]") {
  accepted_stream t;
  view_reader r;
  r.start(t, false);
  CHECK(eventually([&] {
    return on_loop(t, [](auto& c) { return c.holds_small_buffer(); });
  }));
  SECTION("bytes after parking") {
    park(t);
    CHECK(eventually([&] {
      return on_loop(
        t, [](auto& c) { return c.parked() && !c.holds_small_buffer(); });
    }));
    t.peer->send("after the park");
    CHECK(wait(r.got.get_future()) == "after the park");
    // The next read waits with its small buffer again.
    view_reader next;
    next.start(t, false);
    t.peer->send("again");
    CHECK(wait(next.got.get_future()) == "again");
  }
  SECTION("a write under way: no park") {
    // 16 MiB that nobody reads keep the write under way.
    auto sent =
      t.stream.async_write(std::string(16 << 20, 'w'), asio::use_future);
    park(t);
    CHECK_FALSE(on_loop(t, [](auto& c) { return c.parked(); }));
    t.peer->send("still read");
    CHECK(wait(r.got.get_future()) == "still read");
    t.stream.close();
  }
  SECTION("the peer closes while parked: the read fails with the end") {
    park(t);
    CHECK(eventually(
      [&] { return on_loop(t, [](auto& c) { return c.parked(); }); }));
    t.peer.reset();
    CHECK(wait(r.got.get_future()).starts_with("error: "));
  }
  SECTION("a readiness wait that still has its small buffer is left alone") {
    t.peer->send("first");
    CHECK(wait(r.got.get_future()) == "first");
    view_reader waiting;
    waiting.start(t, true); // waits for readiness; the small buffer stays
    CHECK(eventually(
      [&] { return on_loop(t, [](auto& c) { return c.parked(); }); }));
    park(t); // must not cancel that wait (it would end the stream)
    t.peer->send("second");
    CHECK(wait(waiting.got.get_future()) == "second");
  }
}
