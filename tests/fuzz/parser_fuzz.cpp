// libFuzzer target for the HTTP/1.1 request and response parsers (and the
// server's target and Host normalisation of each request head). The
// first byte picks the role, whether responses answer HEAD, and a split
// point; the rest is the input. Any
// input gives events or an error value, never a crash or undefined
// behaviour, and the split input gives exactly the events of the whole.
#include "gale/http/parser.hpp"
#include "gale/http/request_target.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

/// What a server makes of the request's target and Host; a request it
/// normalised normalises to itself.
std::string normalized(const gale::http::parser& p) {
  gale::http::request req{p.method(), p.target(), p.version(), p.headers(),
                          {}};
  if (auto ec = gale::http::normalize_target_and_host(req))
    return ec.message();
  auto again = req;
  if (gale::http::normalize_target_and_host(again) || again != req)
    std::abort();
  const auto* host = req.headers.find("Host");
  return req.target + (host ? *host : "");
}

/// A transcript of every event with what it exposed.
std::string transcript(gale::http::parser::role role, bool head_request,
                       std::string_view a, std::string_view b) {
  gale::http::parser_limits limits;
  limits.max_body = 1 << 16;
  gale::http::parser p{role, limits};
  p.set_request_method(head_request ? "HEAD" : "GET");
  std::string out;
  auto last = gale::http::parser_event::need_more;
  bool failed = false;
  auto drain = [&] {
    while (!failed) {
      auto ev = p.next();
      // Body pieces may be cut anywhere: mark only where a body starts.
      bool continued_body = ev == gale::http::parser_event::body
                            && last == gale::http::parser_event::body;
      if (ev != gale::http::parser_event::need_more)
        last = ev;
      if (!continued_body)
        out += static_cast<char>('0' + static_cast<int>(ev));
      switch (ev) {
      case gale::http::parser_event::need_more: return;
      case gale::http::parser_event::head:
        out +=
          p.method() + p.target() + std::to_string(p.status()) + p.reason();
        for (const auto& [n, v] : p.headers())
          out += n + ":" + v + "\n";
        if (role == gale::http::parser::role::request)
          out += normalized(p);
        break;
      case gale::http::parser_event::body: out += p.body(); break;
      case gale::http::parser_event::end:
        out += p.keep_alive() ? "K" : "C";
        out += p.upgrade() ? "U" : "";
        break;
      case gale::http::parser_event::error:
        out += p.error().message();
        failed = true; // reported once, however the input was cut
        return;
      }
    }
  };
  p.feed(a);
  drain();
  p.feed(b);
  drain();
  p.feed_eof();
  drain();
  if (p.upgrade() && !failed) // what the new protocol gets, in one piece
    out += std::string{p.remaining()};
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0)
    return 0;
  auto role = (data[0] & 1) ? gale::http::parser::role::response
                            : gale::http::parser::role::request;
  std::string_view input{reinterpret_cast<const char*>(data + 1), size - 1};
  bool head_request = (data[0] & 2) != 0;
  auto split = input.empty() ? 0 : (data[0] >> 2) % (input.size() + 1);
  auto whole = transcript(role, head_request, input, {});
  auto parts =
    transcript(role, head_request, input.substr(0, split), input.substr(split));
  // Events may be grouped differently across need_more; compare without.
  auto strip = [](std::string s) {
    std::string r;
    for (char c : s)
      if (c != '0')
        r += c;
    return r;
  };
  if (strip(whole) != strip(parts))
    std::abort();
  return 0;
}
