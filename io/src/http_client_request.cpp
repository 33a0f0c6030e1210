// io::http_client: the request's bytes, and following redirects.

#include "http_client_core.hpp"

namespace gale::io {

using namespace detail;

std::error_code http_client::core::prepare(const fetch_ptr& f) {
  if (f->url.scheme.empty())
    if (auto ec = http::parse_url(f->req.url, f->url))
      return ec;
  const auto& u = f->url;
  if (u.scheme != "http" && u.scheme != "https")
    return http::errc::unsupported_scheme;
  if (u.host.empty())
    return http::errc::invalid_host;
  http::request wire;
  wire.method = f->req.method;
  bool absolute_form = !f->req.proxy_host.empty() && u.scheme == "http";
  if (absolute_form) {
    auto no_fragment = u;
    no_fragment.fragment.reset();
    no_fragment.userinfo.clear();
    wire.target = no_fragment.to_string();
  } else {
    wire.target = u.target();
  }
  wire.headers = f->req.headers;
  if (!wire.headers.contains("Host"))
    wire.headers.set("Host", u.authority());
  if (!wire.headers.contains("User-Agent") && !f->req.user_agent.empty())
    wire.headers.set("User-Agent", f->req.user_agent);
  if (f->req.decompress_response && !wire.headers.contains("Accept-Encoding"))
    wire.headers.set("Accept-Encoding", "gzip");
  if (!wire.headers.contains("Authorization")) {
    std::string user = f->req.auth_username;
    std::string password = f->req.auth_password;
    if (user.empty() && !u.userinfo.empty()) {
      auto colon = u.userinfo.find(':');
      http::percent_decode(u.userinfo.substr(0, colon), user);
      if (colon != std::string::npos)
        http::percent_decode(u.userinfo.substr(colon + 1), password);
    }
    if (!user.empty())
      wire.headers.set("Authorization",
                       http::basic_authorization(user, password));
  }
  if (absolute_form && !f->req.proxy_username.empty())
    wire.headers.set(
      "Proxy-Authorization",
      http::basic_authorization(f->req.proxy_username, f->req.proxy_password));
  bool producing = static_cast<bool>(f->req.body_producer);
  if (producing && !wire.headers.contains("Content-Length")
      && !wire.headers.contains("Transfer-Encoding"))
    wire.headers.set("Transfer-Encoding", "chunked");
  if (f->req.expect_100_continue)
    wire.headers.set("Expect", "100-continue");
  f->out.clear();
  if (producing || f->req.expect_100_continue) {
    if (!producing && !wire.headers.contains("Content-Length"))
      wire.headers.set("Content-Length", std::to_string(f->req.body.size()));
    return http::serialize_head(wire, f->out);
  }
  wire.body = f->req.body;
  return http::serialize(wire, f->out);
}

std::string http_client::core::key_of(const fetch_ptr& f) const {
  const auto& u = f->url;
  std::string key =
    u.scheme + "://" + u.host + ":" + std::to_string(u.effective_port());
  if (!f->req.proxy_host.empty())
    key +=
      " via " + f->req.proxy_host + ":" + std::to_string(f->req.proxy_port);
  if (u.scheme == "https")
    key += (f->req.validate_cert ? " verify " : " no-verify ") + f->req.ca_file;
  return key;
}

void http_client::core::redirect(const fetch_ptr& f) {
  http::url next;
  if (auto ec =
        http::resolve_url(f->url, *f->res.headers.find("Location"), next))
    return finish(f, ec);
  if (next.scheme != "http" && next.scheme != "https")
    return finish(f, http::errc::unsupported_scheme);
  int status = f->res.status;
  auto& r = f->req;
  if ((status == 303 && r.method != "HEAD")
      || ((status == 301 || status == 302) && r.method == "POST")) {
    r.method = "GET";
    r.body.clear();
    r.body_producer = nullptr;
    r.expect_100_continue = false;
    for (auto name : {"Content-Length", "Content-Type", "Transfer-Encoding",
                      "Content-Encoding"})
      r.headers.erase(name);
  } else if (r.body_producer) {
    // A produced body cannot be produced again: the redirect is the
    // answer (without its body, which was not kept).
    auto ec =
      r.raise_error ? http::make_status_error(status) : std::error_code{};
    return finish(f, ec, std::move(f->res));
  }
  if (!same_origin(f->url, next)) {
    // Credentials are for the origin they were given to.
    r.headers.erase("Authorization");
    r.headers.erase("Cookie");
    r.auth_username.clear();
    r.auth_password.clear();
    next.userinfo.clear();
  } else if (next.userinfo.empty()) {
    next.userinfo = f->url.userinfo;
  }
  r.headers.erase("Host");
  f->url = std::move(next);
  ++f->redirects;
  if (auto ec = prepare(f))
    return finish(f, ec);
  acquire(f);
}

} // namespace gale::io
