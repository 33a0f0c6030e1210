#include "gale/ws/codec.hpp"
#include "gale/ws/deflate.hpp"

#include <catch2/catch.hpp>

using gale::ws::errc;
using gale::ws::event;
using gale::ws::opcode;
using gale::ws::reader;

namespace {

constexpr gale::ws::masking_key key{0x37, 0xfa, 0x21, 0x3d};

std::string frame(opcode op, std::string_view payload, bool fin = true,
                  bool masked = true) {
  std::string out;
  gale::ws::append_frame(out, op, payload, fin,
                         masked ? std::optional{key} : std::nullopt);
  return out;
}

/// The first event of a server-side reader fed `bytes`, and its error.
std::pair<event, std::error_code> first_event(const std::string& bytes,
                                              std::uint64_t max = 1 << 20) {
  reader r{reader::role::server, max};
  r.feed(bytes);
  auto e = r.next();
  return {e, r.error()};
}

std::error_code error_of(const std::string& bytes,
                         std::uint64_t max = 1 << 20) {
  reader r{reader::role::server, max};
  r.feed(bytes);
  for (auto e = r.next(); e != event::need_more; e = r.next())
    if (e == event::error)
      return r.error();
  return {};
}

} // namespace

TEST_CASE("frames round-trip at every length encoding", "[ws]") {
  for (std::size_t n : {0, 1, 125, 126, 65535, 65536, 200000}) {
    std::string payload(n, 'a');
    for (std::size_t i = 0; i < n; ++i)
      payload[i] = static_cast<char>('a' + i % 26);
    reader r{reader::role::server};
    r.feed(frame(opcode::binary, payload));
    REQUIRE(r.next() == event::message);
    CHECK(r.type() == opcode::binary);
    CHECK(r.payload() == payload);
    CHECK(r.next() == event::need_more);
  }
}

TEST_CASE("fragments reassemble with control frames between them", "[ws]") {
  reader r{reader::role::server};
  r.feed(frame(opcode::text, "Hel", false) + frame(opcode::ping, "p")
         + frame(opcode::continuation, "lo, ", false)
         + frame(opcode::continuation, "world"));
  REQUIRE(r.next() == event::ping);
  CHECK(r.payload() == "p");
  REQUIRE(r.next() == event::message);
  CHECK(r.type() == opcode::text);
  CHECK(r.payload() == "Hello, world");
}

TEST_CASE("close frames carry a code and a reason", "[ws]") {
  std::string bytes;
  gale::ws::append_close(bytes, 1001, "going away", key);
  reader r{reader::role::server};
  r.feed(bytes);
  REQUIRE(r.next() == event::close);
  CHECK(r.close_code() == 1001);
  CHECK(r.close_reason() == "going away");
  reader empty{reader::role::server};
  empty.feed(frame(opcode::close, ""));
  REQUIRE(empty.next() == event::close);
  CHECK(empty.close_code() == 1005);
}

TEST_CASE("protocol violations are errors with their close codes", "[ws]") {
  auto with_first_byte = [](std::string f, char b0) {
    f[0] = b0;
    return f;
  };
  auto ping = frame(opcode::ping, "x");
  CHECK(error_of(with_first_byte(ping, '\xc9')) == errc::reserved_bits);
  CHECK(error_of(with_first_byte(ping, '\x83')) == errc::unknown_opcode);
  CHECK(error_of(with_first_byte(ping, '\x09')) == errc::fragmented_control);
  CHECK(error_of(frame(opcode::ping, std::string(126, 'x')))
        == errc::control_too_long);
  CHECK(error_of(frame(opcode::continuation, "x"))
        == errc::unexpected_continuation);
  CHECK(error_of(frame(opcode::text, "a", false) + frame(opcode::text, "b"))
        == errc::expected_continuation);
  CHECK(error_of(frame(opcode::text, "a", true, false))
        == errc::unmasked_frame);
  reader client{reader::role::client};
  client.feed(frame(opcode::text, "a"));
  CHECK(client.next() == event::error);
  CHECK(client.error() == errc::masked_frame);
  // a 16-bit length that fits in 7 bits is not minimal
  CHECK(error_of(std::string{"\x82\xfe\x00\x05", 4} + "\x37\xfa\x21\x3d"
                 + std::string(5, 'x'))
        == errc::invalid_length);
  CHECK(error_of(frame(opcode::close, "x")) == errc::invalid_close_payload);
  CHECK(error_of(frame(opcode::close, std::string{"\x03\xed", 2}))
        == errc::invalid_close_code); // 1005 may not be sent
  CHECK(error_of(frame(opcode::binary, std::string(2000, 'b')), 1000)
        == errc::message_too_big);
  CHECK(error_of(frame(opcode::text, std::string(600, 't'), false)
                   + frame(opcode::continuation, std::string(600, 't')),
                 1000)
        == errc::message_too_big);
  CHECK(gale::ws::close_code_for(errc::invalid_utf8) == 1007);
  CHECK(gale::ws::close_code_for(errc::message_too_big) == 1009);
  CHECK(gale::ws::close_code_for(errc::unknown_opcode) == 1002);
}

