#pragma once

// The HTTP client's messages: how requests and responses cross actor and
// process boundaries (CAF inspection), and the HTTP client actor's typed
// interface.

#include "gale/atoms.hpp"
#include "gale/error.hpp"

#include <gale/http/error.hpp>
#include <gale/http/message.hpp>
#include <gale/io/http_client.hpp>

#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/none.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <string>
#include <utility>
#include <vector>

namespace gale::detail {

// Times of day travel as nanoseconds since the epoch.
inline std::int64_t to_wire(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           t.time_since_epoch())
    .count();
}

inline std::chrono::system_clock::time_point from_wire(std::int64_t ns) {
  return std::chrono::system_clock::time_point{
    std::chrono::duration_cast<std::chrono::system_clock::duration>(
      std::chrono::nanoseconds{ns})};
}

} // namespace gale::detail

namespace gale::http {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fields& x) {
  // Fields keep their order and duplicates: they travel as a list.
  std::vector<std::pair<std::string, std::string>> items;
  if constexpr (Inspector::reads_state)
    items.assign(x.begin(), x.end());
  return f(caf::meta::type_name("gale::http::fields"), items,
           caf::meta::load_callback([&]() -> caf::error {
             x.clear();
             for (auto& [name, value] : items)
               x.add(std::move(name), std::move(value));
             return caf::none;
           }));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fetch_attempt& x) {
  return f(caf::meta::type_name("gale::http::fetch_attempt"), x.url, x.start,
           x.duration, x.status, x.error);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, time_info& x) {
  return f(caf::meta::type_name("gale::http::time_info"), x.queue, x.namelookup,
           x.connect, x.tls, x.first_byte, x.attempts);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fetch_info& x) {
  std::int64_t start = 0;
  if constexpr (Inspector::reads_state)
    start = detail::to_wire(x.start_time);
  auto restore = [&]() -> caf::error {
    x.start_time = detail::from_wire(start);
    return caf::none;
  };
  return f(caf::meta::type_name("gale::http::fetch_info"), x.method, x.url,
           x.request_headers, x.effective_url, start, x.request_time, x.time,
           caf::meta::load_callback(restore));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, response& x) {
  return f(caf::meta::type_name("gale::http::response"), x.version, x.status,
           x.reason, x.headers, x.body, x.fetch);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, request& x) {
  return f(caf::meta::type_name("gale::http::request"), x.method, x.target,
           x.version, x.headers, x.body);
}

/// An answer in pieces from a handler actor: `head`, then each piece as
/// it is written (chunked unless `head` has a Content-Length). With
/// `more` non-zero the body goes on: once these pieces have been written
/// the handler actor is asked for the next ones with a
/// `response_pieces_wanted{more}` request (server-sent events, long
/// downloads; the actor's own id for this answer).
struct streamed_response {
  response head;
  std::vector<std::string> pieces;
  std::uint64_t more = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, streamed_response& x) {
  return f(caf::meta::type_name("gale::http::streamed_response"), x.head,
           x.pieces, x.more);
}

/// The server asks a handler actor for more of the answer it streams
/// (`streamed_response::more` is `id`): sent once every piece before has
/// been written to the network, so this request is the actor's notice that
/// they left, and a slow client slows the actor (flow control). There is
/// no deadline: the actor may hold the request until it has something to
/// send (an event). The reply is a `response_pieces`. `gone`: the client
/// went away (also while an earlier request waits); nothing more will be
/// sent and replies are ignored, so the actor can free what the answer
/// holds.
struct response_pieces_wanted {
  std::uint64_t id = 0;
  bool gone = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        response_pieces_wanted& x) {
  return f(caf::meta::type_name("gale::http::response_pieces_wanted"), x.id,
           x.gone);
}

/// The reply to a `response_pieces_wanted`: pieces to write, and `last` to
/// end the answer after them. Any other reply, or an error (the actor
/// died), cuts the connection: the client sees a truncated body, not a
/// complete one.
struct response_pieces {
  std::vector<std::string> pieces;
  bool last = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, response_pieces& x) {
  return f(caf::meta::type_name("gale::http::response_pieces"), x.pieces,
           x.last);
}

