#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

/// permessage-deflate (RFC 7692) without context takeover: every message
/// is compressed on its own, so neither side keeps a window between
/// messages (less memory per connection, at some cost in ratio).
namespace gale::ws {

/// Compresses whole messages (raw deflate, the empty block's 4-byte tail
/// removed, as RFC 7692 7.2.1 says).
class message_deflater {
public:
  message_deflater();
  ~message_deflater();
  message_deflater(message_deflater&&) noexcept;
  message_deflater& operator=(message_deflater&&) noexcept;

  std::string compress(std::string_view message);

  struct stream;

private:
  std::unique_ptr<stream> z_;
};

/// Decompresses whole messages, refusing output beyond `max_output`
/// (`errc::message_too_big`) or data zlib cannot read
/// (`errc::invalid_compressed_data`).
class message_inflater {
public:
  explicit message_inflater(std::uint64_t max_output);
  ~message_inflater();
  message_inflater(message_inflater&&) noexcept;
  message_inflater& operator=(message_inflater&&) noexcept;

  std::error_code decompress(std::string_view payload, std::string& out);

  struct stream;

private:
  std::unique_ptr<stream> z_;
  std::uint64_t max_output_;
};

/// The server's side of the negotiation: given the client's
/// Sec-WebSocket-Extensions values, the value to answer with when an
/// offer of permessage-deflate can be accepted (no context takeover either
/// way), or nothing (the extension is then not used).
std::optional<std::string> accept_deflate_offer(std::string_view offers);

/// The client's offer.
inline constexpr std::string_view deflate_offer =
  "permessage-deflate; client_no_context_takeover; "
  "server_no_context_takeover";

/// The client's side: whether the server's Sec-WebSocket-Extensions answer
/// accepted our offer. An answer the client cannot honour (another
/// extension, a window it did not allow) is `errc::bad_upgrade`.
std::error_code deflate_accepted(std::string_view answer, bool& accepted);

} // namespace gale::ws
