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

/// The usual Host checked in place, with no allocation: a lower-case name
/// or IPv4 address (a subset of what the URL parser takes) and an optional
/// port, which normalising would leave as it is.
bool already_normal(std::string_view h) {
  auto colon = h.find(':');
  auto name = h.substr(0, colon);
  if (name.empty())
    return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.'
          || c == '-'))
      return false;
  if (colon == std::string_view::npos)
    return true;
  auto port = h.substr(colon + 1);
  if (port.empty() || port.size() > 5)
    return false;
  unsigned value = 0;
  for (char c : port) {
    if (c < '0' || c > '9')
      return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value <= 65535;
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
  // Every request passes here: the usual one allocates nothing.
  const std::string* host = nullptr;
  for (const auto& [name, value] : req.headers)
    if (iequals(name, "Host")) {
      if (host)
        return errc::invalid_host_field; // more than one
      host = &value;
    }
  if (!host && req.version >= 11)
    return errc::invalid_host_field;
  if (host && !host->empty() && !already_normal(*host)) {
    std::string normal;
    if (auto ec = normalized_authority(*host, normal))
      return ec;
    req.headers.set("Host", std::move(normal));
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
