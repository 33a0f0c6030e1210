#include "gale/http/content_encoder.hpp"

#include "gale/http/content_decoder.hpp"
#include "gale/http/fields.hpp"

#include <catch2/catch.hpp>

#include <string>

using gale::http::content_decoder;
using gale::http::gzip_encoder;

namespace {

std::string sample() {
  std::string s;
  for (int i = 0; i < 2000; ++i)
    s += "line " + std::to_string(i) + " of some compressible text\n";
  return s;
}

std::string gunzip(std::string_view packed) {
  content_decoder d{content_decoder::coding::gzip, 1 << 24};
  std::string out;
  REQUIRE_FALSE(d.decode(packed, out));
  REQUIRE_FALSE(d.finish());
  return out;
}

} // namespace

TEST_CASE("gzip_encoder: whole bodies and every level round-trip",
          "[protocols][content][encoder]") {
  auto text = sample();
  for (int level : {1, 6, 9}) {
    CAPTURE(level);
    auto packed = gzip_encoder::compress(text, level);
    CHECK(packed.size() < text.size() / 4);
    CHECK(gunzip(packed) == text);
  }
  CHECK(gunzip(gzip_encoder::compress("")).empty());
}

TEST_CASE("gzip_encoder: flushed pieces decode as they arrive",
          "[protocols][content][encoder]") {
  gzip_encoder e{6};
  content_decoder d{content_decoder::coding::gzip};
  std::string so_far;
  for (int i = 0; i < 5; ++i) {
    std::string piece = "event " + std::to_string(i) + "\n";
    std::string wire;
    e.encode(piece, wire, true);
    REQUIRE_FALSE(d.decode(wire, so_far));
    CHECK(so_far.ends_with(piece)); // readable now, before the end
  }
  std::string tail;
  e.finish(tail);
  REQUIRE_FALSE(d.decode(tail, so_far));
  CHECK_FALSE(d.finish());
  std::string after;
  e.encode("ignored", after);
  CHECK(after.empty()); // nothing after the member's end
}

TEST_CASE("Accept-Encoding: gzip with a non-zero q value",
          "[protocols][content][encoder]") {
  auto accepts = [](std::string value) {
    gale::http::fields h;
    h.add("Accept-Encoding", value);
    return gale::http::accepts_gzip(h);
  };
  CHECK(accepts("gzip"));
  CHECK(accepts("br, GZIP;q=0.5"));
  CHECK(accepts("deflate, gzip ; q=1.0"));
  CHECK(accepts("*"));
  CHECK(accepts("x-gzip"));
  CHECK_FALSE(accepts("gzip;q=0"));
  CHECK_FALSE(accepts("identity"));
  CHECK_FALSE(accepts("br, deflate"));
  CHECK_FALSE(gale::http::accepts_gzip(gale::http::fields{}));
}

TEST_CASE("compressible content types", "[protocols][content][encoder]") {
  using gale::http::is_compressible_type;
  CHECK(is_compressible_type("text/html; charset=utf-8"));
  CHECK(is_compressible_type("application/json"));
  CHECK(is_compressible_type("application/ld+json"));
  CHECK(is_compressible_type("application/atom+xml"));
  CHECK(is_compressible_type("image/svg+xml"));
  CHECK(is_compressible_type("Application/JavaScript"));
  CHECK_FALSE(is_compressible_type("image/png"));
  CHECK_FALSE(is_compressible_type("application/octet-stream"));
  CHECK_FALSE(is_compressible_type("application/gzip"));
  CHECK_FALSE(is_compressible_type(""));
}
