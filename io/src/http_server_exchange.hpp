#pragma once

// One request on a server connection and the answer it is owed: the
// handler's calls (from any thread) move to the loop and build the answer's
// bytes, which the connection sends in the pipeline's order.

#include <gale/http/content_encoder.hpp>
#include <gale/io/http_server.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gale::io::detail {

class server_connection;

/// How an answer may be compressed (http_server_options).
struct answer_compression {
  bool gzip = false; ///< allowed: the server compresses, the client takes it
  bool vary = false; ///< the server compresses: answers say Vary
  int level = 6;
  std::size_t min_size = 1024;
};

using body_reader = std::function<void(std::error_code, std::string)>;

/// A request body read by the handler (streamed, or given whole).
struct request_body {
  bool streamed = false;
  bool reading = false;  ///< the first read came: the limits are fixed
  bool done = false;     ///< complete, or failed with `error`
  bool given = false;    ///< a whole body went to a read
  std::error_code error; ///< for every read after a failure
  body_reader waiting;   ///< the read the next piece goes to
  std::uint64_t max = 0;
  std::chrono::milliseconds timeout{0};
};

class server_exchange final
  : public http_exchange,
    public std::enable_shared_from_this<server_exchange> {
public:
  server_exchange(asio::any_io_executor ex,
                  std::weak_ptr<server_connection> conn, http::request req,
                  std::string peer, bool keep_alive, answer_compression c = {})
    : ex_(std::move(ex)), loop_(ex_.target<asio::io_context::executor_type>()),
      conn_(std::move(conn)), req_(std::move(req)), peer_(std::move(peer)),
      keep_alive_(keep_alive), compression_(c) {}

  /// An answer the server makes itself: a malformed request's `status`,
  /// which ends the connection.
  static std::shared_ptr<server_exchange> failure(asio::any_io_executor ex,
                                                  int status);
  /// An interim answer (100 Continue): `bytes` as they are.
  static std::shared_ptr<server_exchange> interim(asio::any_io_executor ex,
                                                  std::string bytes);

  const http::request& request() const noexcept override { return req_; }
  const std::string& peer() const noexcept override { return peer_; }
  const std::string& remote_ip() const noexcept override { return remote_ip_; }
  const std::string& scheme() const noexcept override { return scheme_; }
  const std::string& client_certificate_subject() const noexcept override {
    return client_subject_;
  }

  void respond(http::response res) override;
  void begin(http::response head) override;
  void write(std::string piece, std::function<void()> written) override;
  void end() override;
  void abort() override;
  bool body_streamed() const noexcept override { return body_.streamed; }
  void read_body(body_reader got) override;
  void set_max_body_size(std::uint64_t max) override;
  void set_body_timeout(std::chrono::milliseconds timeout) override;
  bool closed() const noexcept override { return gone_.load(); }
  void on_connection_close(std::function<void()> f) override;
  const asio::any_io_executor& executor() const noexcept override {
    return ex_;
  }
  void accept_websocket(websocket_handlers handlers,
                        websocket_options options) override;

  // -- for the connection, on the loop --------------------------------------

  /// What trusted proxies say about the client.
  void set_origin(std::string remote_ip, std::string scheme) {
    remote_ip_ = std::move(remote_ip);
    scheme_ = std::move(scheme);
  }
  void set_client_certificate_subject(std::string subject) {
    client_subject_ = std::move(subject);
  }
  /// The request asked to switch protocols: unless a WebSocket is
  /// accepted, the connection ends after the answer.
  void mark_upgrade_request() { upgrade_request_ = true; }
  /// Writes a line to the access log when the answer is complete.
  void log_access() {
    access_log_ = true;
    began_ = std::chrono::steady_clock::now();
  }
  /// True once an answer has begun (a handler's exception can then only
  /// cut the connection).
  bool started() const noexcept { return started_; }

  /// The body is streamed to the handler, within these limits unless the
  /// handler sets its own.
  void stream_body(std::uint64_t max, std::chrono::milliseconds timeout) {
    body_.streamed = true;
    body_.max = max;
    body_.timeout = timeout;
  }
  const request_body& body() const noexcept { return body_; }
  /// The streamed body's next piece, or its end, for the waiting read.
  void give_body(std::string_view piece);
  void end_body();
  /// The body cannot be read: the read learns `ec`, the client `status`
  /// unless an answer has begun; the connection ends after it.
  void fail_body(std::error_code ec, int status);

  /// The connection went away: nothing more will be sent.
  void abandon();
  /// The whole answer left the pipeline for the network.
  void sent();
  void run_callbacks();

  bool finished() const noexcept { return finished_; }
  bool closes_connection() const noexcept { return !keep_alive_; }

  /// What an accepted WebSocket handshake leaves for the connection.
  struct websocket_setup {
    websocket_handlers handlers;
    websocket_options options;
    std::string subprotocol;
    bool deflate = false;
    http::fields request_headers; ///< the client's handshake
  };
  std::unique_ptr<websocket_setup> take_websocket() {
    return std::move(websocket_);
  }

  std::string out;                              ///< answer bytes ready to send
  std::vector<std::function<void()>> callbacks; ///< of the pieces in `out`

private:
  /// Runs `f` on the loop (unless the connection is gone, and `always` is
  /// false), then lets the connection send what is ready.
  template <class F>
  void on_loop(F f, bool always = false);
  /// Serializes `res` (its head only for HEAD, or when `head_only_body`).
  void prepare(http::response& res, bool head_only_body = false);
  /// Whether `res` (whole, or a streamed head) is to be gzipped; adds
  /// Vary and Content-Encoding when it is.
  bool compress(http::response& res, bool streamed);
  /// A piece of a streamed body as it goes out: compressed, then framed.
  void append_piece(std::string_view piece, bool last);
  void handshake(websocket_handlers handlers, websocket_options options);
  void start_body_read(body_reader got);
  /// The answer is complete: `finished_`, and its access log line.
  void finish();

  asio::any_io_executor ex_;
  /// The executor's io_context, when it has one: a cheap "are we on it".
  const asio::io_context::executor_type* loop_;
  std::weak_ptr<server_connection> conn_;
  http::request req_;
  std::string peer_;
  std::string remote_ip_;
  std::string scheme_ = "http";
  std::string client_subject_;
  bool keep_alive_;
  bool started_ = false;
  bool streaming_ = false;
  bool chunked_ = false;
  bool head_only_ = false;
  bool finished_ = false;
  bool upgrade_request_ = false;
  bool access_log_ = false;
  bool sent_ = false;
  int status_ = 0;
  std::uint64_t body_bytes_ = 0;
  std::chrono::steady_clock::time_point began_;
  std::unique_ptr<websocket_setup> websocket_;
  std::function<void()> on_close_;
  request_body body_;
  answer_compression compression_;
  std::unique_ptr<http::gzip_encoder> encoder_; ///< a gzipped stream's
  std::atomic<bool> gone_{false};
};

} // namespace gale::io::detail
