#pragma once

// The state behind gale::io::stream, on its loop.
//
// Theory of operation. The core owns the transport (one of four socket
// types), a read buffer and a write queue, and is only touched on its loop:
// every public entry dispatches there. At most one user read is pending
// (`read_`); `satisfy_read` tries it against the buffer, and only when the
// buffer cannot satisfy it does the core ask the socket for more
// (`fill_buffer`, one socket read at a time). A user read that is
// cancelled leaves the socket read running: what it brings lands in the
// buffer for the next read, so no byte is lost. Writes append to `queued_`;
// one socket write at a time sends `sending_`, and each waiting write
// completes when the count of sent bytes passes its mark. Closing (either
// side) fails what is pending with the cause and, once, runs the user's
// close callback and tells the close tracker (a server counting streams).

#include "gale/io/stream.hpp"

#include "read_buffer.hpp"

#include <asio/dispatch.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <variant>
#include <vector>

namespace gale::io::detail {

class stream_core;

using tcp_socket = asio::ip::tcp::socket;
using unix_socket = asio::local::stream_protocol::socket;
/// The connection: a plain socket inline, a TLS stream (some 450 bytes,
/// and OpenSSL's state) behind a pointer, so that a plain stream stays small.
using transport = std::variant<tcp_socket, unix_socket,
                               std::unique_ptr<asio::ssl::stream<tcp_socket>>,
                               std::unique_ptr<asio::ssl::stream<unix_socket>>>;

template <class T>
inline constexpr bool is_pointer_v = false;
template <class T>
inline constexpr bool is_pointer_v<std::unique_ptr<T>> = true;

/// Who counts a server's open streams (tcp_server): told on the loop when
/// one closed.
class close_tracker {
public:
  virtual void stream_closed(stream_core& core) = 0;

protected:
  ~close_tracker() = default;
};

class stream_core : public std::enable_shared_from_this<stream_core> {
public:
  stream_core(transport t, stream_options options);

  asio::any_io_executor executor() const;

  // -- entries from the public handle (dispatch to the loop) ------------
  void read(read_spec spec, completion<std::error_code, std::string> done);
  void read_into(asio::mutable_buffer buffer, bool partial,
                 completion<std::error_code, std::size_t> done);
  void write(std::string bytes, completion<std::error_code> done);
  void start_tls(tls_options options, completion<std::error_code> done);
  void close(std::error_code reason);
  /// close({}), then `done` once the socket is closed (after the TLS
  /// goodbye).
  void close_and_wait(completion<std::error_code> done);

  // -- on the loop ------------------------------------------------------
  /// For gale's own protocol code (the HTTP server, WebSocket), which feeds
  /// a parser with whatever arrives: `done` runs on the loop, never inside
  /// this call, with a view of every byte buffered (consumed when `done`
  /// returns; the view dies with it), or, once the stream ended and nothing
  /// is left, with the cause and no bytes. Takes the place of a user read
  /// (`already_reading` applies). No copy: a message that fits the small
  /// read is seen where the socket put it. `readiness_first` (plain
  /// sockets): wait for readiness holding no buffer, then read on the stack
  /// (an epoll_ctl per wait instead of a failed read; what a
  /// request-response protocol whose connections idle between requests
  /// wants).
  using view_handler = std::function<void(std::error_code, std::string_view)>;
  void read_view(view_handler done, bool readiness_first = false);

  /// For servers sweeping idle connections: a plain stream whose view read
  /// waits with its small buffer, and that has no write under way, gives
  /// the buffer back and waits for readiness instead (one epoll_ctl now
  /// and one when bytes come, which an idle connection can afford). The
  /// read goes on unchanged; no byte is lost.
  void park();
  /// True while a read waits for readiness without a buffer (tests).
  bool parked() const noexcept { return parked_; }
  /// True while the small read buffer is allocated (tests).
  bool holds_small_buffer() const noexcept { return small_ != nullptr; }