/// A request whose body streams to a handler actor
/// (`io::http_server_options::stream_request_body`): its head, with an
/// empty body, and the id its body's pieces carry. The reply (an
/// `http::response` or `streamed_response`) is the answer.
struct streamed_request {
  std::uint64_t id = 0;
  request head;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, streamed_request& x) {
  return f(caf::meta::type_name("gale::http::streamed_request"), x.id, x.head);
}

/// A piece of a streamed request's body, sent as a request: the next piece
/// comes once the actor replied (with anything, or nothing from a handler
/// returning void), so a busy actor slows the client. `last` ends the
/// body: it is complete when `error` is empty, else it failed (the server
/// has answered, 413, 408 or 400, or the client is gone) and `error` says
/// why.
struct request_body_piece {
  std::uint64_t id = 0;
  std::string bytes;
  bool last = false;
  std::string error;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, request_body_piece& x) {
  return f(caf::meta::type_name("gale::http::request_body_piece"), x.id,
           x.bytes, x.last, x.error);
}

} // namespace gale::http

namespace gale::io {

/// Everything but the callbacks, which cannot leave their process: a
/// request sent to a remote HTTP client actor arrives without them.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, retry_policy& x) {
  return f(caf::meta::type_name("gale::io::retry_policy"), x.max_attempts,
           x.backoff, x.max_backoff, x.max_time);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, http_request& x) {
  std::int64_t modified_since = -1; // none
  if constexpr (Inspector::reads_state)
    if (x.if_modified_since)
      modified_since = gale::detail::to_wire(*x.if_modified_since);
  auto restore = [&]() -> caf::error {
    x.if_modified_since.reset();
    if (modified_since >= 0)
      x.if_modified_since = gale::detail::from_wire(modified_since);
    return caf::none;
  };
  return f(caf::meta::type_name("gale::io::http_request"), x.url, x.method,
           x.headers, x.body, x.expect_100_continue, x.connect_timeout,
           x.request_timeout, x.follow_redirects, x.max_redirects, x.retry,
           x.decompress_response, x.raise_error, x.max_body_size,
           x.max_header_size, x.auth_username, x.auth_password, x.user_agent,
           x.proxy_host, x.proxy_port, x.proxy_username, x.proxy_password,
           x.validate_cert, x.ca_file, x.client_certificate_file,
           x.client_key_file, x.allow_ipv6, x.source_address, modified_since,
           caf::meta::load_callback(restore));
}

} // namespace gale::io

namespace gale {

/// Chosen by the requester to name an operation for `cancel`; 0 means the
/// operation cannot be cancelled. Unique per requester, not globally.
using op_id = std::uint64_t;

/// The HTTP client actor's interface: `fetch, op, request` answers with the
/// response, or with an error (see `gale::to_error_code`; a non-2xx status
/// is an error that carries the response, see `http::response_of`).
/// `cancel, op` ends a pending fetch of the same sender with
/// `errc::cancelled`. Every I/O actor is also an HTTP client actor.
using http_client_actor = caf::typed_actor<
  caf::replies_to<fetch_atom, op_id, io::http_request>::with<http::response>,
  caf::reacts_to<cancel_atom, op_id>>;

} // namespace gale

namespace gale::http {

/// The response a status error carries (see `io::http_request::
/// raise_error`), or null for any other error.
const response* response_of(const caf::error& err);

/// Lets every async style hand over the response of a status error.
inline void value_from_error(const caf::error& err, response& out) {
  if (const auto* res = response_of(err))
    out = *res;
}

/// A non-2xx answer as an exception (futures, blocking calls, coroutines
/// in actors): the status is `code().value()`, the response is at hand.
class status_error : public gale::error {
public:
  status_error(std::error_code ec, http::response res)
    : gale::error(ec), response_(std::move(res)) {}

  const http::response& response() const noexcept { return response_; }

private:
  http::response response_;
};

/// Raises `status_error` for a status error, `gale::error` otherwise.
inline std::exception_ptr failure_of(std::error_code ec, response& res) {
  if (ec.category() == status_category())
    return std::make_exception_ptr(status_error{ec, std::move(res)});
  return std::make_exception_ptr(gale::error{ec});
}

} // namespace gale::http
