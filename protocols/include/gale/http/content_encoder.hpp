#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace gale::http {

class fields;

/// Compresses a body to gzip (RFC 1952, through zlib) incrementally, for
/// Content-Encoding: gzip: pieces in, compressed bytes out, so a streamed
/// answer is compressed as it is written.
class gzip_encoder {
public:
  /// `level` as zlib's: 1 (fastest) to 9 (smallest); 6 is zlib's default.
  explicit gzip_encoder(int level = 6);
  ~gzip_encoder();
  gzip_encoder(gzip_encoder&&) noexcept;
  gzip_encoder& operator=(gzip_encoder&&) noexcept;

  /// Compresses `in` and appends to `out`. With `flush` the output holds
  /// everything `in` needs to decode so far (a streamed piece the client
  /// can read now; costs a few bytes), else zlib may keep it back.
  void encode(std::string_view in, std::string& out, bool flush = false);

  /// Ends the gzip member (its trailer); nothing may be encoded after.
  void finish(std::string& out);

  /// The whole of `in` as one gzip member.
  static std::string compress(std::string_view in, int level = 6);

  struct stream;

private:
  std::unique_ptr<stream> stream_;
};

/// Whether a request's Accept-Encoding takes gzip (or `*`) with a non-zero
/// q value (RFC 9110 12.5.3): "gzip", "br, gzip;q=0.5" yes; "gzip;q=0",
/// "identity", none at all no.
bool accepts_gzip(const fields& request_headers);

/// Whether a Content-Type is worth compressing (Tornado's list): text/*,
/// JSON, JavaScript, XML and their +json and +xml kinds, SVG. Images,
/// video and archives are compressed already.
bool is_compressible_type(std::string_view content_type);

} // namespace gale::http
