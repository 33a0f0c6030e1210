#include "gale/io/stream.hpp"

#include "stream_fixture.hpp"

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <thread>

using namespace std::chrono_literals;
using gale::io::stream_condition;
using gale::io::stream_errc;
using gale::test::accepted_stream;
using gale::test::wait;

namespace {

using read_result = std::pair<std::error_code, std::string>;

/// A read_until through a plain callback.
std::future<read_result> read_line_callback(gale::io::stream& s) {
  auto p = std::make_shared<std::promise<read_result>>();
  s.async_read_until("\n", 0, [p](std::error_code ec, std::string line) {
    p->set_value({ec, std::move(line)});
  });
  return p->get_future();
}

} // namespace

TEST_CASE("read_until across packets, in three styles", "[io][stream]") {
  accepted_stream t;
  SECTION("callback") {
    auto line = read_line_callback(t.stream);
    t.peer->send("hel");
    std::this_thread::sleep_for(20ms);
    t.peer->send("lo\nrest");
    auto [ec, text] = wait(std::move(line));
    CHECK_FALSE(ec);
    CHECK(text == "hello\n");
  }
  SECTION("future") {
    t.peer->send("a\r");
    auto line = t.stream.async_read_until("\r\n", 0, asio::use_future);
    std::this_thread::sleep_for(20ms);
    t.peer->send("\nb\r\n");
    CHECK(wait(std::move(line)) == "a\r\n");
    CHECK(wait(t.stream.async_read_until("\r\n", 0, asio::use_future))
          == "b\r\n");
  }
  SECTION("coroutine") {
    t.peer->send("one\ntwo\n");
    auto both = gale::test::run_coroutine(
      t.loop.executor(), [&]() -> asio::awaitable<std::string> {
        auto a =
          co_await t.stream.async_read_until("\n", 0, asio::use_awaitable);
        auto b =
          co_await t.stream.async_read_until("\n", 0, asio::use_awaitable);
        co_return a + b;
      });
    CHECK(both == "one\ntwo\n");
  }
}

TEST_CASE("read_until past max_bytes is unsatisfiable and keeps the bytes",
          "[io][stream]") {
  accepted_stream t;
  t.peer->send("0123456789abcdef");
  auto [ec, text] = [&] {
    auto p = std::make_shared<std::promise<read_result>>();
    t.stream.async_read_until("\n", 8, [p](std::error_code ec, std::string s) {
      p->set_value({ec, s});
    });
    return wait(p->get_future());
  }();
  CHECK(ec == stream_errc::unsatisfiable_read);
  CHECK(text.empty());
  CHECK_FALSE(t.stream.closed());
  // Nothing was lost: the same bytes come out of the next read.
  CHECK(wait(t.stream.async_read_bytes(16, false, asio::use_future))
        == "0123456789abcdef");

  SECTION("a delimiter found beyond the limit is unsatisfiable too") {
    t.peer->send("0123456789\n");
    auto late = t.stream.async_read_until("\n", 4, asio::use_future);
    CHECK(gale::test::error_of(std::move(late))); // fails
  }
}

TEST_CASE("read_until_regex matches across packets", "[io][stream]") {
  accepted_stream t;
  auto match = t.stream.async_read_until_regex("[0-9]+;", 0, asio::use_future);
  t.peer->send("id=12");
  std::this_thread::sleep_for(20ms);
  t.peer->send("34;tail");
  CHECK(wait(std::move(match)) == "id=1234;");

  auto bad = t.stream.async_read_until_regex("(", 0, asio::use_future);
  CHECK(gale::test::error_of(std::move(bad)) == std::errc::invalid_argument);
  CHECK(wait(t.stream.async_read_bytes(4, false, asio::use_future)) == "tail");
}

TEST_CASE("read_bytes: exact, partial, and beyond the buffer's limit",
          "[io][stream]") {
  gale::io::stream_options small;
  small.max_buffer_size = 1024;
  small.read_chunk_size = 256;
  accepted_stream t{small};
  auto exact = t.stream.async_read_bytes(6, false, asio::use_future);
  t.peer->send("abc");
  std::this_thread::sleep_for(20ms);
  CHECK(exact.wait_for(0s) == std::future_status::timeout);
  t.peer->send("defgh");
  CHECK(wait(std::move(exact)) == "abcdef");
  CHECK(wait(t.stream.async_read_bytes(100, true, asio::use_future)) == "gh");

  // A read that would need more than max_buffer_size fails at once, and the
  // stream goes on.
  auto huge =
    t.stream.async_read_bytes(std::size_t{1} << 32, false, asio::use_future);
  CHECK(gale::test::error_of(std::move(huge)) == stream_errc::buffer_full);
  // A partial read of up to 4 GiB allocates what arrives plus one chunk.
  auto some =
    t.stream.async_read_bytes(std::size_t{1} << 32, true, asio::use_future);
  t.peer->send("xyz");
  CHECK(wait(std::move(some)) == "xyz");
  CHECK(t.stream.read_buffer_capacity() <= 256);
}

