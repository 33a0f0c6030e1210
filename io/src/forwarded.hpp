#pragma once

// Who the client is behind trusted proxies: X-Real-IP, X-Forwarded-For and
// X-Forwarded-Proto, believed only when the peer is a proxy we trust.

#include <gale/http/fields.hpp>

#include <string>
#include <vector>

namespace gale::io::detail {

struct client_origin {
  std::string ip;
  std::string scheme = "http";
};

/// The client's address and scheme for a request from `peer_ip` with
/// `headers`: the peer's own (and `scheme`) unless it is one of
/// `trusted_proxies`; then X-Real-IP, else the last address in
/// X-Forwarded-For that is not a trusted proxy, and the scheme
/// X-Forwarded-Proto names ("http" or "https"). Invalid values are ignored.
client_origin believed_origin(std::string peer_ip, std::string scheme,
                              const http::fields& headers,
                              const std::vector<std::string>& trusted_proxies);

} // namespace gale::io::detail
