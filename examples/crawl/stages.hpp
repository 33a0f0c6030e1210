#pragma once
// The crawl's two stages, registered on a worker actor: "fetch" (a URL to
// its page, through gale's HTTP client: it waits on the network) and
// "parse" (a page to its words and same-site links: CPU only).
#include "items.hpp"

#include <gale/http/client.hpp>
#include <gale/http/url.hpp>
#include <gale/pipeline.hpp>

#include <algorithm>
#include <cctype>
#include <map>

namespace crawl {

/// `href` resolved against `base`, without its fragment, if it stays on
/// base's site (scheme, host and port).
inline std::optional<std::string> same_site(const gale::http::url& base,
                                            std::string_view href) {
  gale::http::url to;
  if (gale::http::resolve_url(base, href, to))
    return std::nullopt;
  to.fragment.reset();
  if (to.scheme != base.scheme || to.host != base.host
      || to.effective_port() != base.effective_port())
    return std::nullopt;
  return to.to_string();
}

inline parsed_page parse_page(fetched_page& page) {
  parsed_page out;
  out.url = page.url;
  out.bytes = page.body.size();
  gale::http::url base;
  if (gale::http::parse_url(page.url, base))
    throw std::runtime_error("not a URL: " + page.url);
  const std::string& html = page.body;
  // Links: every href="..." (or '...') that stays on the site.
  for (std::size_t at = 0; (at = html.find("href=", at)) != html.npos;) {
    at += 5;
    if (at >= html.size() || (html[at] != '"' && html[at] != '\''))
      continue;
    auto end = html.find(html[at], at + 1);
    if (end == html.npos)
      break;
    auto href = std::string_view{html}.substr(at + 1, end - at - 1);
    if (!href.empty() && href.front() != '#')
      if (auto link = same_site(base, href))
        out.links.push_back(std::move(*link));
    at = end;
  }
  // Words: letters outside tags, lower case, three or more of them.
  std::map<std::string, std::uint64_t> counts;
  std::string word;
  bool in_tag = false;
  auto flush = [&] {
    if (word.size() >= 3)
      ++counts[word];
    word.clear();
  };
  for (char c : html) {
    if (c == '<') {
      flush();
      in_tag = true;
    } else if (c == '>') {
      in_tag = false;
    } else if (!in_tag && std::isalpha(static_cast<unsigned char>(c))) {
      word.push_back(
        static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else {
      flush();
    }
  }
  flush();
  out.words.assign(counts.begin(), counts.end());
  return out;
}

/// A worker's stages; `http` fetches (its max_clients bounds the
/// connections one worker opens).
inline gale::pipeline::stage_registry stages(gale::http::client http) {
  gale::pipeline::stage_registry r;
  r.async_map<std::string>("fetch", [http](std::string url,
                                           gale::pipeline::completion done) {
    http.fetch(url, [url, done](std::error_code ec, gale::http::response res) {
      if (ec)
        return done(gale::pipeline::stage_registry::failure(ec.message()));
      done(caf::make_message(fetched_page{url, std::move(res.body)}));
    });
  });
  r.map<fetched_page>("parse", parse_page);
  return r;
}

} // namespace crawl