TEST_CASE("read_until with nothing matching fills up to max_buffer_size",
          "[io][stream]") {
  gale::io::stream_options small;
  small.max_buffer_size = 1000;
  small.read_chunk_size = 300;
  accepted_stream t{small};
  auto line = t.stream.async_read_until("\n", 0, asio::use_future);
  t.peer->send(std::string(1500, 'x'));
  CHECK(gale::test::error_of(std::move(line)) == stream_errc::buffer_full);
  CHECK(t.stream.read_buffer_size() == 1000);
  CHECK(t.stream.read_buffer_capacity() <= 2000);
  CHECK_FALSE(t.stream.closed());
}

TEST_CASE("read_into fills the caller's buffer", "[io][stream]") {
  accepted_stream t;
  std::array<char, 8> buffer{};
  auto n =
    t.stream.async_read_into(asio::buffer(buffer), false, asio::use_future);
  t.peer->send("1234");
  std::this_thread::sleep_for(20ms);
  t.peer->send("56789");
  CHECK(wait(std::move(n)) == 8);
  CHECK(std::string(buffer.data(), 8) == "12345678");
  std::array<char, 8> rest{};
  CHECK(
    wait(t.stream.async_read_into(asio::buffer(rest), true, asio::use_future))
    == 1);
  CHECK(rest[0] == '9');
}

TEST_CASE("read_until_close gives everything; a close mid-read is an error "
          "that tells its cause",
          "[io][stream]") {
  SECTION("until close") {
    accepted_stream t;
    auto all = t.stream.async_read_until_close(asio::use_future);
    t.peer->send("first ");
    t.peer->send("second");
    t.peer->shutdown_send();
    CHECK(wait(std::move(all)) == "first second");
    CHECK(t.stream.closed());
    CHECK(t.stream.error() == asio::error::eof);
  }
  SECTION("the peer closes inside a line") {
    accepted_stream t;
    bool closed_callback = false;
    std::promise<void> closed;
    t.stream.set_close_callback([&] {
      closed_callback = true;
      closed.set_value();
    });
    auto line = read_line_callback(t.stream);
    t.peer->send("no newline");
    t.peer.reset();
    auto [ec, text] = wait(std::move(line));
    CHECK(ec == stream_condition::closed);
    CHECK(ec == asio::error::eof); // the real cause
    CHECK(text.empty());
    wait(closed.get_future());
    CHECK(closed_callback);
    // The bytes that came before the close stay readable.
    CHECK(wait(t.stream.async_read_bytes(100, true, asio::use_future))
          == "no newline");
    auto after = read_line_callback(t.stream);
    CHECK(wait(std::move(after)).first == asio::error::eof);
  }
}

TEST_CASE("one read at a time", "[io][stream]") {
  accepted_stream t;
  auto first = read_line_callback(t.stream);
  auto second = read_line_callback(t.stream);
  CHECK(wait(std::move(second)).first == stream_errc::already_reading);
  t.peer->send("x\n");
  CHECK(wait(std::move(first)).second == "x\n");
}

TEST_CASE("close with a reason fails what is pending with it", "[io][stream]") {
  accepted_stream t;
  auto line = read_line_callback(t.stream);
  std::promise<void> closed;
  t.stream.set_close_callback([&] { closed.set_value(); });
  t.stream.close(std::make_error_code(std::errc::protocol_error));
  CHECK(wait(std::move(line)).first == std::errc::protocol_error);
  wait(closed.get_future());
  auto write = t.stream.async_write("late", asio::use_future);
  CHECK(gale::test::error_of(std::move(write))); // fails
  CHECK(t.peer->closed_by_peer());

  gale::io::stream local;
  local = t.stream;
  local.close(); // idempotent, the first reason stays
  CHECK(local.error() == std::errc::protocol_error);
}

TEST_CASE("a local close without reason is stream_errc::closed",
          "[io][stream]") {
  accepted_stream t;
  auto line = read_line_callback(t.stream);
  t.stream.close();
  auto ec = wait(std::move(line)).first;
  CHECK(ec == stream_errc::closed);
  CHECK(ec == stream_condition::closed);
}

