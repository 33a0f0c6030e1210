#include "forwarded.hpp"

#include <asio/ip/address.hpp>

#include <algorithm>
#include <string_view>

namespace gale::io::detail {

namespace {

bool valid_ip(std::string_view text) {
  std::error_code ec;
  asio::ip::make_address(std::string{text}, ec);
  return !ec;
}

} // namespace

client_origin believed_origin(std::string peer_ip, std::string scheme,
                              const http::fields& h,
                              const std::vector<std::string>& proxies) {
  auto trusted = [&](std::string_view ip) {
    return std::find(proxies.begin(), proxies.end(), ip) != proxies.end();
  };
  client_origin o{std::move(peer_ip), std::move(scheme)};
  if (!trusted(o.ip))
    return o;
  if (const auto* real = h.find("X-Real-IP");
      real && valid_ip(http::trim_ows(*real))) {
    o.ip = http::trim_ows(*real);
  } else if (const auto* fwd = h.find("X-Forwarded-For")) {
    // Right to left: the first hop that is not one of our proxies.
    std::string_view list = *fwd;
    while (!list.empty()) {
      auto comma = list.rfind(',');
      auto item =
        http::trim_ows(comma == list.npos ? list : list.substr(comma + 1));
      list = comma == list.npos ? std::string_view{} : list.substr(0, comma);
      if (!valid_ip(item))
        break; // garbage: believe nothing further
      o.ip = item;
      if (!trusted(item))
        break;
    }
  }
  if (const auto* proto = h.find("X-Forwarded-Proto")) {
    auto named = http::trim_ows(*proto);
    if (http::iequals(named, "https") || http::iequals(named, "http"))
      o.scheme = http::iequals(named, "https") ? "https" : "http";
  }
  return o;
}

} // namespace gale::io::detail
