#include "gale/http/request_target.hpp"

#include "gale/http/error.hpp"
#include "gale/http/fields.hpp"
#include "gale/http/url.hpp"

#include <string>
#include <string_view>

namespace gale::http {

namespace {

/// `host[:port]` alone, normalised: nothing before, nothing after, as the
/// URL parser reads the authority of "http://" + it + "/".
std::error_code normalized_authority(std::string_view text, std::string& out) {
  url u;
  if (parse_url("http://" + std::string{text} + "/", u) || u.host.empty()
      || !u.userinfo.empty() || u.path != "/" || u.query || u.fragment
      || (text.back() == ':')) // a ':' without a port
    return errc::invalid_host_field;
  out = u.authority();
  return {};
}

bool is_absolute_form(std::string_view target) {
  return target.find("://") != std::string_view::npos && target.front() != '/';
}

std::error_code normalize_absolute(request& req) {
  url u;
  if (parse_url(req.target, u) || (u.scheme != "http" && u.scheme != "https")
      || u.host.empty() || !u.userinfo.empty() || u.fragment)
    return errc::invalid_target;
  req.headers.set("Host", u.authority());
  req.target = u.target();
  return {};
}

} // namespace

std::error_code normalize_target_and_host(request& req) {
  auto hosts = req.headers.find_all("Host");
  if (hosts.size() > 1 || (hosts.empty() && req.version >= 11))
    return errc::invalid_host_field;
  if (!hosts.empty() && !hosts.front().empty()) {
    std::string host;
    if (auto ec = normalized_authority(hosts.front(), host))
      return ec;
    req.headers.set("Host", std::move(host));
  }
  const auto& t = req.target;
  if (t.front() == '/')
    return {};
  if (t == "*")
    return req.method == "OPTIONS" ? std::error_code{} : errc::invalid_target;
  if (req.method == "CONNECT") {
    std::string ignored;
    return normalized_authority(t, ignored) ? errc::invalid_target
                                            : std::error_code{};
  }
  if (is_absolute_form(t))
    return normalize_absolute(req);
  return errc::invalid_target;
}

} // namespace gale::http
