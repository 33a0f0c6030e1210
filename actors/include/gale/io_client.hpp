#pragma once

#include "gale/io_actor.hpp"
#include "gale/requester.hpp"

#include <caf/actor_cast.hpp>
#include <caf/make_message.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace gale {

/// The I/O actor as a C++ object: one initiating function per operation,
/// whose last argument, an Asio completion token, picks the style.
///
/// ```
/// client.sleep(100ms, [](std::error_code ec) { ... });      // callback
/// auto f = client.resolve("localhost", "80", gale::use_future);  // future
/// auto c = co_await client.connect(h, p, asio::use_awaitable); // coroutine
/// auto n = client.write(c, "hi", gale::use_blocking);        // blocking
/// client.read(c, 4096, gale::to_queue(q));                    // queue
/// ```
///
/// Cancelling through the token's cancellation slot stops the I/O on the
/// loop, which then answers `errc::cancelled`. Copies are cheap and share
/// one requester. Works the same with a remote I/O actor.
class io_client {
public:
  /// Talks to `io` through a requester of its own.
  io_client(caf::actor_system& sys, io_actor io)
    : io_client(std::make_shared<requester>(sys), std::move(io)) {}

  io_client(std::shared_ptr<requester> req, io_actor io)
    : requester_(std::move(req)), io_(std::move(io)) {}

  /// A copy whose operations fail with `errc::timed_out` after `limit`
  /// (enforced on the loop, which stops the I/O first). Default: none.
  io_client with_timeout(std::chrono::nanoseconds limit) const {
    auto copy = *this;
    copy.timeout_ = limit;
    return copy;
  }

  const io_actor& actor() const noexcept { return io_; }
  requester& get_requester() const noexcept { return *requester_; }

  /// One round trip to the actor, without touching the loop.
  template <class Token>
  auto ping(Token&& token) const {
    return requester_->async_request<pong_atom>(io_, deadline(),
                                                caf::make_message(ping_atom_v),
                                                std::forward<Token>(token));
  }

  /// Completes after `duration`. Signature `void(std::error_code)`.
  template <class Token>
  auto sleep(std::chrono::nanoseconds duration, Token&& token) const {
    auto id = requester_->next_op_id();
    return run<void>(
      id, caf::make_message(sleep_atom_v, id, caf::timespan{duration}),
      std::forward<Token>(token));
  }

  /// Resolves a host name. Signature `void(std::error_code,
  /// std::vector<std::string>)` (addresses as text).
  template <class Token>
  auto resolve(std::string host, std::string service, Token&& token) const {
    auto id = requester_->next_op_id();
    return run<std::vector<std::string>>(
      id,
      caf::make_message(resolve_atom_v, id, loop_timeout(), std::move(host),
                        std::move(service)),
      std::forward<Token>(token));
  }

  /// Connects over TCP (happy eyeballs), or to the Unix domain socket
  /// `unix:/path` (the service is then ignored). Signature
  /// `void(std::error_code, connection_id)`.
  template <class Token>
  auto connect(std::string host, std::string service, Token&& token) const {
    auto id = requester_->next_op_id();
    return run<connection_id>(id,
                              caf::make_message(connect_atom_v, id,
                                                loop_timeout(), std::move(host),
                                                std::move(service)),
                              std::forward<Token>(token));
  }

  /// Reads 1 to `max` bytes. Signature `void(std::error_code, std::string)`;
  /// the end of the stream is `asio::error::eof`.
  template <class Token>
  auto read(connection_id c, std::uint32_t max, Token&& token) const {
    auto id = requester_->next_op_id();
    return run<std::string>(
      id, caf::make_message(read_atom_v, id, loop_timeout(), c, max),
      std::forward<Token>(token));
  }

  /// Reads up to and including `delimiter`, within `max` bytes (0: the
  /// stream's buffer limit). Signature `void(std::error_code, std::string)`;
  /// `io::stream_errc::unsatisfiable_read` leaves the bytes readable.
  template <class Token>
  auto read_until(connection_id c, std::string delimiter, std::uint32_t max,
                  Token&& token) const {
    auto id = requester_->next_op_id();
    return run<std::string>(id,
                            caf::make_message(read_until_atom_v, id,
                                              loop_timeout(), c,
                                              std::move(delimiter), max),
                            std::forward<Token>(token));
  }

  /// Writes all of `bytes`; done once they are handed to the kernel.
  /// Signature `void(std::error_code, std::uint64_t)`.
  template <class Token>
  auto write(connection_id c, std::string bytes, Token&& token) const {
    auto id = requester_->next_op_id();
    return run<std::uint64_t>(
      id,
      caf::make_message(write_atom_v, id, loop_timeout(), c, std::move(bytes)),
      std::forward<Token>(token));
  }

