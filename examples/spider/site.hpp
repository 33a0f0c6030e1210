#pragma once
// The spider's own small site, served when no --url is given: "/" and
// /page/1 .. /page/N-1, each with links written every way a crawler meets
// them: relative ("page/3", "4", "../page/2"), absolute-path ("/page/5"),
// absolute with the server's own host ("http://host:port/page/6"), a
// fragment ("#top", "/page/2#part"), and links it must not follow (another
// host, mailto:). Every page is reachable from "/", all answer 200.
#include <gale/http/message.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace spider {

inline constexpr std::uint64_t site_pages = 40;

/// The page at `path`, its absolute links built with `host` (the request's
/// Host header); nothing for a path the site does not have.
inline std::optional<std::string> site_page(std::string_view path,
                                            const std::string& host) {
  std::uint64_t index = 0;
  if (path != "/") {
    constexpr std::string_view prefix = "/page/";
    if (!path.starts_with(prefix) || path.size() == prefix.size()
        || path.size() > prefix.size() + 3)
      return std::nullopt;
    for (char c : path.substr(prefix.size())) {
      if (c < '0' || c > '9')
        return std::nullopt;
      index = index * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (index == 0 || index >= site_pages || path[prefix.size()] == '0')
      return std::nullopt;
  }
  auto page = [](std::uint64_t k) { return "page/" + std::to_string(k); };
  auto next = (index + 1) % site_pages;
  auto other = (index * 7 + 3) % site_pages;
  auto third = (index * 13 + 5) % site_pages;
  std::string html = "<!doctype html>\n<html><head><title>Page "
                     + std::to_string(index) + "</title></head><body>\n";
  auto link = [&](const std::string& href) {
    html += "<p><a href=\"" + href + "\">" + href + "</a></p>\n";
  };
  // The next page, relative to this one: from "/" it is "page/1", from
  // "/page/k" just "k+1" (the same folder); the last links back to "/".
  if (next == 0)
    link("../");
  else
    link(index == 0 ? page(next) : std::to_string(next));
  link(other == 0 ? "/" : "/" + page(other));
  link(third == 0 ? "http://" + host + "/"
                  : "http://" + host + "/" + page(third) + "#part");
  if (index != 0) // itself, with dot segments: fetched once all the same
    link("../page/" + std::to_string(index));
  link("#top");
  link("http://outside.invalid/page/1");
  link("mailto:someone@outside.invalid");
  html += "</body></html>\n";
  return html;
}

} // namespace spider
