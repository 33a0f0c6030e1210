#pragma once

#include "gale/http/message.hpp"

#include <system_error>

namespace gale::http {

/// What a server makes of a parsed request's target and Host (RFC 9112
/// 3.2, 3.3), in place, before a handler sees it:
///
/// - An HTTP/1.1 request needs exactly one Host field with a valid
///   `host[:port]` (empty is valid); none, several, or a malformed one is
///   `errc::invalid_host_field` (a server answers 400). HTTP/1.0 may omit
///   it.
/// - The Host value is normalised: a registered name lower-cased, the port
///   kept as sent ("Example.COM:8080" becomes "example.com:8080").
/// - An absolute-form target ("http://h:1/p?q", as sent to proxies) must be
///   http or https with a host; its authority replaces the Host field
///   (§3.2.2: the received one is ignored) and the target becomes its
///   origin form ("/p?q"), so routing sees the path alone.
/// - Otherwise the target must be origin-form ("/..."), "*" for OPTIONS,
///   or an authority ("host:port") for CONNECT; anything else is
///   `errc::invalid_target`.
std::error_code normalize_target_and_host(request& req);

} // namespace gale::http
