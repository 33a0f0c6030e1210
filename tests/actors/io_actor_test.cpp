// The I/O actor in the message style: requests from actors, replies as
// messages, over real sockets on loopback.
#include "gale/io_actor.hpp"

#include "fixture.hpp"
#include "gale/error.hpp"
#include "gale/future.hpp"

#include <catch2/catch.hpp>

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/system_messages.hpp>

#include <asio/error.hpp>

#include <csignal>

using namespace std::chrono_literals;
using gale::errc;

namespace {

constexpr caf::timespan no_timeout{0};

/// Receives one reply of type T (or an error) in a scoped actor.
template <class T, class... Ts>
std::pair<std::error_code, T> ask(caf::actor_system& sys,
                                  const gale::io_actor& io, Ts&&... xs) {
  caf::scoped_actor self{sys};
  std::pair<std::error_code, T> out{};
  self->request(io, 10s, std::forward<Ts>(xs)...)
    .receive([&](T& x) { out.second = std::move(x); },
             [&](caf::error& err) { out.first = gale::to_error_code(err); });
  return out;
}

template <class... Ts>
std::error_code ask_void(caf::actor_system& sys, const gale::io_actor& io,
                         Ts&&... xs) {
  caf::scoped_actor self{sys};
  std::error_code out;
  self->request(io, 10s, std::forward<Ts>(xs)...)
    .receive([] {}, [&](caf::error& err) { out = gale::to_error_code(err); });
  return out;
}

} // namespace

TEST_CASE_METHOD(gale::test::fixture, "ping is answered by the actor itself",
                 "[actors][io_actor]") {
  auto [ec, pong] = ask<gale::pong_atom>(sys, io, gale::ping_atom_v);
  CHECK_FALSE(ec);
}

TEST_CASE_METHOD(gale::test::fixture,
                 "an actor drives an echo with request(...).then chains",
                 "[actors][io_actor]") {
  gale::promise<std::string> echoed;
  auto driver = [io = io, echoed](caf::event_based_actor* self) {
    auto fail = [echoed](caf::error& err) {
      echoed.set_error(gale::to_error_code(err));
    };
    self
      ->request(io, 5s, gale::listen_atom_v, std::string{"127.0.0.1"},
                uint16_t{0})
      .then(
        [=](gale::listener_info& l) {
          // the server side: accept, read, write back
          self
            ->request(io, 5s, gale::accept_atom_v, gale::op_id{1}, no_timeout,
                      l.id)
            .then(
              [=](gale::connection_id server) {
                self
                  ->request(io, 5s, gale::read_atom_v, gale::op_id{2},
                            no_timeout, server, uint32_t{64})
                  .then(
                    [=](std::string& bytes) {
                      self
                        ->request(io, 5s, gale::write_atom_v, gale::op_id{3},
                                  no_timeout, server, bytes)
                        .then([](uint64_t) {}, fail);
                    },
                    fail);
              },
              fail);
          // the client side: connect, write, read the echo
          self
            ->request(io, 5s, gale::connect_atom_v, gale::op_id{4}, no_timeout,
                      std::string{"127.0.0.1"}, std::to_string(l.port))
            .then(
              [=](gale::connection_id client) {
                self
                  ->request(io, 5s, gale::write_atom_v, gale::op_id{5},
                            no_timeout, client, std::string{"hello"})
                  .then(
                    [=](uint64_t n) {
                      CHECK(n == 5);
                      self
                        ->request(io, 5s, gale::read_atom_v, gale::op_id{6},
                                  no_timeout, client, uint32_t{64})
                        .then(
                          [=](std::string& reply) { echoed.set_result(reply); },
                          fail);
                    },
                    fail);
              },
              fail);
        },
        fail);
  };
  sys.spawn(driver);
  CHECK(echoed.get_future().get(10s) == "hello");
}

TEST_CASE_METHOD(gale::test::fixture, "errors come back as caf::error values",
                 "[actors][io_actor]") {
  SECTION("unknown connection and listener") {
    CHECK(ask<std::string>(sys, io, gale::read_atom_v, gale::op_id{0},
                           no_timeout, gale::connection_id{999}, uint32_t{1})
            .first
          == errc::unknown_connection);
    CHECK(ask_void(sys, io, gale::close_atom_v, gale::connection_id{999})
          == errc::unknown_connection);
    CHECK(ask<gale::connection_id>(sys, io, gale::accept_atom_v, gale::op_id{0},
                                   no_timeout, gale::listener_id{999})
            .first
          == errc::unknown_listener);
  }
  SECTION("connection refused") {
    auto refused = ask<gale::connection_id>(
      sys, io, gale::connect_atom_v, gale::op_id{0}, no_timeout,
      std::string{"127.0.0.1"}, std::to_string(gale::test::closed_port()));
    CHECK(refused.first == asio::error::connection_refused);
  }
  SECTION("unknown host") {
    auto [ec, addrs] = ask<std::vector<std::string>>(
      sys, io, gale::resolve_atom_v, gale::op_id{0}, no_timeout,
      std::string{"no-such-host.invalid"}, std::string{"80"});
    CHECK(ec);
    CHECK(ec != errc::actor_error);
  }
  SECTION("listening on a bad address") {
    auto [ec, l] = ask<gale::listener_info>(
      sys, io, gale::listen_atom_v, std::string{"999.1.1.1"}, uint16_t{0});
    CHECK(ec);
  }
  SECTION("the peer closes: end of stream") {
    auto [ec, l] = ask<gale::listener_info>(
      sys, io, gale::listen_atom_v, std::string{"127.0.0.1"}, uint16_t{0});
    REQUIRE_FALSE(ec);
    caf::scoped_actor self{sys};
    auto accepted = self->request(io, 5s, gale::accept_atom_v, gale::op_id{0},
                                  no_timeout, l.id);
    auto [cec, client] = ask<gale::connection_id>(
      sys, io, gale::connect_atom_v, gale::op_id{0}, no_timeout,
      std::string{"127.0.0.1"}, std::to_string(l.port));
    REQUIRE_FALSE(cec);
    gale::connection_id server = 0;
    accepted.receive([&](gale::connection_id c) { server = c; },
                     [](caf::error&) { FAIL("accept failed"); });
    CHECK_FALSE(ask_void(sys, io, gale::close_atom_v, server));
    auto [rec, bytes] =
      ask<std::string>(sys, io, gale::read_atom_v, gale::op_id{0}, no_timeout,
                       client, uint32_t{16});
    CHECK(rec == asio::error::eof);
  }
}

