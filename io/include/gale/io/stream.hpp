#pragma once

#include <gale/io/detail/completion.hpp>
#include <gale/io/stream_error.hpp>
#include <gale/io/tls.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/buffer.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

/// A byte stream over a connection: Tornado's IOStream.
namespace gale::io {

/// Limits of one stream's buffers.
struct stream_options {
  /// The most bytes a read may hold buffered (a read that needs more fails
  /// with `stream_errc::buffer_full`).
  std::size_t max_buffer_size = 16 * 1024 * 1024;
  /// How much one read from the socket asks for (TLS), or drains (plain);
  /// the buffer grows by at most this beyond what has been received.
  std::size_t read_chunk_size = 64 * 1024;
  /// The most unsent bytes writes may queue; 0: no bound.
  std::size_t max_write_buffer_size = 16 * 1024 * 1024;
  /// Plain sockets: a read waits with a buffer this small, so that an idle
  /// stream costs little; when it fills, what else has arrived is drained
  /// at once (up to `read_chunk_size`). 0: read into the buffer directly,
  /// a chunk at a time.
  std::size_t idle_read_size = 512;
};

namespace detail {
class stream_core;

/// What the handles share: the core, closed when the last handle goes
/// (operations under way hold only the core).
struct stream_owner {
  std::shared_ptr<stream_core> core;
  ~stream_owner();
};

/// What a read waits for (see the `async_read_*` members).
struct read_spec {
  enum class kind : unsigned char { until, regex, bytes, until_close };
  kind what = kind::bytes;
  std::string pattern;   ///< the delimiter, or the regular expression
  std::size_t count = 0; ///< until/regex: max_bytes (0: none); bytes: n
  bool partial = false;
};
} // namespace detail

/// A connection's bytes, plain TCP, TLS, or a Unix domain socket (plain or
/// TLS), behind one type.
///
/// Reads come out of a buffer the stream owns; one read may be pending at a
/// time, and what it does not take stays buffered for the next. Writes
/// queue: each completes once its bytes are handed to the kernel, so
/// awaiting a write is flow control. Operations may be started from any
/// thread and run on the stream's loop; every completion runs on its
/// handler's associated executor (the loop when it has none), never inside
/// the initiating call. Cancelling a read (through the token's cancellation
/// slot) completes it with `asio::error::operation_aborted` and loses no
/// bytes; a cancelled write's bytes are still sent.
///
/// Copies refer to the same connection; the last copy to go closes it.
/// Errors: the transport's own (`ec == stream_condition::closed` for any end
/// of the stream), and `stream_errc`.
class stream {
public:
  using executor_type = asio::any_io_executor;

  /// A stream with no connection: every operation fails with
  /// `stream_errc::no_connection`.
  stream() = default;

  explicit stream(asio::ip::tcp::socket socket, stream_options options = {});
  explicit stream(asio::local::stream_protocol::socket socket,
                  stream_options options = {});

  /// The loop the connection runs on.
  executor_type get_executor() const noexcept;

  /// Reads up to and including `delimiter`. Fails with
  /// `unsatisfiable_read` when it does not end within `max_bytes` (0: the
  /// buffer's limit). Completion: `void(std::error_code, std::string)`.
  template <
    asio::completion_token_for<void(std::error_code, std::string)> Token>
  auto async_read_until(std::string delimiter, std::size_t max_bytes,
                        Token&& token) {
    return read(
      {detail::read_spec::kind::until, std::move(delimiter), max_bytes, false},
      std::forward<Token>(token));
  }

  /// Reads up to and including the first match of the ECMAScript regular
  /// expression `pattern`; limits and errors as `async_read_until`, and
  /// `std::errc::invalid_argument` for a pattern that does not compile.
  template <
    asio::completion_token_for<void(std::error_code, std::string)> Token>
  auto async_read_until_regex(std::string pattern, std::size_t max_bytes,
                              Token&& token) {
    return read(
      {detail::read_spec::kind::regex, std::move(pattern), max_bytes, false},
      std::forward<Token>(token));
  }

  /// Reads exactly `n` bytes, or with `partial` as soon as 1 to `n` are
  /// there. `n` above `max_buffer_size` (not partial) fails with
  /// `buffer_full` at once.
  template <
    asio::completion_token_for<void(std::error_code, std::string)> Token>
  auto async_read_bytes(std::size_t n, bool partial, Token&& token) {
    return read({detail::read_spec::kind::bytes, {}, n, partial},
                std::forward<Token>(token));
  }

  /// Reads until the peer ends the stream and gives every byte. A clean end
  /// (end of file; TLS close_notify) succeeds; any other end fails with its
  /// cause, and the bytes stay readable with partial reads.
  template <
    asio::completion_token_for<void(std::error_code, std::string)> Token>
  auto async_read_until_close(Token&& token) {
    return read({detail::read_spec::kind::until_close, {}, 0, false},
                std::forward<Token>(token));
  }

  /// Fills the caller's `buffer` (which must outlive the read), or with
  /// `partial` completes once any bytes are in it. Completion:
  /// `void(std::error_code, std::size_t bytes)`.
  template <
    asio::completion_token_for<void(std::error_code, std::size_t)> Token>
  auto async_read_into(asio::mutable_buffer buffer, bool partial,
                       Token&& token) {
    return detail::initiate<std::error_code, std::size_t>(
      std::forward<Token>(token), get_executor(),
      [core = core(), buffer, partial](auto done) {
        start_read_into(core, buffer, partial, std::move(done));
      });
  }

