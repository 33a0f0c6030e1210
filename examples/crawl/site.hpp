#pragma once
// A generated web site to crawl: pages /p/0 .. /p/N-1 ("/" is page 0),
// each with a title, a few paragraphs of words and links to other pages.
// Everything follows from the page's number, so every run (and every
// process) sees the same pages, links and words. Some pages link to
// /missing/K, which answers 404: a crawl meets errors, always the same.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crawl {

/// The vocabulary; word k is used about twice as often as word 2k.
inline constexpr std::array<std::string_view, 64> vocabulary{
  "actor",     "message",   "loop",     "socket",  "buffer",   "timer",
  "future",    "promise",   "request",  "reply",   "stream",   "server",
  "client",    "header",    "body",     "chunk",   "frame",    "queue",
  "thread",    "signal",    "handler",  "router",  "worker",   "pipeline",
  "stage",     "source",    "sink",     "credit",  "deadline", "latency",
  "through",   "network",   "process",  "machine", "crawler",  "page",
  "link",      "word",      "count",    "report",  "progress", "error",
  "retry",     "timeout",   "backlog",  "memory",  "kernel",   "epoll",
  "coroutine", "callback",  "blocking", "async",   "protocol", "parser",
  "serialize", "middleman", "remote",   "local",   "publish",  "monitor",
  "failure",   "recovery",  "ordering", "tornado"};

/// A small deterministic generator (xorshift64*), seeded by the page.
class generator {
public:
  explicit generator(std::uint64_t seed)
    : s_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  std::uint64_t next() {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 0x2545F4914F6CDD1Dull;
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }

private:
  std::uint64_t s_;
};

/// The page at `path` of a site with `pages` pages, or nothing (404).
inline std::optional<std::string> site_page(std::string_view path,
                                            std::uint64_t pages) {
  std::uint64_t index = 0;
  if (path != "/") {
    if (!path.starts_with("/p/") || path.size() == 3 || path.size() > 23)
      return std::nullopt;
    for (char c : path.substr(3)) {
      if (c < '0' || c > '9')
        return std::nullopt;
      index = index * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (index >= pages || (path[3] == '0' && path.size() > 4))
      return std::nullopt;
  }
  generator g{index};
  std::string html = "<!doctype html>\n<html><head><title>Page "
                     + std::to_string(index) + "</title></head><body>\n";
  auto paragraphs = 2 + g.below(3);
  for (std::uint64_t p = 0; p < paragraphs; ++p) {
    html += "<p>";
    auto words = 20 + g.below(60);
    for (std::uint64_t w = 0; w < words; ++w) {
      // A skewed choice: small indices are more likely.
      auto k = g.below(vocabulary.size());
      k = g.below(k + 1);
      html += vocabulary[k];
      html += w + 1 < words ? ' ' : '.';
    }
    html += "</p>\n";
  }
  // The next page (so every page is reachable) and a few others.
  auto link = [&](const std::string& href) {
    html += "<a href=\"" + href + "\">" + href + "</a>\n";
  };
  auto page_link = [&](std::uint64_t to) { // page 0 is the root
    link(to == 0 ? std::string{"/"} : "/p/" + std::to_string(to));
  };
  if (index + 1 < pages)
    page_link(index + 1);
  for (auto n = g.below(6); n > 0; --n)
    page_link(g.below(pages));
  if (g.below(50) == 0)
    link("/missing/" + std::to_string(index));
  link("#top");
  html += "</body></html>\n";
  return html;
}

} // namespace crawl