  /// Closes a connection. Signature `void(std::error_code)`.
  template <class Token>
  auto close(connection_id c, Token&& token) const {
    return run<void>(0, caf::make_message(close_atom_v, c),
                     std::forward<Token>(token));
  }

  /// Listens on `host`:`port` (0: any free port), or on the Unix domain
  /// socket `unix:/path` (port 0 in the reply). Signature
  /// `void(std::error_code, listener_info)`.
  template <class Token>
  auto listen(std::string host, std::uint16_t port, Token&& token) const {
    return run<listener_info>(
      0, caf::make_message(listen_atom_v, std::move(host), port),
      std::forward<Token>(token));
  }

  /// Closes a listener; accepts pending on it fail. Signature
  /// `void(std::error_code)`.
  template <class Token>
  auto unlisten(listener_id l, Token&& token) const {
    return run<void>(0, caf::make_message(unlisten_atom_v, l),
                     std::forward<Token>(token));
  }

  /// Accepts one connection. Signature `void(std::error_code, connection_id)`.
  template <class Token>
  auto accept(listener_id l, Token&& token) const {
    auto id = requester_->next_op_id();
    return run<connection_id>(
      id, caf::make_message(accept_atom_v, id, loop_timeout(), l),
      std::forward<Token>(token));
  }

  /// Starts TLS on connection `c` (the client or the server side, as
  /// `settings.server` says). Signature `void(std::error_code)`; a failed
  /// handshake closes the connection.
  template <class Token>
  auto start_tls(connection_id c, tls_settings settings, Token&& token) const {
    auto id = requester_->next_op_id();
    return run<void>(id,
                     caf::make_message(start_tls_atom_v, id, loop_timeout(), c,
                                       std::move(settings)),
                     std::forward<Token>(token));
  }

  /// Runs `cb` on the loop thread for every delivery of `signal_number`.
  /// Signature `void(std::error_code, signal_subscription)`. Local only.
  template <class Token>
  auto on_signal(int signal_number, signal_callback cb, Token&& token) const {
    return run<signal_subscription>(
      0, caf::make_message(signal_atom_v, signal_number, std::move(cb)),
      std::forward<Token>(token));
  }

  /// Sends `(signal_atom, number)` to `subscriber` for every delivery.
  /// Signature `void(std::error_code, signal_subscription)`.
  template <class Token>
  auto subscribe_signal(int signal_number, caf::actor subscriber,
                        Token&& token) const {
    return run<signal_subscription>(
      0, caf::make_message(signal_atom_v, signal_number, std::move(subscriber)),
      std::forward<Token>(token));
  }

  /// Runs an HTTP server on the actor's loop; `handler` runs there for
  /// every request. Signature `void(std::error_code, listener_info)`.
  /// Local only.
  template <class Token>
  auto serve(io::http_server_options options, io::http_handler handler,
             Token&& token) const {
    return run<listener_info>(
      0,
      caf::make_message(serve_atom_v, std::move(options), std::move(handler)),
      std::forward<Token>(token));
  }

  /// Shuts a server down gracefully (see `io::http_server::shutdown`);
  /// completes when its last connection closed. Signature
  /// `void(std::error_code)`.
  template <class Token>
  auto stop_serving(listener_id server, std::chrono::milliseconds grace,
                    Token&& token) const {
    return run<void>(
      0, caf::make_message(unserve_atom_v, server, caf::timespan{grace}),
      std::forward<Token>(token));
  }

  /// Ends a signal registration. Signature `void(std::error_code)`.
  template <class Token>
  auto remove_signal(signal_subscription id, Token&& token) const {
    return run<void>(0, caf::make_message(unsignal_atom_v, id),
                     std::forward<Token>(token));
  }

private:
  // The loop enforces the operation's own timeout; the requester waits a
  // little longer, so it only fires when the actor cannot answer at all.
  static constexpr std::chrono::seconds requester_grace{5};

  caf::timespan loop_timeout() const {
    return caf::timespan{timeout_.value_or(std::chrono::nanoseconds::zero())};
  }

  gale::timeout deadline() const {
    if (!timeout_)
      return caf::infinite;
    return *timeout_ + requester_grace;
  }

  template <class R, class Token>
  auto run(op_id id, caf::message msg, Token&& token) const {
    auto dest = caf::actor_cast<caf::strong_actor_ptr>(io_);
    std::function<void()> on_cancel;
    if (id != 0)
      on_cancel = [weak = std::weak_ptr<requester>{requester_}, dest, id] {
        if (auto req = weak.lock())
          req->tell(dest, caf::make_message(cancel_atom_v, id));
      };
    return requester_->async_request_forwarding_cancel<R>(
      dest, deadline(), std::move(msg), std::move(on_cancel),
      std::forward<Token>(token));
  }

  std::shared_ptr<requester> requester_;
  io_actor io_;
  std::optional<std::chrono::nanoseconds> timeout_;
};

} // namespace gale
