#include "gale/http/content_decoder.hpp"

#include "gale/http/error.hpp"
#include "gale/http/fields.hpp"

#include <zlib.h>

namespace gale::http {

struct content_decoder::stream {
  z_stream z{};
  bool initialized = false;
  bool raw_checked = false; // deflate: zlib or raw format decided
  bool ended = false;

  ~stream() {
    if (initialized)
      inflateEnd(&z);
  }

  /// gzip: what follows a member's end is the next member (RFC 1952 2.2,
  /// what `cat a.gz b.gz` gives); deflate has a single stream.
  bool next_member(content_decoder::coding c) {
    if (c != content_decoder::coding::gzip || inflateReset(&z) != Z_OK)
      return false;
    ended = false;
    return true;
  }

  bool init(int window_bits) {
    if (initialized)
      inflateEnd(&z);
    z = z_stream{};
    initialized = inflateInit2(&z, window_bits) == Z_OK;
    return initialized;
  }
};

std::optional<content_decoder::coding>
content_decoder::from_header(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
    value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
    value.remove_suffix(1);
  if (value.empty() || iequals(value, "identity"))
    return coding::identity;
  if (iequals(value, "gzip") || iequals(value, "x-gzip"))
    return coding::gzip;
  if (iequals(value, "deflate"))
    return coding::deflate;
  return std::nullopt;
}

content_decoder::content_decoder(coding c, std::uint64_t max_output)
  : coding_(c), max_output_(max_output), stream_(std::make_unique<stream>()) {
  if (c == coding::gzip)
    stream_->init(16 + MAX_WBITS); // gzip wrapper only
}

content_decoder::~content_decoder() = default;
content_decoder::content_decoder(content_decoder&&) noexcept = default;
content_decoder&
content_decoder::operator=(content_decoder&&) noexcept = default;

std::error_code content_decoder::decode(std::string_view in, std::string& out) {
  if (coding_ == coding::identity) {
    total_out_ += in.size();
    if (total_out_ > max_output_)
      return errc::decompressed_too_large;
    out.append(in);
    return {};
  }
  auto& s = *stream_;
  if (in.empty())
    return {};
  if (s.ended && !s.next_member(coding_)) // bytes after deflate's end
    return errc::invalid_compressed_data;
  if (coding_ == coding::deflate && !s.raw_checked) {
    // A zlib header: CM = 8 and the first two bytes a multiple of 31.
    auto cmf = static_cast<unsigned char>(in[0]);
    bool zlib_format = (cmf & 0x0F) == 8;
    if (zlib_format && in.size() >= 2)
      zlib_format = (cmf * 256 + static_cast<unsigned char>(in[1])) % 31 == 0;
    s.init(zlib_format ? MAX_WBITS : -MAX_WBITS);
    s.raw_checked = true;
  }
  if (!s.initialized)
    return errc::invalid_compressed_data;
  s.z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  s.z.avail_in = static_cast<uInt>(in.size());
  char chunk[16 * 1024];
  while (s.z.avail_in > 0 && !s.ended) {
    s.z.next_out = reinterpret_cast<Bytef*>(chunk);
    s.z.avail_out = sizeof(chunk);
    int rc = inflate(&s.z, Z_NO_FLUSH);
    auto produced = sizeof(chunk) - s.z.avail_out;
    total_out_ += produced;
    if (total_out_ > max_output_)
      return errc::decompressed_too_large;
    out.append(chunk, produced);
    if (rc == Z_STREAM_END) {
      s.ended = true;
      if (s.z.avail_in > 0 && !s.next_member(coding_))
        return errc::invalid_compressed_data;
    } else if (rc != Z_OK && !(rc == Z_BUF_ERROR && produced > 0)) {
      return errc::invalid_compressed_data;
    }
  }
  return {};
}

std::error_code content_decoder::finish() const {
  if (coding_ == coding::identity || stream_->ended)
    return {};
  return errc::truncated_compressed_data;
}

} // namespace gale::http
