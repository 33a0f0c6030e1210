// io::http_client: the request's bytes, and following redirects.

#include "http_client_core.hpp"

#include <gale/http/date.hpp>

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
  if (f->req.if_modified_since && !wire.headers.contains("If-Modified-Since"))
    wire.headers.set("If-Modified-Since",
                     http::format_http_date(*f->req.if_modified_since));
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
  std::string key = origin_of(u);
  if (!f->req.proxy_host.empty())
    key +=
      " via " + f->req.proxy_host + ":" + std::to_string(f->req.proxy_port);
  if (u.scheme == "https")
    key += (f->req.validate_cert ? " verify " : " no-verify ") + f->req.ca_file
           + " as " + f->req.client_certificate_file;
  if (!f->req.allow_ipv6)
    key += " v4";
  if (!f->req.source_address.empty())
    key += " from " + f->req.source_address;
  return key;
}

namespace {

template <class T>
void fill(T& field, const T& fallback, const T& builtin) {
  if (field == builtin)
    field = fallback;
}

} // namespace

http_request with_defaults(http_request req, const http_request& d) {
  const http_request builtin;
  for (const auto& [name, value] : d.headers)
    if (!req.headers.contains(name))
      req.headers.add(name, value);
  fill(req.expect_100_continue, d.expect_100_continue,
       builtin.expect_100_continue);
  fill(req.connect_timeout, d.connect_timeout, builtin.connect_timeout);
  fill(req.request_timeout, d.request_timeout, builtin.request_timeout);
  fill(req.follow_redirects, d.follow_redirects, builtin.follow_redirects);
  fill(req.max_redirects, d.max_redirects, builtin.max_redirects);
  fill(req.retry, d.retry, builtin.retry);
  fill(req.decompress_response, d.decompress_response,
       builtin.decompress_response);
  fill(req.raise_error, d.raise_error, builtin.raise_error);
  fill(req.max_body_size, d.max_body_size, builtin.max_body_size);
  fill(req.max_header_size, d.max_header_size, builtin.max_header_size);
  fill(req.auth_username, d.auth_username, builtin.auth_username);
  fill(req.auth_password, d.auth_password, builtin.auth_password);
  fill(req.user_agent, d.user_agent, builtin.user_agent);
  fill(req.proxy_host, d.proxy_host, builtin.proxy_host);
  fill(req.proxy_port, d.proxy_port, builtin.proxy_port);
  fill(req.proxy_username, d.proxy_username, builtin.proxy_username);
  fill(req.proxy_password, d.proxy_password, builtin.proxy_password);
  fill(req.validate_cert, d.validate_cert, builtin.validate_cert);
  fill(req.ca_file, d.ca_file, builtin.ca_file);
  fill(req.client_certificate_file, d.client_certificate_file,
       builtin.client_certificate_file);
  fill(req.client_key_file, d.client_key_file, builtin.client_key_file);
  fill(req.allow_ipv6, d.allow_ipv6, builtin.allow_ipv6);
  fill(req.source_address, d.source_address, builtin.source_address);
  fill(req.if_modified_since, d.if_modified_since, builtin.if_modified_since);
  return req;
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
