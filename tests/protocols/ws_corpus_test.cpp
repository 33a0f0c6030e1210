// The WebSocket codec against RFC 6455's own examples in the shared corpus
// (../shared/corpus/websocket): every frame fed whole and split at every
// byte, the multi-frame groupings, and the handshake's accept key.
#include "gale/ws/codec.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

using json = nlohmann::json;
using gale::ws::event;

namespace {

json load(const std::string& name) {
  std::ifstream in{std::string{GALE_CORPUS_DIR} + "/websocket/" + name};
  REQUIRE(in);
  return json::parse(in);
}

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

/// The bytes of a corpus frame; frames whose payload the RFC leaves open
/// get a payload of the given length.
std::string frame_bytes(const json& f) {
  if (f.contains("frame_hex"))
    return from_hex(f["frame_hex"]);
  auto header = from_hex(f["header_hex"]);
  std::size_t length = f["frame_length"].get<std::size_t>() - header.size();
  std::string payload(length, '\0');
  for (std::size_t i = 0; i < length; ++i)
    payload[i] = static_cast<char>(i * 7);
  return header + payload;
}

/// Feeds `bytes` split at `cut` and collects (event, payload) pairs.
std::vector<std::pair<event, std::string>> read_all(const std::string& bytes,
                                                    std::size_t cut) {
  gale::ws::reader r{gale::ws::reader::role::any};
  std::vector<std::pair<event, std::string>> out;
  auto drain = [&] {
    if (!out.empty() && out.back().first == event::error)
      return; // an error ends the stream
    for (auto e = r.next(); e != event::need_more; e = r.next()) {
      out.emplace_back(e, std::string{r.payload()});
      if (e == event::error)
        break;
    }
  };
  r.feed(std::string_view{bytes}.substr(0, cut));
  drain();
  r.feed(std::string_view{bytes}.substr(cut));
  drain();
  return out;
}

} // namespace

TEST_CASE("RFC 6455 section 5.7 frames, whole and split at every byte",
          "[ws][corpus]") {
  auto corpus = load("rfc6455-frames.json");
  for (const auto& f : corpus["frames"]) {
    auto id = f["id"].get<std::string>();
    INFO(id);
    auto bytes = frame_bytes(f);
    const auto& expect = f["expect"];
    auto op = expect["opcode_name"].get<std::string>();
    // Every split of the small frames; for the 64 KiB one every split of
    // its header and then every 1009th byte (all of them take minutes
    // under the sanitizers and test nothing new).
    for (std::size_t cut = 0; cut <= bytes.size();
         cut += (bytes.size() > 1024 && cut >= 16) ? 1009 : 1) {
      INFO("split at " << cut);
      auto got = read_all(bytes, cut);
      if (op == "continuation") { // a last fragment with no first one
        REQUIRE(got.size() == 1);
        CHECK(got[0].first == event::error);
        continue;
      }
      if (!expect["fin"].get<bool>()) {
        CHECK(got.empty()); // a first fragment alone is no message yet
        continue;
      }
      REQUIRE(got.size() == 1);
      auto want = op == "ping"   ? event::ping
                  : op == "pong" ? event::pong
                                 : event::message;
      CHECK(got[0].first == want);
      if (expect.contains("payload_hex"))
        CHECK(got[0].second == from_hex(expect["payload_hex"]));
      else
        CHECK(got[0].second.size()
              == expect["payload_length"].get<std::size_t>());
    }
  }
}

TEST_CASE("RFC 6455 frame groupings reassemble", "[ws][corpus]") {
  auto corpus = load("rfc6455-frames.json");
  std::map<std::string, std::string> frames;
  for (const auto& f : corpus["frames"])
    frames[f["id"]] = frame_bytes(f);
  for (const auto& m : corpus["messages"]) {
    INFO(m["id"].get<std::string>());
    std::string bytes;
    for (const auto& id : m["frames"])
      bytes += frames.at(id);
    for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
      auto got = read_all(bytes, cut);
      if (m["expect"].contains("payload_text")) {
        REQUIRE(got.size() == 1);
        CHECK(got[0].first == event::message);
        CHECK(got[0].second == m["expect"]["payload_text"].get<std::string>());
      } else {
        REQUIRE(got.size() == 2);
        CHECK(got[0].first == event::ping);
        CHECK(got[1].first == event::pong);
        CHECK(got[0].second == got[1].second);
      }
    }
  }
}

TEST_CASE("the handshake's accept key is RFC 6455's", "[ws][corpus]") {
  auto corpus = load("rfc6455-handshake.json");
  const auto& a = corpus["accept_computation"];
  CHECK(gale::ws::accept_key(a["sec_websocket_key"].get<std::string>())
        == a["sec_websocket_accept"].get<std::string>());
}
