#pragma once

#include <caf/atom.hpp>
#include <caf/error.hpp>

#include <gale/http/message.hpp>

#include <cstdint>
#include <exception>
#include <string>
#include <system_error>
#include <vector>

namespace gale {

/// Errors of gale's actor layer, the same in every async style.
enum class errc : std::uint8_t {
  timed_out = 1,      ///< the request's deadline passed
  cancelled,          ///< the requester cancelled the operation
  actor_down,         ///< the receiving actor is dead or died meanwhile
  unexpected_reply,   ///< the reply did not have the requested type
  invalid_handle,     ///< the request was sent to no actor
  unknown_connection, ///< no open connection has that id
  unknown_listener,   ///< no open listener has that id
  would_block_loop,   ///< a blocking call on a loop thread would deadlock
  invalid_argument,   ///< an argument the operation cannot take (see message)
  actor_error,        ///< any other error raised by an actor (see message)
  io_error,           ///< an I/O error with no portable code (see message)
  queue_full,         ///< a push that cannot wait met a full queue
};

/// The category of `gale::errc`; its name is "gale".
const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

/// The exception that futures, awaitables and blocking calls throw.
class error : public std::system_error {
public:
  using std::system_error::system_error;
};

/// `gale::errc` as a CAF error (category atom "gale"), so that it crosses
/// actor and process boundaries.
caf::error make_error(errc e);
caf::error make_error(errc e, std::string context);

/// Converts an error of the I/O layer into a CAF error that keeps its code
/// across processes: system, netdb, addrinfo and Asio's misc errors map to
/// categories of their own (system errors come back in Asio's system
/// category, comparable with `asio::error::*`); anything else becomes
/// `errc::io_error`.
caf::error to_caf_error(const std::error_code& ec);

/// As above; a status error (`http::status_category`) also carries `res`,
/// which `http::response_of` gives back.
caf::error to_caf_error(const std::error_code& ec, http::response res);

/// What an exception says, as a CAF error: a `std::system_error`'s code as
/// `to_caf_error` converts it (a status error keeps its response), any
/// other exception `errc::actor_error` with its `what()`.
caf::error to_caf_error(std::exception_ptr failure);

/// The CAF error categories gale's errors use (for `configure`).
const std::vector<caf::atom_value>& error_categories();

/// The inverse of `to_caf_error`; also maps CAF's own errors: a request
/// timeout to `errc::timed_out`, a dead receiver or an exit reason to
/// `errc::actor_down`, an unexpected response to `errc::unexpected_reply`.
std::error_code to_error_code(const caf::error& err);

/// A readable text for `err`, including its context.
std::string describe(const caf::error& err);

} // namespace gale

template <>
struct std::is_error_code_enum<gale::errc> : std::true_type {};
