#pragma once

// The grammar of HTTP/1.1's lines, for the parser. Internal to protocols/.

#include <string_view>
#include <system_error>

namespace gale::http::detail {

/// Visible ASCII, as a request target must be (RFC 9112 3.2).
bool is_target_char(char c);

/// Text that may hold SP, HTAB, VCHAR and obs-text but no control.
bool is_text(std::string_view s);

/// "HTTP/1.x" as 10 or 11; anything else is an error.
std::error_code parse_version(std::string_view s, int& out);

/// Whether `v` can still become "HTTP/1.x" as more bytes arrive.
std::error_code version_prefix(std::string_view v);

// Lines that have not ended yet: an error as soon as no continuation can
// make them valid.
std::error_code partial_request_line(std::string_view s);
std::error_code partial_status_line(std::string_view s);
std::error_code partial_field(std::string_view s);
std::error_code partial_chunk_line(std::string_view s);

/// chunk-ext (RFC 9112 7.1.1) after a chunk size; with `partial`, `ext`
/// may stop anywhere a longer input could still be valid.
bool valid_chunk_ext(std::string_view ext, bool partial);

} // namespace gale::http::detail