  void set_close_callback(std::function<void()> callback);
  /// For gale's own servers (counting, draining): `tracker` learns of the
  /// close once, after the user's callback. One tracker per stream.
  void track_close(std::weak_ptr<close_tracker> tracker);
  std::error_code set_nodelay(bool on);
  std::string peer() const;
  std::string peer_certificate_subject() const;

  bool closed() const noexcept {
    return closed_.load(std::memory_order_acquire);
  }
  std::error_code error() const noexcept { return error_; }
  bool secure() const noexcept { return transport_.index() >= 2; }
  const read_buffer& buffer() const noexcept { return buffer_; }
  std::size_t unsent() const noexcept {
    return static_cast<std::size_t>(queued_total_ - sent_total_);
  }
  const stream_options& options() const noexcept { return options_; }

  /// Runs `f` with the transport's stream object (a socket or a TLS
  /// stream), whichever it is; returns what `f` returns.
  template <class F>
  decltype(auto) on_transport(F&& f) {
    return std::visit(
      [&](auto& alt) -> decltype(auto) {
        if constexpr (is_pointer_v<std::decay_t<decltype(alt)>>)
          return f(*alt);
        else
          return f(alt);
      },
      transport_);
  }
  template <class F>
  decltype(auto) on_transport(F&& f) const {
    return const_cast<stream_core&>(*this).on_transport(std::forward<F>(f));
  }

  /// The loop is going away with our socket operations unrun: drop what
  /// waits on them (user handlers often hold a handle to this stream, and
  /// would keep it alive for ever).
  void abandon() noexcept;

private:
  struct pending_read {
    std::uint64_t id = 0;
    read_spec spec;
    std::unique_ptr<std::regex> regex; ///< kind::regex only
    std::size_t scanned = 0;           ///< delimiter search resumes here
    asio::mutable_buffer into;         ///< read_into: the caller's buffer
    std::size_t filled = 0;            ///< read_into: bytes copied into it
    completion<std::error_code, std::string> text_done;
    completion<std::error_code, std::size_t> size_done;
    view_handler view_done; ///< read_view
    bool readiness_first = false;
  };

  struct pending_write {
    std::uint64_t id;
    std::uint64_t mark; ///< done once sent_total_ reaches it
    completion<std::error_code> done;
  };

  // reads (stream_read.cpp; plain sockets' in stream_plain_read.cpp)
  void begin_read(pending_read r, bool posted);
  bool satisfy_read(bool posted);
  bool satisfy_into(bool posted);
  bool satisfy_view(bool posted);
  void deliver_view(std::string_view bytes, bool from_buffer);
  std::optional<std::size_t> find_end(pending_read& r, std::string_view data,
                                      std::error_code& ec);
  void finish_read(std::error_code ec, std::size_t take, bool posted);
  void deliver(std::error_code ec, std::string out, bool posted);
  void fill_buffer();
  void on_filled(std::error_code ec, std::size_t n);
  void wait_small();
  void on_small(std::error_code ec, std::size_t n, bool full);
  void drain(std::error_code& ec);
  void wait_ready();
  void on_ready();
  void cancel_read(std::uint64_t id);

  // writes and lifetime (stream_core.cpp)
  void send_queued();
  void on_sent(std::error_code ec, std::size_t n);
  void cancel_write(std::uint64_t id);
  void do_close(std::error_code reason, bool posted);
  void tls_goodbye();
  void send_close_notify();
  void on_handshake(std::error_code ec, completion<std::error_code> done);
  template <class F>
  void with_tls(F f);
  void close_socket();
  void tell_closed();

  template <class F>
  void on_loop(F f);
  template <class... Args>
  void watch_cancellation(completion<Args...>& done, std::uint64_t id,
                          void (stream_core::*cancel)(std::uint64_t));

