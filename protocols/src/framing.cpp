#include "gale/http/framing.hpp"

#include "http_syntax.hpp"

#include "gale/http/error.hpp"
#include "gale/http/message.hpp"

#include <algorithm>
#include <vector>

namespace gale::http {

namespace {

/// The transfer codings of every Transfer-Encoding field, in order.
std::vector<std::string_view>
transfer_codings(const std::vector<std::string_view>& values) {
  std::vector<std::string_view> codings;
  for (auto value : values) {
    while (true) {
      auto comma = value.find(',');
      auto coding = trim_ows(value.substr(0, comma));
      if (!coding.empty())
        codings.push_back(coding);
      if (comma == std::string_view::npos)
        break;
      value.remove_prefix(comma + 1);
    }
  }
  return codings;
}

/// The last transfer coding is chunked, and chunked appears nowhere else
/// (RFC 9112 6.1).
bool chunked_is_final(const std::vector<std::string_view>& codings) {
  if (codings.empty() || !iequals(codings.back(), "chunked"))
    return false;
  return std::none_of(codings.begin(), codings.end() - 1,
                      [](auto c) { return iequals(c, "chunked"); });
}

bool keeps_alive(const message_head& h) {
  // "Proxy-Connection: close" (not standard, still sent) only ever makes
  // the connection end sooner.
  bool close = h.headers.has_token("Connection", "close")
               || h.headers.has_token("Proxy-Connection", "close");
  return !close
         && (h.version == 11
             || h.headers.has_token("Connection", "keep-alive"));
}

bool switches_protocols(const message_head& h) {
  if (h.is_request)
    return iequals(h.method, "CONNECT")
           || (h.headers.contains("Upgrade")
               && h.headers.has_token("Connection", "upgrade"));
  return h.status == 101
         || (iequals(h.request_method, "CONNECT") && h.status / 100 == 2);
}

bool never_has_body(const message_head& h, bool upgrade) {
  if (h.is_request)
    return iequals(h.method, "CONNECT");
  return upgrade || status_has_no_body(h.status)
         || iequals(h.request_method, "HEAD");
}

} // namespace

std::error_code decide_framing(const message_head& h, std::uint64_t max_body,
                               framing& out) {
  out = {};
  out.keep_alive = keeps_alive(h);
  out.upgrade = switches_protocols(h);
  if (never_has_body(h, out.upgrade))
    return {};
  auto te = h.headers.find_all("Transfer-Encoding");
  if (!te.empty()) {
    auto codings = transfer_codings(te);
    bool framed = chunked_is_final(codings);
    if (h.is_request && !framed) // the body's end cannot be known: 400
      return errc::invalid_transfer_encoding;
    if (h.is_request && codings.size() > 1) // e.g. gzip before chunked
      return errc::unsupported_transfer_coding;
    if (framed) {
      out.body = body_framing::chunked;
      return {};
    }
    out.body = body_framing::until_close;
    out.keep_alive = false;
    return {};
  }
  if (h.content_length) {
    if (*h.content_length > max_body)
      return errc::body_too_large;
    out.body = body_framing::length;
    out.length = *h.content_length;
    return {};
  }
  if (!h.is_request) {
    out.body = body_framing::until_close;
    out.keep_alive = false;
  }
  return {};
}

} // namespace gale::http