TEST_CASE("text must be UTF-8, checked across fragments", "[ws]") {
  // U+20AC (euro sign) split between two fragments is fine.
  reader r{reader::role::server};
  r.feed(frame(opcode::text, "\xe2\x82", false)
         + frame(opcode::continuation, "\xac"));
  REQUIRE(r.next() == event::message);
  CHECK(r.payload() == "\xe2\x82\xac");
  // Bad bytes fail in the fragment that holds them, before the message ends.
  CHECK(first_event(frame(opcode::text, "ok\xff", false)).second
        == errc::invalid_utf8);
  CHECK(error_of(frame(opcode::text, "\xe2\x82")) == errc::invalid_utf8);
  for (std::string bad : {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                          "\xe0\x80\xaf", "\x80"}) {
    gale::ws::utf8_validator v;
    CHECK_FALSE((v.feed(bad) && v.complete()));
  }
  for (std::string good : {"plain", "\xc3\xa9", "\xf0\x9f\x98\x80",
                           "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf"}) {
    gale::ws::utf8_validator v;
    CHECK((v.feed(good) && v.complete()));
  }
  // binary messages are not checked
  reader b{reader::role::server};
  b.feed(frame(opcode::binary, "\xff\xfe"));
  CHECK(b.next() == event::message);
}

TEST_CASE("permessage-deflate: messages compress and come back", "[ws]") {
  gale::ws::message_deflater deflater;
  std::string text;
  for (int i = 0; i < 2000; ++i)
    text += "a repetitive line of text, number " + std::to_string(i % 7) + "\n";
  auto packed = deflater.compress(text);
  CHECK(packed.size() < text.size() / 10);
  // A compressed message: RSV1 on the first frame, split in two frames.
  std::string frames;
  gale::ws::append_frame(frames, opcode::text, packed.substr(0, 10), false, key,
                         true);
  gale::ws::append_frame(frames, opcode::continuation, packed.substr(10), true,
                         key);
  reader r{reader::role::server};
  r.enable_deflate();
  r.feed(frames);
  REQUIRE(r.next() == event::message);
  CHECK(r.payload() == text);
  // Every message stands alone (no context takeover).
  auto again = deflater.compress("short");
  gale::ws::message_inflater inflater{1 << 20};
  std::string out;
  CHECK_FALSE(inflater.decompress(again, out));
  CHECK(out == "short");
  // Without the extension, RSV1 is a protocol error; with it, limits hold
  // after inflating, and garbage is refused.
  CHECK(error_of(frames) == errc::reserved_bits);
  reader small{reader::role::server, 1000};
  small.enable_deflate();
  small.feed(frames);
  CHECK(small.next() == event::error);
  CHECK(small.error() == errc::message_too_big);
  std::string junk;
  gale::ws::append_frame(junk, opcode::binary, "\xff\xff\xff garbage", true,
                         key, true);
  reader bad{reader::role::server};
  bad.enable_deflate();
  bad.feed(junk);
  CHECK(bad.next() == event::error);
  CHECK(bad.error() == errc::invalid_compressed_data);
  CHECK(gale::ws::close_code_for(errc::invalid_compressed_data) == 1007);
}

TEST_CASE("permessage-deflate: the negotiation", "[ws]") {
  using gale::ws::accept_deflate_offer;
  CHECK(accept_deflate_offer("permessage-deflate; client_max_window_bits")
        == "permessage-deflate; server_no_context_takeover; "
           "client_no_context_takeover");
  CHECK(accept_deflate_offer(gale::ws::deflate_offer));
  CHECK_FALSE(accept_deflate_offer("x-webkit-deflate-frame"));
  CHECK_FALSE(
    accept_deflate_offer("permessage-deflate; server_max_window_bits=10"));
  CHECK(accept_deflate_offer(
    "permessage-deflate; server_max_window_bits=10, permessage-deflate"));
  bool on = false;
  CHECK_FALSE(gale::ws::deflate_accepted(
    "permessage-deflate; server_no_context_takeover; "
    "client_no_context_takeover",
    on));
  CHECK(on);
  CHECK(gale::ws::deflate_accepted(
          "permessage-deflate; client_max_window_bits=9", on)
        == errc::bad_upgrade);
  CHECK_FALSE(gale::ws::deflate_accepted("", on));
  CHECK_FALSE(on);
}
