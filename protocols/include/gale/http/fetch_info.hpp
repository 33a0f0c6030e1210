#pragma once

#include "gale/http/fields.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace gale::http {

/// One try within a fetch: a hop of its redirect chain, or a retry.
struct fetch_attempt {
  std::string url;                      ///< without credentials
  std::chrono::microseconds start{};    ///< since the fetch began
  std::chrono::microseconds duration{}; ///< until its answer or failure
  int status = 0;                       ///< the answer's status; 0: none
  std::string error{}; ///< why it failed (the error's message), or empty

  friend bool operator==(const fetch_attempt&, const fetch_attempt&) = default;
};

/// Where a fetch's time went (Tornado's time_info). The connection's
/// phases are those of the connection the last attempt used; all zero when
/// it came from the pool.
struct time_info {
  std::chrono::microseconds queue{};      ///< waiting for a client slot
  std::chrono::microseconds namelookup{}; ///< resolving the host name
  std::chrono::microseconds connect{};    ///< the TCP connection
  std::chrono::microseconds tls{};        ///< the TLS handshake (and tunnel)
  /// From the request's last byte written until the first response byte.
  std::chrono::microseconds first_byte{};
  std::vector<fetch_attempt> attempts; ///< every try, in order

  friend bool operator==(const time_info&, const time_info&) = default;
};

/// What the client knows of a response beyond the message (Tornado's
/// HTTPResponse attributes). Empty in responses that no client fetched.
struct fetch_info {
  /// The request as asked, before redirects: its method, URL and the
  /// headers given (not those the client adds); the body is not kept.
  std::string method;
  std::string url;
  fields request_headers;
  std::string effective_url; ///< after redirects, without credentials
  std::chrono::system_clock::time_point start_time{};
  std::chrono::microseconds request_time{}; ///< the whole fetch
  time_info time;

  friend bool operator==(const fetch_info&, const fetch_info&) = default;
};

} // namespace gale::http
