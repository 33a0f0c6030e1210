#include "gale/http/content_decoder.hpp"

#include "gale/http/error.hpp"

#include <catch2/catch.hpp>

#include <zlib.h>

using gale::http::content_decoder;
using gale::http::errc;

namespace {

/// Compresses `in` with zlib: window_bits 15 for zlib format, 31 for gzip,
/// -15 for raw deflate.
std::string compress(std::string_view in, int window_bits) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, window_bits, 8,
                       Z_DEFAULT_STRATEGY)
          == Z_OK);
  std::string out(deflateBound(&z, in.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string text() {
  std::string s;
  for (int i = 0; i < 200; ++i)
    s += "line " + std::to_string(i) + ": the quick brown fox\n";
  return s;
}

} // namespace

TEST_CASE("gzip and both deflate formats decode, split at every byte",
          "[protocols][content]") {
  auto plain = text();
  for (auto [coding, bits] :
       {std::pair{content_decoder::coding::gzip, 31},
        std::pair{content_decoder::coding::deflate, 15},
        std::pair{content_decoder::coding::deflate, -15}}) {
    CAPTURE(bits);
    auto packed = compress(plain, bits);
    for (std::size_t k = 0; k <= packed.size(); k += 7) {
      content_decoder d{coding};
      std::string out;
      REQUIRE_FALSE(d.decode(std::string_view{packed}.substr(0, k), out));
      REQUIRE_FALSE(d.decode(std::string_view{packed}.substr(k), out));
      REQUIRE_FALSE(d.finish());
      CHECK(out == plain);
      CHECK(d.total_out() == plain.size());
    }
  }
}

TEST_CASE("a gzip body of several members decodes every member",
          "[protocols][content]") {
  // What `cat a.gz b.gz` gives (RFC 1952 2.2), split at every 5th byte:
  // the members' boundary falls inside a piece and between pieces.
  auto first = text();
  std::string second = "and a second member\n";
  auto packed = compress(first, 31) + compress(second, 31);
  for (std::size_t k = 0; k <= packed.size(); k += 5) {
    CAPTURE(k);
    content_decoder d{content_decoder::coding::gzip};
    std::string out;
    REQUIRE_FALSE(d.decode(std::string_view{packed}.substr(0, k), out));
    REQUIRE_FALSE(d.decode(std::string_view{packed}.substr(k), out));
    REQUIRE_FALSE(d.finish());
    CHECK(out == first + second);
  }
  content_decoder cut{content_decoder::coding::gzip};
  std::string out;
  REQUIRE_FALSE(
    cut.decode(std::string_view{packed}.substr(0, packed.size() - 4), out));
  CHECK(cut.finish() == errc::truncated_compressed_data);
  // deflate has one stream: a second one after it is trailing data.
  content_decoder deflate{content_decoder::coding::deflate};
  CHECK(deflate.decode(compress(first, 15) + compress(second, 15), out)
        == errc::invalid_compressed_data);
}

TEST_CASE("a decompression bomb stops at the limit", "[protocols][content]") {
  std::string zeros(16 * 1024 * 1024, '\0');
  auto packed = compress(zeros, 31);
  CHECK(packed.size() < 64 * 1024);
  content_decoder d{content_decoder::coding::gzip, 1024 * 1024};
  std::string out;
  CHECK(d.decode(packed, out) == errc::decompressed_too_large);
  CHECK(out.size() <= 1024 * 1024 + 16 * 1024); // stopped within one chunk
  content_decoder identity{content_decoder::coding::identity, 4};
  CHECK(identity.decode("12345", out) == errc::decompressed_too_large);
}

TEST_CASE("corrupt, truncated and trailing data are errors",
          "[protocols][content]") {
  auto packed = compress(text(), 31);
  std::string out;
  content_decoder corrupt{content_decoder::coding::gzip};
  auto bad = packed;
  bad[bad.size() / 2] ^= 0x55;
  bad[bad.size() / 2 + 1] ^= 0x55;
  auto ec = corrupt.decode(bad, out);
  if (!ec)
    ec = corrupt.finish();
  CHECK(ec);
  content_decoder truncated{content_decoder::coding::gzip};
  REQUIRE_FALSE(truncated.decode(
    std::string_view{packed}.substr(0, packed.size() / 2), out));
  CHECK(truncated.finish() == errc::truncated_compressed_data);
  content_decoder trailing{content_decoder::coding::gzip};
  CHECK(trailing.decode(packed + "junk", out) == errc::invalid_compressed_data);
  content_decoder garbage{content_decoder::coding::gzip};
  CHECK(garbage.decode("definitely not gzip", out)
        == errc::invalid_compressed_data);
}

TEST_CASE("Content-Encoding values", "[protocols][content]") {
  using c = content_decoder::coding;
  CHECK(content_decoder::from_header("gzip") == c::gzip);
  CHECK(content_decoder::from_header(" X-GZIP ") == c::gzip);
  CHECK(content_decoder::from_header("Deflate") == c::deflate);
  CHECK(content_decoder::from_header("") == c::identity);
  CHECK(content_decoder::from_header("identity") == c::identity);
  CHECK_FALSE(content_decoder::from_header("br"));
  CHECK_FALSE(content_decoder::from_header("gzip, deflate"));
}