TEST_CASE("writes complete once flushed; a slow reader holds them back",
          "[io][stream]") {
  accepted_stream t;
  auto unsent = [&] { // the stream's sizes are for its loop thread
    return wait(asio::post(t.stream.get_executor(), asio::use_future([&] {
                             return t.stream.write_buffer_size();
                           })));
  };
  std::string big(16 * 1024 * 1024, 'w');
  auto sent = t.stream.async_write(big, asio::use_future);
  // Nobody reads: the kernel's buffers fill and the write stays pending.
  CHECK(sent.wait_for(300ms) == std::future_status::timeout);
  CHECK(unsent() > 0);
  auto got = t.peer->read_exactly(big.size());
  CHECK(got.size() == big.size());
  REQUIRE(sent.wait_for(10s) == std::future_status::ready);
  sent.get();
  CHECK(unsent() == 0);

  // Ordered writes, one flush each; an empty write is done at once.
  auto a = t.stream.async_write("A", asio::use_future);
  auto b = t.stream.async_write("", asio::use_future);
  auto c = t.stream.async_write("C", asio::use_future);
  wait(std::move(a));
  wait(std::move(b));
  wait(std::move(c));
  CHECK(t.peer->read_exactly(2) == "AC");
}

TEST_CASE("a write beyond max_write_buffer_size fails and queues nothing",
          "[io][stream]") {
  gale::io::stream_options o;
  o.max_write_buffer_size = 1024;
  accepted_stream t{o};
  auto full = t.stream.async_write(std::string(2000, 'x'), asio::use_future);
  CHECK(gale::test::error_of(std::move(full)) == stream_errc::buffer_full);
  wait(t.stream.async_write("fits", asio::use_future));
  CHECK(t.peer->read_exactly(4) == "fits");
  CHECK_FALSE(t.stream.closed());
}

TEST_CASE("a cancelled read loses no bytes", "[io][stream]") {
  accepted_stream t;
  asio::cancellation_signal signal;
  std::promise<read_result> done;
  t.stream.async_read_until(
    "\n", 0,
    asio::bind_cancellation_slot(signal.slot(),
                                 [&](std::error_code ec, std::string s) {
                                   done.set_value({ec, s});
                                 }));
  t.peer->send("par");
  std::this_thread::sleep_for(30ms);
  // The signal is emitted on the loop, where the handler runs.
  asio::post(t.loop.executor(),
             [&] { signal.emit(asio::cancellation_type::all); });
  auto [ec, text] = wait(done.get_future());
  CHECK(ec == asio::error::operation_aborted);
  t.peer->send("tial\n");
  CHECK(wait(t.stream.async_read_until("\n", 0, asio::use_future))
        == "partial\n");
}

TEST_CASE("a timeout around a read through awaitable operators",
          "[io][stream]") {
  using namespace asio::experimental::awaitable_operators;
  accepted_stream t;
  auto first = gale::test::run_coroutine(
    t.loop.executor(), [&]() -> asio::awaitable<bool> {
      asio::steady_timer timer{co_await asio::this_coro::executor, 50ms};
      auto r = co_await (t.stream.async_read_until("\n", 0, asio::use_awaitable)
                         || timer.async_wait(asio::use_awaitable));
      co_return r.index() == 1; // the timer won
    });
  CHECK(first);
  t.peer->send("on time\n");
  CHECK(wait(t.stream.async_read_until("\n", 0, asio::use_future))
        == "on time\n");
}

TEST_CASE("set_nodelay and peer on a TCP stream", "[io][stream]") {
  accepted_stream t;
  CHECK_FALSE(t.stream.set_nodelay(true));
  CHECK(t.stream.peer().rfind("127.0.0.1:", 0) == 0);
  CHECK_FALSE(t.stream.secure());
}

TEST_CASE("a stream without connection fails every operation", "[io][stream]") {
  gale::io::stream none;
  auto r = none.async_read_bytes(1, false, asio::use_future);
  CHECK(gale::test::error_of(std::move(r)) == stream_errc::no_connection);
  CHECK(none.closed());
}

TEST_CASE("a stream waiting for the rest of a line holds that line, not a "
          "chunk",
          "[io][stream]") {
  accepted_stream t;
  auto line = t.stream.async_read_until("\n", 0, asio::use_future);
  t.peer->send("partial");
  auto capacity = [&] {
    std::promise<std::pair<std::size_t, std::size_t>> p;
    asio::post(t.loop.executor(), [&] {
      p.set_value(
        {t.stream.read_buffer_size(), t.stream.read_buffer_capacity()});
    });
    return wait(p.get_future());
  };
  CHECK(gale::test::eventually([&] { return capacity().first == 7; }));
  CHECK(capacity().second < 64); // the default chunk is 64 KiB
  t.peer->send(" line\n");
  CHECK(wait(std::move(line)) == "partial line\n");
  CHECK(capacity() == std::pair<std::size_t, std::size_t>{0, 0});

  SECTION("and a burst larger than the small read is drained at once") {
    std::string burst(100000, 'b');
    auto all = t.stream.async_read_bytes(burst.size(), false, asio::use_future);
    t.peer->send(burst);
    CHECK(wait(std::move(all)) == burst);
  }
}
