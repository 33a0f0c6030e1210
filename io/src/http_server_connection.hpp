#pragma once

// One HTTP/1.1 server connection over a stream (Tornado's
// HTTP1ServerConnection): requests parsed from what the stream reads,
// handed to the handler as exchanges, answered in the pipeline's order;
// header, idle and graceful-shutdown deadlines; an accepted WebSocket
// upgrade hands the stream to a ws_connection.

#include "deadline.hpp"
#include "deadline_list.hpp"
#include "http_server_exchange.hpp"

#include <gale/http/parser.hpp>
#include <gale/io/http_server.hpp>
#include <gale/io/stream.hpp>
#include <gale/io/tcp_server.hpp>

#include <asio/steady_timer.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace gale::io {

namespace detail {
class server_connection;
class ws_connection;
struct ws_setup;
} // namespace detail

/// What the connections of one server share, on its loop.
struct http_server::core : std::enable_shared_from_this<http_server::core> {
  core(asio::any_io_executor e, http_server_options o, http_handler h)
    : ex(std::move(e)), opts(std::move(o)), handler(std::move(h)),
      header_deadlines(opts.header_timeout), body_deadlines(opts.body_timeout),
      idle_deadlines(opts.idle_timeout), deadline_timer(ex) {}

  asio::any_io_executor ex;
  http_server_options opts;
  http_handler handler;
  std::unique_ptr<tcp_server> listener;
  std::unordered_set<std::shared_ptr<detail::server_connection>> connections;
  /// Connections that became WebSockets, until they end.
  std::unordered_set<std::shared_ptr<detail::ws_connection>> websockets;
  bool shutting_down = false;
  std::function<void()> on_drained;
  std::unique_ptr<detail::deadline> grace_timer;
  /// Every connection's header, body or idle deadline, and the one timer
  /// for the earliest of them.
  detail::deadline_list header_deadlines;
  detail::deadline_list body_deadlines;
  detail::deadline_list idle_deadlines;
  asio::steady_timer deadline_timer;
  detail::deadline_entry::clock::time_point timer_due =
    detail::deadline_entry::clock::time_point::max();
  /// Gives idle WebSockets' read buffers back (`idle_release`).
  std::unique_ptr<asio::steady_timer> sweeper;
  bool sweeping = false;

  /// A connection ended or became a WebSocket: forget it; the last one
  /// ends a shutdown.
  void forget(const std::shared_ptr<detail::server_connection>& c);
  /// A WebSocket over `s`, counted until it ends.
  std::shared_ptr<detail::ws_connection>
  adopt_websocket(stream s, detail::ws_setup setup,
                  websocket_handlers handlers);
  void forget(const std::shared_ptr<detail::ws_connection>& ws);
  void check_drained();
  /// Arms `e` in `list`, waking the timer earlier if it must.
  void arm(detail::deadline_list& list, detail::deadline_entry& e);
  /// Closes the connections whose deadline passed; sets the timer anew.
  void expire_deadlines();
  void schedule_deadlines();
  /// Arms the sweep for idle connections, unless it runs already.
  void sweep_soon();
  void sweep();
};

namespace detail {

/// The deadline entry is the connection's header, body or idle timeout, in
/// one of the server's lists.
class server_connection
  : public std::enable_shared_from_this<server_connection>,
    public deadline_entry {
public:
  server_connection(std::shared_ptr<http_server::core> server, stream s);

  void start();
  /// Ends the connection now; exchanges in flight learn it is gone.
  void close();
  /// Stop after the requests in progress (graceful shutdown).
  void close_when_idle();
  /// True for the last answer the connection owes in a graceful shutdown:
  /// it tells the client that the connection closes.
  bool last_before_shutdown(const http_exchange* x) const noexcept;
  /// Sends what the exchanges at the front have ready, in order.
  void flush();
  /// The body stalled past body_timeout: 408, then the connection closes.
  void body_timed_out();
  /// A streamed body's consumer waits for its next piece; `first` for its
  /// first read, which fixes the body's limits.
  void resume_body(bool first);

private:
  using exchange_ptr = std::shared_ptr<server_exchange>;

  void read();
  void on_bytes(std::error_code ec, std::string_view bytes);
  void pump();
  /// The request's head is in: false when it was refused.
  bool on_head();
  void on_request();
  /// The exchange for the request just parsed (its head, and its body
  /// unless streamed).
  exchange_ptr make_exchange();
  /// Queues `x` for its answer and runs the handler on it.
  void run_handler(const exchange_ptr& x);
  // Streamed bodies (http_server_body.cpp).
  void start_streamed_request(bool continue_owed);
  /// The body piece, or end, the parser gave goes to the consumer.
  void feed_streamed_body(http::parser_event event);
  void body_failed(std::error_code ec, int status);
  void pause_body();
  void fail(std::error_code ec);
  /// Answers `status` after the answers before it, then closes.
  void refuse(int status);
  void send_interim(std::string bytes);
  void send(std::string batch, std::vector<std::function<void()>> written,
            bool last);
  void after_answers();
  /// The connection ends after its last answer; lingering first when the
  /// client may still be sending a body nobody reads.
  void close_after_last_answer();
  /// While lingering: reads and drops what comes, until the client closes.
  void drop_rest();
  void upgrade(std::string response_head,
               server_exchange::websocket_setup setup);
  void go_idle();
  void arm_header_timeout();
  void arm_body_timeout();
  void arm_idle_timeout();
  http::parser& parser();

  std::shared_ptr<http_server::core> server_;
  stream stream_;
  std::string peer_;           ///< "ip:port"
  std::string client_subject_; ///< the client's TLS certificate, if any
  /// What reading a request needs; only while one is on its way, so that
  /// an idle connection holds none of it.
  struct incoming_request {
    http::parser parser;
    http::request current;
  };
  std::unique_ptr<incoming_request> in_;
  /// The request whose body streams to its handler, while it does.
  exchange_ptr streaming_;
  /// A handler's own body timeout, unlike the server's, or the end of
  /// lingering after the last answer (rarely made).
  std::unique_ptr<asio::steady_timer> body_timer_;
  bool continue_owed_ = false; ///< 100 Continue, at the first body read
  bool body_unread_ = false;   ///< refused with its body unread
  bool lingering_ = false;     ///< answered; dropping the client's rest
  // A vector, not a deque: an empty std::deque still holds a 512-byte
  // block, and most connections are idle most of the time.
  std::vector<exchange_ptr> pipeline_;
  bool reading_ = false;
  bool pumping_ = false;
  bool writing_ = false;
  bool closing_ = false;  ///< no more requests are read
  bool draining_ = false; ///< the server shuts down
  bool closed_ = false;
  bool got_head_ = false;
  bool header_timer_armed_ = false;
};

} // namespace detail
} // namespace gale::io
