#pragma once

#include <system_error>

namespace gale::io {

/// Errors a stream gives besides the transport's own (Tornado's
/// StreamClosedError, UnsatisfiableReadError, StreamBufferFullError).
enum class stream_errc {
  /// The stream was closed here, by `close()` without a reason.
  closed = 1,
  /// The delimiter or pattern did not come within `max_bytes`. The stream
  /// stays open and the bytes stay readable.
  unsatisfiable_read,
  /// A read would need more than `max_buffer_size` buffered bytes, or a
  /// write more than `max_write_buffer_size` unsent ones. Nothing is lost:
  /// the stream stays open, its buffers as they were.
  buffer_full,
  /// A read was started while another one was pending (one at a time).
  already_reading,
  /// `start_tls` on a stream with pending operations or buffered bytes, or
  /// on one that already speaks TLS.
  not_idle,
  /// The stream holds no connection (a default-constructed one).
  no_connection,
};

/// The category of `stream_errc`; its name is "gale.stream".
const std::error_category& stream_category() noexcept;

inline std::error_code make_error_code(stream_errc e) noexcept {
  return {static_cast<int>(e), stream_category()};
}

/// Conditions to test a stream's errors against.
enum class stream_condition {
  /// The stream is closed, whatever the cause: `stream_errc::closed`, the
  /// peer's end of stream, a reset, a broken pipe, an aborted or truncated
  /// TLS session. The error code itself is that real cause:
  /// `ec == stream_condition::closed` asks whether the stream ended,
  /// `ec.message()` says why.
  closed = 1,
};

/// The category of `stream_condition`; its name is "gale.stream.condition".
const std::error_category& stream_condition_category() noexcept;

inline std::error_condition make_error_condition(stream_condition c) noexcept {
  return {static_cast<int>(c), stream_condition_category()};
}

} // namespace gale::io

template <>
struct std::is_error_code_enum<gale::io::stream_errc> : std::true_type {};
template <>
struct std::is_error_condition_enum<gale::io::stream_condition>
  : std::true_type {};
