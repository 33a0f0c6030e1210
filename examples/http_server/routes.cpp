#include "http_server/routes.hpp"

#include <gale/http/router.hpp>
#include <gale/http/url.hpp>

#include <charconv>
#include <iterator>
#include <string>
#include <string_view>

namespace http_example {

using gale::http::response;

namespace {

const gale::http::router<route>& routes() {
  static const auto table = [] {
    gale::http::router<route> r;
    r.add("GET", "/", route::hello)
      .add("POST", "/echo", route::echo)
      .add("GET", "/delay", route::delay)
      .add("GET", "/stream", route::stream)
      .add("GET", "/text", route::text)
      .add("POST", "/upload", route::upload);
    return r;
  }();
  return table;
}

response text(int status, std::string body) {
  response res;
  res.status = status;
  res.headers.set("Content-Type", "text/plain");
  res.body = std::move(body);
  return res;
}

/// A query parameter as a number in [0, max], or nothing.
std::optional<std::size_t> number(const gale::http::request& req,
                                  std::string_view name, std::size_t max) {
  auto [path, query] = gale::http::split_target(req.target);
  for (auto& [key, value] : gale::http::parse_query(query)) {
    if (key != name)
      continue;
    std::size_t n = 0;
    auto [end, ec] =
      std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc{} || end != value.data() + value.size() || n > max)
      return std::nullopt;
    return n;
  }
  return std::nullopt;
}

/// A MiB of words that compresses as prose does (about 4:1 with gzip),
/// the same on every run; made once, read by every loop.
const std::string& prose() {
  static const std::string text = [] {
    static constexpr std::string_view words[] = {
      "the",   "quick", "brown",  "fox",  "jumps", "over", "a",     "lazy",
      "dog",   "while", "gale's", "loop", "waits", "on",   "every", "socket",
      "async", "reply", "stream", "of",   "bytes", "and",  "an",    "actor"};
    std::string s;
    for (std::uint32_t state = 1; s.size() < 1024 * 1024;) {
      state = state * 1103515245u + 12345u;
      s += words[(state >> 16) % std::size(words)];
      s += (state >> 8) % 13 == 0 ? ".\n" : " ";
    }
    s.resize(1024 * 1024);
    return s;
  }();
  return text;
}

} // namespace

decision decide(const gale::http::request& req) {
  decision d;
  auto method = req.method == "HEAD" ? std::string{"GET"} : req.method;
  auto found =
    routes().find(method, gale::http::split_target(req.target).first);
  if (!found.target) {
    if (found.allowed.empty()) {
      d.answer = gale::http::status_page(404);
    } else {
      d.answer = gale::http::status_page(405);
      std::string allow;
      for (auto& m : found.allowed)
        allow += (allow.empty() ? "" : ", ") + m;
      d.answer.headers.set("Allow", allow);
    }
    return d;
  }
  d.what = *found.target;
  if (d.what == route::delay) {
    auto ms = number(req, "ms", 600'000);
    if (!ms)
      return decision{{}, text(400, "ms must be 0..600000\n")};
    d.ms = *ms;
  } else if (d.what == route::stream) {
    auto chunks = number(req, "chunks", 1'000'000);
    auto size = number(req, "size", 1024 * 1024);
    if (!chunks || !size || *size == 0)
      return decision{{}, text(400, "chunks 0..1000000, size 1..1048576\n")};
    d.chunks = *chunks;
    d.size = *size;
  } else if (d.what == route::text) {
    auto kb = number(req, "kb", 64 * 1024);
    if (!kb)
      return decision{{}, text(400, "kb must be 0..65536\n")};
    d.kb = *kb;
  }
  return d;
}

response hello() {
  return text(200, "Hello, world");
}

response echo(const gale::http::request& req) {
  response res;
  const auto* type = req.headers.find("Content-Type");
  res.headers.set("Content-Type", type ? *type : "application/octet-stream");
  res.body = req.body;
  return res;
}

/// `kb` KiB of that prose (repeated beyond a MiB).
response some_text(std::size_t kb) {
  std::string body;
  body.reserve(kb * 1024);
  while (body.size() < kb * 1024)
    body.append(prose(), 0, kb * 1024 - body.size());
  return text(200, std::move(body));
}

response uploaded(std::uint64_t received) {
  return text(200, "received " + std::to_string(received));
}

// [stream-upload]
bool streams_body(const gale::http::request& head) {
  return gale::http::split_target(head.target).first == "/upload";
}
// [end]

response stream_head() {
  response head;
  head.headers.set("Content-Type", "application/octet-stream");
  return head;
}

} // namespace http_example
