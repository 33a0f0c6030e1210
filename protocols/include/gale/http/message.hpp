#pragma once

#include "gale/http/fetch_info.hpp"
#include "gale/http/fields.hpp"

#include <string>
#include <string_view>

namespace gale::http {

/// An HTTP/1.x request: start line, header fields and (decoded) body.
struct request {
  std::string method = "GET";
  std::string target = "/"; ///< as sent on the request line
  int version = 11;         ///< 11 for HTTP/1.1, 10 for HTTP/1.0
  fields headers;
  std::string body;

  friend bool operator==(const request&, const request&) = default;
};

/// An HTTP/1.x response.
struct response {
  int version = 11;
  int status = 200;
  std::string reason; ///< empty: the standard phrase when serialized
  fields headers;
  std::string body;
  /// Filled by the client that fetched it: URLs, times, attempts.
  fetch_info fetch{};

  friend bool operator==(const response&, const response&) = default;
};

/// The standard reason phrase of `status` (RFC 9110 section 15), or "".
std::string_view reason_phrase(int status) noexcept;

/// A plain-text answer for `status`: its reason phrase as the body.
response status_page(int status);

/// True for responses that never have a body: 1xx, 204 and 304.
bool status_has_no_body(int status) noexcept;

} // namespace gale::http
