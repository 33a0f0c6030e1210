#pragma once

#include "gale/detail/reply_slot.hpp"
#include "gale/error.hpp"
#include "gale/io_actor.hpp"

#include <gale/io/http_client.hpp>
#include <gale/io/http_server.hpp>
#include <gale/io/stream.hpp>
#include <gale/io/tcp.hpp>

#include <asio/any_io_executor.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/steady_timer.hpp>

#include <caf/actor_addr.hpp>

#include <map>
#include <memory>
#include <optional>
#include <variant>
#include <unordered_map>
#include <utility>

namespace gale::detail {

/// One request for an operation, as the loop sees it.
struct op_ticket {
  caf::actor_addr requester; ///< with `id`, the key for `cancel`
  op_id id = 0;
  caf::timespan timeout{0}; ///< zero: no deadline
  reply_slot reply;
};

/// The I/O actor's loop side: owns every socket, listener and pending
/// operation of one loop, and answers requests through their reply slots.
///
/// Theory of operation: the actor posts each request here; every member
/// function runs on the loop thread (the actor touches nothing here while
/// the loop runs). An operation ends in exactly one reply: its result, its
/// I/O error, or the reason it was stopped (`cancelled`, `timed_out`). A
/// stop cancels the I/O through an `asio::cancellation_signal` and waits
/// for the I/O to complete, so bytes that arrived meanwhile are delivered,
/// not lost; only resolve and connect, which change no state, answer at
/// once. `shutdown` runs after the loop thread stopped: it closes every
/// socket, and the reply slots destroyed with the loop's handlers answer
/// `actor_down`.
class io_engine : public std::enable_shared_from_this<io_engine> {
public:
  io_engine(const asio::any_io_executor& ex,
            io::http_client_options http_options);

  void sleep(op_ticket t, caf::timespan duration);
  void resolve(op_ticket t, std::string host, std::string service);
  void connect(op_ticket t, std::string host, std::string service);
  void read(op_ticket t, connection_id c, std::uint32_t max);
  void read_until(op_ticket t, connection_id c, std::string delimiter,
                  std::uint32_t max);
  void write(op_ticket t, connection_id c, std::string bytes);
  void accept(op_ticket t, listener_id l);
  void start_tls(op_ticket t, connection_id c, tls_settings settings);
  void fetch(op_ticket t, io::http_request req);
  void serve(reply_slot reply, io::http_server_options options,
             io::http_handler handler);
  void unserve(reply_slot reply, listener_id id, caf::timespan grace);
  void close(reply_slot reply, connection_id c);
  void listen(reply_slot reply, const std::string& host, std::uint16_t port);
  void unlisten(reply_slot reply, listener_id l);
  void cancel(const caf::actor_addr& requester, op_id id);

  /// Precondition: the loop thread has stopped.
  void shutdown();

  /// The HTTP client on this loop (thread-safe to start fetches on).
  io::http_client& http() noexcept { return http_; }

  /// One operation under way: its reply, and how to stop it.
  struct pending_op {
    std::pair<caf::actor_addr, op_id> key;
    reply_slot reply;
    asio::cancellation_signal signal;
    std::optional<asio::steady_timer> deadline;
    std::optional<errc> stopped_by;
    bool reply_at_once_on_stop = false;

    auto slot() { return signal.slot(); }
  };
  using op_ptr = std::shared_ptr<pending_op>;

  /// A listening socket: TCP, or a Unix socket whose file goes with it.
  struct listener {
    std::variant<io::tcp::acceptor, asio::local::stream_protocol::acceptor>
      acceptor;
    std::string unix_path;
    void close();
  };

private:
  op_ptr begin(op_ticket t, bool reply_at_once_on_stop);
  connection_id adopt(io::stream s);
  void listen_unix(reply_slot reply, const std::string& path);
  /// The connection `c`, or null after answering `unknown_connection`.
  io::stream* find(connection_id c, reply_slot& reply);
  void stop(const op_ptr& op, errc reason);
  void forget(const op_ptr& op);
  void finish(const op_ptr& op, std::error_code ec, caf::message result);

  asio::any_io_executor ex_;
  std::unordered_map<connection_id, io::stream> connections_;
  std::unordered_map<listener_id, std::shared_ptr<listener>> listeners_;
  std::map<std::pair<caf::actor_addr, op_id>, std::weak_ptr<pending_op>> ops_;
  std::uint64_t next_id_ = 1;
  io::http_client http_;
  std::unordered_map<listener_id, std::unique_ptr<io::http_server>> servers_;
};

} // namespace gale::detail