  /// The executor's io_context, when it has one: a cheap "are we on it".
  /// (The executor itself is the socket's.)
  std::optional<asio::io_context::executor_type> loop_;
  transport transport_;
  stream_options options_;
  std::shared_ptr<asio::ssl::context> tls_context_;

  read_buffer buffer_;
  /// Plain sockets: what a read waits with while nothing is buffered
  /// (`idle_read_size` bytes). The read is tried at once (no epoll re-arm,
  /// which waiting for readiness costs), and an idle stream holds this
  /// instead of a whole chunk; more than it holds is drained on the stack.
  std::unique_ptr<char[]> small_;
  std::optional<pending_read> read_;
  bool filling_ = false; ///< a socket read is under way
  bool at_eof_ = false;  ///< the peer ended the stream cleanly
  /// A view handler runs: reads it starts wait until it returns, since
  /// the bytes it sees are still in the buffers.
  bool in_view_ = false;
  bool parking_ = false; ///< the small read is being cancelled for park()
  bool parked_ = false;  ///< waiting for readiness without a buffer

  std::string sending_; ///< handed to the socket, not yet confirmed
  std::string queued_;  ///< waiting for the socket write under way
  std::uint64_t queued_total_ = 0;
  std::uint64_t sent_total_ = 0;
  // A vector: an empty std::deque still holds a 512-byte block, and most
  // streams are idle most of the time.
  std::vector<pending_write> writes_;
  bool writing_ = false; ///< a socket write is under way
  bool tls_handshaking_ = false;

  std::atomic<std::uint64_t> next_op_{1};
  std::atomic<bool> closed_{false};
  std::error_code error_;
  std::function<void()> close_callback_;
  std::weak_ptr<close_tracker> tracker_;
  bool close_told_ = false;
  bool socket_closed_ = false;
  /// A TLS close under way: what bounds it, how it went, who waits for
  /// the socket to close (async_close). Made only when needed: most
  /// streams never say goodbye.
  struct goodbye {
    std::optional<asio::steady_timer> timer;
    std::error_code error; ///< empty: clean, or not TLS
    std::vector<completion<std::error_code>> waiters;
  };
  std::unique_ptr<goodbye> goodbye_;
  goodbye& goodbye_state();
};

/// The handler of the core's own socket operations: runs `f` with the core,
/// or, destroyed unrun (the loop shut down), abandons the core's waiters.
template <class F>
struct core_handler {
  std::shared_ptr<stream_core> self;
  F f;

  core_handler(std::shared_ptr<stream_core> s, F fn)
    : self(std::move(s)), f(std::move(fn)) {}
  core_handler(core_handler&&) noexcept = default;
  core_handler& operator=(core_handler&&) = delete;
  ~core_handler() {
    if (self)
      self->abandon();
  }

  template <class... Args>
  void operator()(Args&&... args) {
    auto core = std::move(self);
    f(*core, std::forward<Args>(args)...);
  }
};

// Runs `f` on the loop: at once when this thread runs it, else queued.
template <class F>
void stream_core::on_loop(F f) {
  if (loop_ && loop_->running_in_this_thread())
    return f(*this);
  // Destroyed unrun (the loop went first), it drops the core's waiters.
  asio::dispatch(executor(), core_handler{shared_from_this(), std::move(f)});
}

// A cancellation through the handler's slot is carried to the loop; the id
// keeps a late one from touching a later operation.
template <class... Args>
void stream_core::watch_cancellation(
  completion<Args...>& done, std::uint64_t id,
  void (stream_core::*cancel)(std::uint64_t)) {
  auto slot = done.cancellation_slot();
  if (!slot.is_connected())
    return;
  slot.assign([weak = weak_from_this(), ex = executor(), id,
               cancel](asio::cancellation_type) {
    asio::post(ex, [weak, id, cancel] {
      if (auto self = weak.lock())
        ((*self).*cancel)(id);
    });
  });
}

} // namespace gale::io::detail
