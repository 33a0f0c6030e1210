// Reference resolution (RFC 3986 section 5): how a redirect's Location is
// read against the URL that answered.

#include "gale/http/url.hpp"

#include "uri_chars.hpp"

#include "gale/http/error.hpp"

#include <string>

namespace gale::http {

namespace {

using detail::is_alpha;

/// RFC 3986 section 5.2.4.
std::string remove_dot_segments(std::string_view in) {
  std::string out;
  while (!in.empty()) {
    if (in.starts_with("../")) {
      in.remove_prefix(3);
    } else if (in.starts_with("./")) {
      in.remove_prefix(2);
    } else if (in.starts_with("/./")) {
      in.remove_prefix(2);
    } else if (in == "/.") {
      in = "/";
    } else if (in.starts_with("/../") || in == "/..") {
      in = in.size() == 3 ? std::string_view{"/"} : in.substr(3);
      auto cut = out.rfind('/');
      out.resize(cut == std::string::npos ? 0 : cut);
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      auto next = in.find('/', 1);
      auto segment = in.substr(0, next);
      out += segment;
      in.remove_prefix(segment.size());
    }
  }
  return out;
}

bool has_scheme(std::string_view ref) {
  auto colon = ref.find(':');
  if (colon == 0 || colon == std::string_view::npos || !is_alpha(ref[0]))
    return false;
  for (char c : ref.substr(0, colon))
    if (!is_alpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-'
        && c != '.')
      return false;
  return true;
}

} // namespace

std::error_code resolve_url(const url& base, std::string_view reference,
                            url& out) {
  if (has_scheme(reference))
    return parse_url(reference, out);
  if (reference.starts_with("//"))
    return parse_url(base.scheme + ":" + std::string{reference}, out);
  auto fragment_at = reference.find('#');
  auto fragment = fragment_at == std::string_view::npos
                    ? std::string_view{}
                    : reference.substr(fragment_at);
  auto rest = reference.substr(0, fragment_at);
  auto query_at = rest.find('?');
  auto path = rest.substr(0, query_at);
  std::string target;
  if (path.empty()) {
    target = base.path;
    if (query_at != std::string_view::npos)
      target += rest.substr(query_at);
    else if (base.query)
      target += "?" + *base.query;
  } else {
    std::string merged;
    if (path.front() == '/') {
      merged = path;
    } else if (base.has_authority && base.path.empty()) {
      merged = "/" + std::string{path};
    } else {
      auto slash = base.path.rfind('/');
      merged = (slash == std::string::npos ? std::string{}
                                           : base.path.substr(0, slash + 1))
               + std::string{path};
    }
    target = remove_dot_segments(merged);
    if (query_at != std::string_view::npos)
      target += rest.substr(query_at);
  }
  auto prefix = base.scheme + ":";
  if (base.has_authority) {
    prefix += "//";
    if (!base.userinfo.empty())
      prefix += base.userinfo + "@";
    prefix += base.authority();
  }
  return parse_url(prefix + target + std::string{fragment}, out);
}

} // namespace gale::http