  /// Queues `bytes`; completes once they (and all queued before them) are
  /// handed to the kernel. Fails with `buffer_full`, queueing nothing, when
  /// the unsent bytes would exceed `max_write_buffer_size`. Completion:
  /// `void(std::error_code)`.
  template <asio::completion_token_for<void(std::error_code)> Token>
  auto async_write(std::string bytes, Token&& token) {
    return detail::initiate<std::error_code>(
      std::forward<Token>(token), get_executor(),
      [core = core(), bytes = std::move(bytes)](auto done) mutable {
        start_write(core, std::move(bytes), std::move(done));
      });
  }

  /// Starts TLS on the open connection (client or server side, as
  /// `options.server` says). Fails with `not_idle` unless no operation is
  /// pending and nothing is buffered either way; a failed handshake closes
  /// the stream with the handshake's error. Completion:
  /// `void(std::error_code)`.
  template <asio::completion_token_for<void(std::error_code)> Token>
  auto async_start_tls(tls_options options, Token&& token) {
    return detail::initiate<std::error_code>(
      std::forward<Token>(token), get_executor(),
      [core = core(), options = std::move(options)](auto done) mutable {
        start_tls(core, std::move(options), std::move(done));
      });
  }

  /// Closes the connection: pending and later operations fail with
  /// `reason` (`stream_errc::closed` when empty), bytes still buffered stay
  /// readable. Idempotent; thread-safe.
  void close(std::error_code reason = {});

  /// Closes as `close()` does, and completes once the connection is
  /// gone: a TLS stream closed here first sends close_notify and waits for
  /// the peer's (at most a second), so a program that exits when this
  /// completes has ended the connection cleanly. Called on a stream already
  /// closing it waits for the same end. Completion: `void(std::error_code)`,
  /// how the end went: empty for plain sockets and a finished TLS goodbye,
  /// `asio::error::timed_out` when the peer did not answer, else the TLS
  /// shutdown's error (e.g. the peer cut the connection).
  template <asio::completion_token_for<void(std::error_code)> Token>
  auto async_close(Token&& token) {
    return detail::initiate<std::error_code>(
      std::forward<Token>(token), get_executor(),
      [core = core()](auto done) mutable {
        start_close(core, std::move(done));
      });
  }

  /// True once the stream is closed, by either side. Thread-safe.
  bool closed() const noexcept;

  /// Why the stream closed (empty while open). Read it on the loop, or
  /// after `closed()` returned true.
  std::error_code error() const noexcept;

  /// Runs `callback` on the loop once the stream closes, by either side (the
  /// peer's close is seen when a read or write meets it). Replaces an
  /// earlier callback; a stream already closed runs it soon.
  void set_close_callback(std::function<void()> callback);

  /// TCP_NODELAY on a TCP stream (plain or TLS); other streams ignore it.
  std::error_code set_nodelay(bool on);

  /// The peer's address: "ip:port", or the socket path.
  std::string peer() const;

  /// True once TLS is started on the stream.
  bool secure() const noexcept;

  /// After a TLS handshake: the subject of the certificate the peer showed,
  /// one line in RFC 2253's form ("CN=alice,O=Example"); empty when it
  /// showed none (or without TLS). With `tls_options::verify_peer` the
  /// certificate was verified; without, take it for a claim. Loop thread.
  std::string peer_certificate_subject() const;

  /// Bytes buffered for reading, and the buffer's allocated capacity; bytes
  /// queued and not yet sent. For the loop thread (tests, metrics).
  std::size_t read_buffer_size() const noexcept;
  std::size_t read_buffer_capacity() const noexcept;
  std::size_t write_buffer_size() const noexcept;

  /// True when the stream holds a connection (open or closed).
  explicit operator bool() const noexcept { return owner_ != nullptr; }

  /// The shared state behind the handle; for gale's own protocol code.
  const std::shared_ptr<detail::stream_core>& core() const noexcept {
    static const std::shared_ptr<detail::stream_core> none;
    return owner_ ? owner_->core : none;
  }
  explicit stream(std::shared_ptr<detail::stream_core> core);

private:
  template <class Token>
  auto read(detail::read_spec spec, Token&& token) {
    return detail::initiate<std::error_code, std::string>(
      std::forward<Token>(token), get_executor(),
      [core = core(), spec = std::move(spec)](auto done) mutable {
        start_read(core, std::move(spec), std::move(done));
      });
  }

  using core_ptr = std::shared_ptr<detail::stream_core>;
  static void start_read(const core_ptr& core, detail::read_spec spec,
                         detail::completion<std::error_code, std::string> done);
  static void
  start_read_into(const core_ptr& core, asio::mutable_buffer buffer,
                  bool partial,
                  detail::completion<std::error_code, std::size_t> done);
  static void start_write(const core_ptr& core, std::string bytes,
                          detail::completion<std::error_code> done);
  static void start_tls(const core_ptr& core, tls_options options,
                        detail::completion<std::error_code> done);
  static void start_close(const core_ptr& core,
                          detail::completion<std::error_code> done);

  std::shared_ptr<detail::stream_owner> owner_;
};

} // namespace gale::io
