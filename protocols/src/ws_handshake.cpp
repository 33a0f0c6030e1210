#include "gale/ws/handshake.hpp"

#include "gale/http/auth.hpp"
#include "gale/http/error.hpp"
#include "gale/ws/codec.hpp"
#include "gale/ws/deflate.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <optional>
#include <stdexcept>

namespace gale::ws {

namespace {

/// The items of every `name` field, comma-separated, trimmed.
std::vector<std::string_view> list_items(const http::fields& h,
                                         std::string_view name) {
  std::vector<std::string_view> items;
  for (std::string_view list : h.find_all(name))
    while (!list.empty()) {
      auto comma = list.find(',');
      items.push_back(http::trim_ows(list.substr(0, comma)));
      list = comma == std::string_view::npos ? std::string_view{}
                                             : list.substr(comma + 1);
    }
  return items;
}

/// True when `origin` ("scheme://host[:port]") names `host`.
bool same_origin(std::string_view origin, std::string_view host) {
  auto scheme_end = origin.find("://");
  return scheme_end != std::string_view::npos
         && http::iequals(origin.substr(scheme_end + 3), host);
}

http::response refusal(int status) {
  http::response res;
  res.status = status;
  res.headers.set("Content-Type", "text/plain");
  if (status == 426)
    res.headers.set("Sec-WebSocket-Version", "13");
  res.body = std::string{http::reason_phrase(status)} + "\n";
  return res;
}

bool origin_allowed(const http::fields& h, const server_policy& policy) {
  const auto* origin = h.find("Origin");
  if (!origin)
    return true; // not a browser
  const auto* host = h.find("Host");
  if (host && same_origin(*origin, *host))
    return true;
  return std::any_of(
    policy.allowed_origins.begin(), policy.allowed_origins.end(),
    [&](const auto& o) { return o == "*" || http::iequals(o, *origin); });
}

/// The subprotocol the policy picks among those the client offers.
std::string chosen_subprotocol(const http::fields& h,
                               const server_policy& policy) {
  auto offered = list_items(h, "Sec-WebSocket-Protocol");
  auto was_offered = [&](const std::string& name) {
    return std::find(offered.begin(), offered.end(), name) != offered.end();
  };
  if (policy.select_subprotocol && !offered.empty()) {
    std::vector<std::string> names(offered.begin(), offered.end());
    auto pick = policy.select_subprotocol(names);
    return was_offered(pick) ? pick : std::string{};
  }
  for (const auto& mine : policy.subprotocols)
    if (was_offered(mine))
      return mine;
  return {};
}

} // namespace

std::string make_key() {
  std::array<unsigned char, 16> nonce{};
  if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1)
    throw std::runtime_error("no randomness for a WebSocket key");
  return http::base64_encode(
    {reinterpret_cast<const char*>(nonce.data()), nonce.size()});
}

http::request make_request(const client_offer& offer) {
  http::request req;
  req.target = offer.target;
  req.headers = offer.headers;
  req.headers.set("Host", offer.host);
  req.headers.set("Upgrade", "websocket");
  req.headers.set("Connection", "Upgrade");
  req.headers.set("Sec-WebSocket-Key", offer.key);
  req.headers.set("Sec-WebSocket-Version", "13");
  std::string offered;
  for (const auto& p : offer.subprotocols)
    offered += (offered.empty() ? "" : ", ") + p;
  if (!offered.empty())
    req.headers.set("Sec-WebSocket-Protocol", offered);
  if (offer.permessage_deflate)
    req.headers.set("Sec-WebSocket-Extensions", std::string{deflate_offer});
  return req;
}

std::error_code check_response(const client_offer& offer, int status,
                               const http::fields& h, agreement& out) {
  out = {};
  if (status != 101) // an error status is the HTTP error it says
    return status >= 400 ? http::make_status_error(status) : errc::bad_upgrade;
  if (!h.has_token("Upgrade", "websocket")
      || !h.has_token("Connection", "upgrade"))
    return errc::bad_upgrade;
  const auto* accept = h.find("Sec-WebSocket-Accept");
  if (!accept || *accept != accept_key(offer.key))
    return errc::invalid_accept;
  if (const auto* chosen = h.find("Sec-WebSocket-Protocol")) {
    const auto& mine = offer.subprotocols;
    if (std::find(mine.begin(), mine.end(), *chosen) == mine.end())
      return errc::bad_upgrade; // one we did not offer
    out.subprotocol = *chosen;
  }
  for (std::string_view answer : h.find_all("Sec-WebSocket-Extensions")) {
    bool accepted = false;
    if (auto ec = deflate_accepted(answer, accepted);
        ec || (accepted && !offer.permessage_deflate))
      return errc::bad_upgrade;
    out.deflate = out.deflate || accepted;
  }
  return {};
}

decision accept_request(const http::request& req, const server_policy& policy) {
  const auto& h = req.headers;
  const auto* key = h.find("Sec-WebSocket-Key");
  if (req.method != "GET" || !h.has_token("Upgrade", "websocket")
      || !h.has_token("Connection", "upgrade") || !key || key->size() != 24)
    return {refusal(400), {}};
  if (const auto* v = h.find("Sec-WebSocket-Version"); !v || *v != "13")
    return {refusal(426), {}};
  const auto* origin = h.find("Origin");
  bool allowed = (policy.check_origin && origin)
                   ? policy.check_origin(*origin, req)
                   : origin_allowed(h, policy);
  if (!allowed)
    return {refusal(403), {}};
  decision d;
  d.agreed.subprotocol = chosen_subprotocol(h, policy);
  auto& res = d.response;
  res.status = 101;
  for (const auto& [name, value] : policy.response_headers)
    res.headers.add(name, value);
  res.headers.set("Upgrade", "websocket");
  res.headers.set("Connection", "Upgrade");
  res.headers.set("Sec-WebSocket-Accept", accept_key(*key));
  if (!d.agreed.subprotocol.empty())
    res.headers.set("Sec-WebSocket-Protocol", d.agreed.subprotocol);
  std::optional<std::string> deflate;
  if (policy.permessage_deflate)
    for (std::string_view offers : h.find_all("Sec-WebSocket-Extensions"))
      if (!deflate)
        deflate = accept_deflate_offer(offers);
  if (deflate)
    res.headers.set("Sec-WebSocket-Extensions", *deflate);
  d.agreed.deflate = deflate.has_value();
  return d;
}

} // namespace gale::ws
