#pragma once

// One open WebSocket, either end, over a stream: the protocol of
// ws_protocol.hpp fed with what the stream reads, frames written back in
// order, keep-alive pings, the closing handshake with a timeout. The client
// hands it the stream after the 101, the server after writing its 101; the
// connection owns the stream from then on.

#include "deadline.hpp"
#include "ws_protocol.hpp"

#include <gale/io/http_server.hpp>
#include <gale/io/stream.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace gale::io::detail {

/// What the handshake agreed on, and the limits that apply.
struct ws_setup {
  bool client = false; ///< our frames are masked, the peer's must not be
  std::uint64_t max_message = 16 * 1024 * 1024;
  bool deflate = false;
  std::chrono::milliseconds ping_interval{30'000}; ///< zero: no pings
  std::chrono::milliseconds ping_timeout{0};       ///< zero: ping_interval
  std::uint64_t max_outgoing = 16 * 1024 * 1024;
  std::string subprotocol;
  http::fields peer_headers; ///< the other end's handshake fields
};

class ws_connection final : public websocket,
                            public std::enable_shared_from_this<ws_connection> {
public:
  ws_connection(stream s, ws_setup setup, websocket_handlers handlers);

  /// On the loop: runs on_open, then reads. `early` holds bytes the peer
  /// sent right behind its handshake that were read with it.
  void start(std::string_view early);

  void send_text(std::string text) override;
  void send_binary(std::string bytes) override;
  void send(std::string message, bool binary,
            std::function<void(std::error_code)> sent) override;
  void close(std::uint16_t code, std::string reason) override;
  void ping(std::string payload) override;
  void pause_reading() override;
  void resume_reading() override;
  /// Ends the connection without a closing handshake (on_close: 1006).
  void abort();
  /// On the loop: parks the stream's read when nothing came or went since
  /// the last call (see stream_core::park).
  void release_if_idle();
  const std::string& subprotocol() const noexcept override {
    return setup_.subprotocol;
  }
  const std::string& peer() const noexcept override { return peer_; }
  const http::fields& handshake_headers() const noexcept override {
    return setup_.peer_headers;
  }
  bool closed() const noexcept override { return gone_.load(); }
  std::optional<std::uint16_t> close_code() const override;
  std::string close_reason() const override;
  const asio::any_io_executor& executor() const noexcept override {
    return ex_;
  }

private:
  template <class F>
  void on_loop(F f);
  void read();
  void on_bytes(std::error_code ec, std::string_view bytes);
  void pump();
  /// Queues a data message: `sent` (may be empty) learns its fate.
  void send(ws::opcode op, std::string_view payload,
            std::function<void(std::error_code)> sent);
  /// Fails the sends not yet written (the connection ends).
  void fail_unsent(std::error_code ec);
  void flush();
  /// A write ended: tells its sends, then writes what queued meanwhile.
  void on_written(std::error_code ec);
  void arm_ping();
  /// The ping went out: the pong is owed within ping_timeout.
  void await_pong();
  void end();

  asio::any_io_executor ex_;
  stream stream_;
  ws_setup setup_;
  websocket_handlers handlers_;
  ws_protocol protocol_;
  deadline timer_;
  std::string peer_;
  /// The `sent` callbacks (non-empty ones only) of the messages in
  /// protocol_.out, and of those in the write under way, in order.
  std::vector<std::function<void(std::error_code)>> unsent_;
  std::vector<std::function<void(std::error_code)>> writing_sent_;
  std::size_t in_flight_ = 0; ///< bytes of the write under way
  bool reading_ = false;
  bool writing_ = false;
  bool open_ = false;
  bool ended_ = false;
  bool paused_ = false; ///< pause_reading: no delivery, no reading
  bool active_ = true;  ///< traffic since the last release_if_idle
  std::atomic<bool> gone_{false};
  /// What on_close was told, for close_code() from any thread.
  mutable std::mutex end_mutex_;
  std::optional<std::uint16_t> end_code_;
  std::string end_reason_;
};

} // namespace gale::io::detail
