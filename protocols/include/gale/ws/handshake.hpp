#pragma once

#include <gale/http/fields.hpp>
#include <gale/http/message.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

/// The WebSocket opening handshake (RFC 6455 section 4) without I/O: the
/// client's request and its check of the answer, the server's decision to
/// accept or refuse. Pure functions over HTTP messages.
namespace gale::ws {

/// What a client offers.
struct client_offer {
  std::string host;   ///< the Host field ("name[:port]")
  std::string target; ///< the request target ("/chat?room=1")
  std::string key;    ///< base64 of 16 random bytes (`make_key`)
  std::vector<std::string> subprotocols; ///< best first
  bool permessage_deflate = true;
  http::fields headers; ///< extra fields: Origin, cookies...
};

/// A fresh Sec-WebSocket-Key: 16 bytes from OpenSSL's random generator, in
/// base64 (RFC 6455 4.1 asks for a nonce the server cannot predict).
std::string make_key();

/// The opening request for `offer` (GET, Upgrade, Connection, the key,
/// version 13, the subprotocols and permessage-deflate offered).
http::request make_request(const client_offer& offer);

/// What an accepted answer agreed on.
struct agreement {
  std::string subprotocol; ///< "" when none was chosen
  bool deflate = false;    ///< permessage-deflate on
};

/// Checks the server's answer to `offer`. An error status (400 and above)
/// is that status's error (`http::make_status_error`); any other answer
/// that is no WebSocket upgrade (a 200, a redirect, a 101 without the
/// upgrade's fields, or one that chose a subprotocol or extension not
/// offered) is `ws::errc::bad_upgrade`; a wrong Sec-WebSocket-Accept is
/// `ws::errc::invalid_accept`. (Tornado's contract.)
std::error_code check_response(const client_offer& offer, int status,
                               const http::fields& headers, agreement& out);

/// What a server accepts.
struct server_policy {
  /// Subprotocols this server speaks, best first; the first one the client
  /// also offers is chosen.
  std::vector<std::string> subprotocols;
  /// Origins allowed besides the request's own host; "*" allows any.
  std::vector<std::string> allowed_origins;
  bool permessage_deflate = true;
  /// Tornado's check_origin: when set, it alone decides on a request that
  /// has an Origin (true: allowed; false: 403), instead of the same-host
  /// rule and `allowed_origins`. A request without Origin is allowed.
  std::function<bool(std::string_view origin, const http::request&)>
    check_origin;
  /// Tornado's select_subprotocol: when set and the client offers some,
  /// it picks one of the offered (or "" for none) instead of
  /// `subprotocols`; a name the client did not offer counts as none.
  std::function<std::string(const std::vector<std::string>& offered)>
    select_subprotocol;
  /// Fields added to the 101 (cookies, a server name...).
  http::fields response_headers;
};

/// The server's decision on an upgrade request.
struct decision {
  /// 101 and its head when accepted; else the refusal (400 for a request
  /// that is no valid upgrade, 426 with Sec-WebSocket-Version for another
  /// version, 403 for a foreign Origin), with a short text body.
  http::response response;
  agreement agreed; ///< when accepted
  bool accepted() const noexcept { return response.status == 101; }
};

/// Decides on `req` under `policy`.
decision accept_request(const http::request& req, const server_policy& policy);

} // namespace gale::ws
