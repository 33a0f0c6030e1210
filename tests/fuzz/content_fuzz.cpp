// libFuzzer target for the content codings: any input decodes as gzip and
// as deflate to a value or an error (never a crash, never past the limit),
// and any input gzip-encoded in pieces, flushed or not, decodes back to
// itself. The first byte picks the level, the flushes and the piece size.
#include "gale/http/content_decoder.hpp"
#include "gale/http/content_encoder.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

constexpr std::uint64_t limit = 1 << 20;

void decode_as(gale::http::content_decoder::coding c, std::string_view in) {
  gale::http::content_decoder d{c, limit};
  std::string out;
  if (!d.decode(in, out))
    (void)d.finish();
  if (out.size() > limit + 16 * 1024) // stopped within one zlib chunk
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0)
    return 0;
  std::string_view input{reinterpret_cast<const char*>(data + 1), size - 1};
  decode_as(gale::http::content_decoder::coding::gzip, input);
  decode_as(gale::http::content_decoder::coding::deflate, input);

  int level = 1 + data[0] % 9;
  bool flush = (data[0] & 0x10) != 0;
  std::size_t piece = 1 + (data[0] >> 5) * 37;
  gale::http::gzip_encoder e{level};
  std::string packed;
  for (std::size_t at = 0; at < input.size(); at += piece)
    e.encode(input.substr(at, piece), packed, flush);
  e.finish(packed);
  gale::http::content_decoder d{gale::http::content_decoder::coding::gzip,
                                input.size() + 1};
  std::string back;
  if (d.decode(packed, back) || d.finish() || back != input)
    std::abort();
  return 0;
}
