#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace gale::http {

/// Decodes a body's Content-Encoding (gzip or deflate, through zlib)
/// incrementally: feed it the body pieces as they arrive.
///
/// The output is limited: a small body that inflates beyond `max_output`
/// (a decompression bomb) is an error, found before the memory is spent.
/// "deflate" accepts both the zlib format RFC 9110 names and the raw
/// deflate data some servers send instead. A gzip body may hold several
/// members one after another (RFC 1952 2.2): each is decoded in turn.
class content_decoder {
public:
  enum class coding { identity, gzip, deflate };

  /// The coding a Content-Encoding value names ("gzip", "x-gzip",
  /// "deflate", "identity" or empty; case-insensitive), or nothing for one
  /// gale cannot decode (including lists of several codings).
  static std::optional<coding> from_header(std::string_view value);

  explicit content_decoder(coding c,
                           std::uint64_t max_output = 8 * 1024 * 1024);
  ~content_decoder();
  content_decoder(content_decoder&&) noexcept;
  content_decoder& operator=(content_decoder&&) noexcept;

  /// Decodes `in` and appends the result to `out`. Errors:
  /// `invalid_compressed_data`, `decompressed_too_large`.
  std::error_code decode(std::string_view in, std::string& out);

  /// At the end of the body: `truncated_compressed_data` if the compressed
  /// stream did not end.
  std::error_code finish() const;

  /// Decoded bytes so far.
  std::uint64_t total_out() const noexcept { return total_out_; }

  struct stream;

private:
  coding coding_;
  std::uint64_t max_output_;
  std::uint64_t total_out_ = 0;
  std::unique_ptr<stream> stream_;
};

} // namespace gale::http