TEST_CASE_METHOD(gale::test::fixture,
                 "a plain send gets its result as a message",
                 "[actors][io_actor]") {
  caf::scoped_actor self{sys};
  self->send(io, gale::ping_atom_v);
  bool got = false;
  self->receive([&](gale::pong_atom) { got = true; });
  CHECK(got);
}

TEST_CASE_METHOD(gale::test::fixture,
                 "cancel and the loop-side timeout stop the I/O itself",
                 "[actors][io_actor]") {
  caf::scoped_actor self{sys};
  SECTION("cancel a sleep by its op id") {
    auto pending = self->request(io, 10s, gale::sleep_atom_v, gale::op_id{77},
                                 caf::timespan{10s});
    self->send(io, gale::cancel_atom_v, gale::op_id{77});
    std::error_code ec;
    pending.receive([] { FAIL("slept 10 s"); },
                    [&](caf::error& err) { ec = gale::to_error_code(err); });
    CHECK(ec == errc::cancelled);
  }
  SECTION("cancelling another requester's op id does nothing") {
    auto pending = self->request(io, 10s, gale::sleep_atom_v, gale::op_id{78},
                                 caf::timespan{50ms});
    caf::anon_send(io, gale::cancel_atom_v, gale::op_id{78});
    bool slept = false;
    pending.receive([&] { slept = true; }, [](caf::error&) {});
    CHECK(slept);
  }
  SECTION("an accept that times out") {
    auto [ec, l] = ask<gale::listener_info>(
      sys, io, gale::listen_atom_v, std::string{"127.0.0.1"}, uint16_t{0});
    REQUIRE_FALSE(ec);
    auto start = std::chrono::steady_clock::now();
    auto timed_out = ask<gale::connection_id>(
      sys, io, gale::accept_atom_v, gale::op_id{5}, caf::timespan{30ms}, l.id);
    CHECK(timed_out.first == errc::timed_out);
    CHECK(std::chrono::steady_clock::now() - start < 5s);
  }
}

TEST_CASE("an I/O actor that dies fails every pending request",
          "[actors][io_actor]") {
  gale::test::fixture fx;
  caf::scoped_actor self{fx.sys};
  std::vector<std::error_code> errors;
  auto a = self->request(fx.io, 10s, gale::sleep_atom_v, gale::op_id{1},
                         caf::timespan{10s});
  auto b = self->request(fx.io, 10s, gale::sleep_atom_v, gale::op_id{2},
                         caf::timespan{10s});
  std::this_thread::sleep_for(20ms);
  caf::anon_send_exit(fx.io, caf::exit_reason::kill);
  for (auto* h : {&a, &b})
    h->receive(
      [] { FAIL("a sleep completed"); },
      [&](caf::error& err) { errors.push_back(gale::to_error_code(err)); });
  REQUIRE(errors.size() == 2);
  CHECK(errors[0] == errc::actor_down);
  CHECK(errors[1] == errc::actor_down);
  // and a request to the dead actor fails too
  std::error_code late;
  self->request(fx.io, 10s, gale::ping_atom_v)
    .receive([](gale::pong_atom) { FAIL("a dead actor answered"); },
             [&](caf::error& err) { late = gale::to_error_code(err); });
  CHECK(late == errc::actor_down);
}

TEST_CASE("stopping the actor system with requests in flight is clean",
          "[actors][io_actor]") {
  gale::future<void> pending;
  {
    gale::test::fixture fx;
    gale::promise<void> p;
    pending = p.get_future();
    fx.sys.spawn([io = fx.io, p](caf::event_based_actor* self) {
      self
        ->request(io, caf::infinite, gale::sleep_atom_v, gale::op_id{1},
                  caf::timespan{1h})
        .then([p] { p.set_result(); },
              [p](caf::error& err) { p.set_error(gale::to_error_code(err)); });
    });
    std::this_thread::sleep_for(20ms);
  } // exits the I/O actor, then waits for every actor
  CHECK_THROWS_AS(pending.get(5s), gale::error);
}
