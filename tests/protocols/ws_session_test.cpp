#include "gale/ws/session.hpp"

#include <catch2/catch.hpp>

#include <set>

using gale::ws::opcode;
using gale::ws::session;
using gale::ws::session_event;

namespace {

/// A client frame (masked, as clients must) for the server side to read.
std::string client_frame(opcode op, std::string_view payload) {
  std::string out;
  gale::ws::append_frame(out, op, payload, true,
                         gale::ws::masking_key{1, 2, 3, 4});
  return out;
}

/// Whatever the other end sent, read by a reader of the other role.
std::vector<std::pair<gale::ws::event, std::string>>
frames_of(const std::string& bytes, gale::ws::reader::role role) {
  gale::ws::reader r{role, 1 << 20};
  r.feed(bytes);
  std::vector<std::pair<gale::ws::event, std::string>> out;
  for (auto e = r.next(); e != gale::ws::event::need_more; e = r.next()) {
    out.emplace_back(e, std::string{r.payload()});
    if (e == gale::ws::event::error || e == gale::ws::event::close)
      break;
  }
  return out;
}

} // namespace

TEST_CASE("a session hands over messages and answers pings itself",
          "[ws][session]") {
  session s{session::role::server, 1 << 20};
  s.feed(client_frame(opcode::ping, "are you there"));
  s.feed(client_frame(opcode::text, "hello"));
  CHECK(s.next() == session_event::ping); // answered already, reported
  CHECK(s.payload() == "are you there");
  CHECK(s.next() == session_event::message);
  CHECK(s.payload() == "hello");
  CHECK_FALSE(s.binary());
  CHECK(s.next() == session_event::need_more);
  auto sent = frames_of(s.out, gale::ws::reader::role::client);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0]
        == std::pair{gale::ws::event::pong, std::string{"are you there"}});
}

TEST_CASE("pings of our own carry up to 125 bytes; pongs are reported",
          "[ws][session]") {
  session s{session::role::server, 1 << 20};
  CHECK(s.ping("probe"));
  CHECK_FALSE(s.ping(std::string(126, 'x'))); // RFC 6455 5.5
  CHECK(s.ping(std::string(125, 'x')));
  auto sent = frames_of(s.out, gale::ws::reader::role::client);
  REQUIRE(sent.size() == 2);
  CHECK(sent[0] == std::pair{gale::ws::event::ping, std::string{"probe"}});
  s.awaiting_pong = true;
  s.feed(client_frame(opcode::pong, "probe"));
  CHECK(s.next() == session_event::pong);
  CHECK(s.payload() == "probe");
  CHECK_FALSE(s.awaiting_pong);
  s.close(1000, "");
  CHECK_FALSE(s.ping("late")); // nothing after our close
}

TEST_CASE("a close is echoed with its code; a violation closes with 1002",
          "[ws][session]") {
  SECTION("the peer closes") {
    session s{session::role::server, 1 << 20};
    std::string payload{"\x0f\xa0"}; // 4000
    s.feed(client_frame(opcode::close, payload + "bye"));
    CHECK(s.next() == session_event::closed);
    CHECK(s.code == 4000);
    CHECK(s.reason == "bye");
    CHECK(s.close_sent);
    auto sent = frames_of(s.out, gale::ws::reader::role::client);
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].first == gale::ws::event::close);
    s.out.clear();
    CHECK(s.done());
    s.send(opcode::text, "too late");
    CHECK(s.out.empty());
  }
  SECTION("an unmasked frame from a client") {
    session s{session::role::server, 1 << 20};
    std::string unmasked;
    gale::ws::append_frame(unmasked, opcode::text, "x", true, std::nullopt);
    s.feed(unmasked);
    CHECK(s.next() == session_event::closed);
    CHECK(s.code == 1002);
    CHECK(s.close_received);
  }
  SECTION("a message over the limit") {
    session s{session::role::server, 4};
    s.feed(client_frame(opcode::binary, "12345"));
    CHECK(s.next() == session_event::closed);
    CHECK(s.code == 1009);
  }
}

TEST_CASE("a client masks every frame with a fresh random key",
          "[ws][session]") {
  session s{session::role::client, 1 << 20};
  std::set<std::string> keys;
  for (int i = 0; i < 200; ++i) {
    s.out.clear();
    s.send(opcode::text, "same text");
    REQUIRE(s.out.size() == 2 + 4 + 9);
    CHECK((static_cast<unsigned char>(s.out[1]) & 0x80) != 0); // masked
    keys.insert(s.out.substr(2, 4));
  }
  CHECK(keys.size() > 190); // 32 random bits: collisions are rare
  // and a server reads them back
  s.out.clear();
  s.send(opcode::binary, "payload");
  auto got = frames_of(s.out, gale::ws::reader::role::server);
  REQUIRE(got.size() == 1);
  CHECK(got[0].second == "payload");
}

TEST_CASE("with permessage-deflate both ways, messages round-trip",
          "[ws][session]") {
  session client{session::role::client, 1 << 20};
  session server{session::role::server, 1 << 20};
  client.enable_deflate();
  server.enable_deflate();
  std::string text(5000, 'z');
  client.send(opcode::text, text);
  CHECK(client.out.size() < text.size() / 10);
  server.feed(client.out);
  CHECK(server.next() == session_event::message);
  CHECK(server.payload() == text);
}
