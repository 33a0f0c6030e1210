#pragma once

#include "gale/atoms.hpp"
#include "gale/http_messages.hpp"

#include <gale/io/http_server.hpp>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/timespan.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace gale {

/// Names an open TCP connection of one I/O actor.
using connection_id = std::uint64_t;

/// Names an open listening socket of one I/O actor.
using listener_id = std::uint64_t;

/// Names a signal registration of one I/O actor.
using signal_subscription = std::uint64_t;

/// What `listen` opened: the listener and the port it is bound to.
struct listener_info {
  listener_id id = 0;
  std::uint16_t port = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, listener_info& x) {
  return f(caf::meta::type_name("gale::listener_info"), x.id, x.port);
}

inline bool operator==(const listener_info& x, const listener_info& y) {
  return x.id == y.id && x.port == y.port;
}

/// How `start_tls` speaks TLS on a connection: `io::tls_options` as a
/// message. The files are read by the I/O actor, on its own host.
struct tls_settings {
  bool server = false; ///< the server side of the handshake
  /// Client: the name sent as SNI and checked against the certificate.
  std::string server_name;
  /// Client: check the server's chain and name. Server: require a valid
  /// client certificate (mutual TLS; needs `ca_file`).
  bool verify_peer = true;
  std::string ca_file; ///< PEM; empty: the system's store
  std::string certificate_file;
  std::string private_key_file;

  /// The client side for `server_name`, against the system's CAs.
  static tls_settings client(std::string server_name) {
    tls_settings s;
    s.server_name = std::move(server_name);
    return s;
  }

  /// The server side with a certificate chain and its key.
  static tls_settings server_with(std::string certificate_file,
                                  std::string private_key_file) {
    tls_settings s;
    s.server = true;
    s.verify_peer = false;
    s.certificate_file = std::move(certificate_file);
    s.private_key_file = std::move(private_key_file);
    return s;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tls_settings& x) {
  return f(caf::meta::type_name("gale::tls_settings"), x.server, x.server_name,
           x.verify_peer, x.ca_file, x.certificate_file, x.private_key_file);
}

/// A callback for a POSIX signal, run on the I/O actor's loop thread.
/// Local only: it cannot cross a process boundary.
using signal_callback = std::function<void(int signal_number)>;

/// The I/O actor's message interface. Every operation that can wait takes an
/// `op_id` (for `cancel`) and a timeout (zero: none) enforced on the loop,
/// which cancels the I/O itself: a timed-out read loses no bytes.
///
// clang-format off
/// | request | reply |
/// |---|---|
/// | `ping` | `pong`, answered by the actor itself (no loop hop) |
/// | `sleep, op, duration` | nothing, after `duration` |
/// | `resolve, op, timeout, host, service` | addresses as text |
/// | `connect, op, timeout, host, service` | a connection id; host `unix:/path` connects to a Unix domain socket (service ignored) |
/// | `read, op, timeout, connection, max` | 1 to `max` bytes (allocating what arrives); EOF is an error |
/// | `read_until, op, timeout, connection, delimiter, max` | up to and including `delimiter`; `stream_errc::unsatisfiable_read` when it does not come within `max` (0: the buffer's 16 MiB), and the bytes stay readable |
/// | `write, op, timeout, connection, bytes` | the number of bytes written (all) |
/// | `close, connection` | nothing; pending reads and writes fail |
/// | `listen, host, port` | a `listener_info` (port 0 picks one); host `unix:/path` listens on a Unix domain socket (port 0 in the reply; a stale socket file is replaced, the file removed by `unlisten`) |
/// | `unlisten, listener` | nothing; pending accepts fail |
/// | `accept, op, timeout, listener` | a connection id |
/// | `start_tls, op, timeout, connection, tls_settings` | nothing, once the handshake is done (client or server side); a failed, timed-out or cancelled handshake closes the connection; files that cannot be loaded fail at once, the connection unchanged; `stream_errc::not_idle` while a read or write is pending |
/// | `cancel, op` | no reply; the operation fails with `errc::cancelled` |
/// | `signal, number, actor` | an id; `actor` gets `(signal, number)` per delivery |
/// | `signal, number, callback` | an id; the callback runs on the loop thread |
/// | `unsignal, id` | nothing |
/// | `fetch, op, http_request` | an `http::response` (see `http_client_actor`) |
/// | `serve, options, handler` | a `listener_info`: an HTTP server runs (local only) |
/// | `unserve, listener, grace` | nothing, once the server shut down gracefully |
// clang-format on
///
/// Errors come as `caf::error`; `gale::to_error_code` converts them.
using io_actor = caf::typed_actor<
  caf::replies_to<ping_atom>::with<pong_atom>,
  caf::replies_to<sleep_atom, op_id, caf::timespan>::with<void>,
  caf::replies_to<resolve_atom, op_id, caf::timespan, std::string,
                  std::string>::with<std::vector<std::string>>,
  caf::replies_to<connect_atom, op_id, caf::timespan, std::string,
                  std::string>::with<connection_id>,
  caf::replies_to<read_atom, op_id, caf::timespan, connection_id,
                  std::uint32_t>::with<std::string>,
  caf::replies_to<read_until_atom, op_id, caf::timespan, connection_id,
                  std::string, std::uint32_t>::with<std::string>,
  caf::replies_to<write_atom, op_id, caf::timespan, connection_id,
                  std::string>::with<std::uint64_t>,
  caf::replies_to<close_atom, connection_id>::with<void>,
  caf::replies_to<listen_atom, std::string, std::uint16_t>::with<listener_info>,
  caf::replies_to<unlisten_atom, listener_id>::with<void>,
  caf::replies_to<accept_atom, op_id, caf::timespan,
                  listener_id>::with<connection_id>,
  caf::replies_to<start_tls_atom, op_id, caf::timespan, connection_id,
                  tls_settings>::with<void>,
  caf::reacts_to<cancel_atom, op_id>,
  caf::replies_to<signal_atom, int, caf::actor>::with<signal_subscription>,
  caf::replies_to<signal_atom, int, signal_callback>::with<signal_subscription>,
  caf::replies_to<unsignal_atom, signal_subscription>::with<void>,
  caf::replies_to<fetch_atom, op_id, io::http_request>::with<http::response>,
  caf::replies_to<serve_atom, io::http_server_options,
                  io::http_handler>::with<listener_info>,
  caf::replies_to<unserve_atom, listener_id, caf::timespan>::with<void>>;

/// Spawns an I/O actor: it starts one loop thread, which it stops and joins
/// when it terminates; every request still pending then fails with
/// `errc::actor_down`. Send it an exit (or drop every handle to it) before
/// the actor system is destroyed.
io_actor spawn_io_actor(caf::actor_system& sys);

/// As above, with options for the HTTP client on the actor's loop.
io_actor spawn_io_actor(caf::actor_system& sys,
                        io::http_client_options http_options);

/// An HTTP client actor: an I/O actor seen through its HTTP interface.
inline http_client_actor
spawn_http_client(caf::actor_system& sys,
                  io::http_client_options options = {}) {
  return spawn_io_actor(sys, options);
}

} // namespace gale

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gale::signal_callback)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gale::io::http_handler)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gale::io::http_server_options)
