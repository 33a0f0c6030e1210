// spider: Tornado's queue guide, "a concurrent web spider", with gale's
// queue and Asio coroutines: a queue of URLs, N workers, join, and a set of
// the URLs seen.
//
// Usage: spider [--url URL] [--concurrency N]
//   Without --url it serves a small generated site on loopback and crawls
//   that. It follows href links (absolute and relative) on the start URL's
//   host and port, under the folder of its path, fetching each page once.
//   Prints "fetched URL" per page, "error: URL: reason" per failure, then
//   "done: N pages in S s"; exit 0 once the crawl is finished.
#include "spider/links.hpp"
#include "spider/site.hpp"

#include <gale/http/url.hpp>
#include <gale/io/coro.hpp>
#include <gale/io/http_client.hpp>
#include <gale/io/http_server.hpp>
#include <gale/io/loop.hpp>
#include <gale/io/unhandled.hpp>
#include <gale/queue.hpp>

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <iostream>
#include <optional>
#include <string>
#include <unordered_set>

namespace io = gale::io;
using asio::use_awaitable;
using asio::experimental::as_tuple;

namespace {

/// What the workers share; all of it lives on the crawl's one loop, so the
/// set of seen URLs needs no lock.
struct crawl {
  crawl(const asio::any_io_executor& ex, gale::http::url start,
        std::size_t concurrency)
    : client(ex, options(concurrency)), base(std::move(start)) {
    auto slash = base.path.rfind('/');
    prefix = slash == std::string::npos ? "/" : base.path.substr(0, slash + 1);
  }

  static io::http_client_options options(std::size_t concurrency) {
    io::http_client_options o;
    o.max_clients = concurrency;
    return o;
  }

  io::http_client client;
  gale::http::url base;
  std::string prefix; ///< the folder of the start URL's path
  gale::queue<std::string> todo;
  std::unordered_set<std::string> seen;
  std::size_t fetched = 0;

  /// Queues `link`, found on `page`, if it is new and within the crawl.
  void follow(const gale::http::url& page, const std::string& link) {
    gale::http::url to;
    if (gale::http::resolve_url(page, link, to))
      return;
    to.fragment.reset();
    if ((to.scheme != "http" && to.scheme != "https")
        || to.scheme != base.scheme || to.host != base.host
        || to.effective_port() != base.effective_port()
        || !(to.path.empty() ? std::string{"/"} : to.path).starts_with(prefix))
      return;
    if (to.path.empty())
      to.path = "/";
    auto text = to.to_string();
    if (seen.insert(text).second)
      todo.push(std::move(text));
  }
};

void say(const std::string& line) {
  std::cout << line << std::endl; // a line at a time, for those who watch
}

bool is_html(const gale::http::response& res) {
  auto type = res.headers.find("Content-Type");
  return !type || type->find("html") != std::string::npos;
}

/// Fetches `url`, says how it went, and queues the new links it has.
asio::awaitable<void> visit(crawl& c, const std::string& url) {
  io::http_request req;
  req.url = url;
  req.follow_redirects = false; // a redirect's target is one more link
  req.raise_error = false;
  auto [ec, res] =
    co_await c.client.async_fetch(std::move(req), as_tuple(use_awaitable));
  if (ec) {
    say("error: " + url + ": " + ec.message());
    co_return;
  }
  if (res.status >= 400) {
    auto reason = res.reason.empty()
                    ? std::string{gale::http::reason_phrase(res.status)}
                    : res.reason;
    say("error: " + url + ": " + std::to_string(res.status) + " " + reason);
    co_return;
  }
  say("fetched " + url);
  ++c.fetched;
  gale::http::url page;
  gale::http::parse_url(url, page);
  if (res.status >= 300) {
    if (auto location = res.headers.find("Location"))
      c.follow(page, std::string{*location});
  } else if (is_html(res)) {
    for (auto& link : spider::find_links(res.body))
      c.follow(page, link);
  }
}

asio::awaitable<void> worker(crawl& c) {
  for (;;) {
    auto [ec, url] = co_await c.todo.async_pop(as_tuple(use_awaitable));
    if (ec)
      co_return; // the crawl is over: its queue went
    co_await visit(c, url);
    c.todo.task_done();
  }
}

/// The crawl from `start`: how many pages it fetched.
asio::awaitable<std::size_t> run_crawl(gale::http::url start,
                                       std::size_t concurrency) {
  auto ex = co_await asio::this_coro::executor;
  crawl c{ex, std::move(start), concurrency};
  c.follow(c.base, c.base.to_string());
  for (std::size_t i = 0; i < concurrency; ++i)
    asio::co_spawn(ex, worker(c), io::report_exceptions);
  co_await c.todo.async_join(use_awaitable);
  // The workers wait on the queue; run_sync ends them with the loop.
  co_return c.fetched;
}

/// The generated site on a loop of its own, while it exists.
class own_site {
public:
  own_site() {
    loop_.start();
    on_loop([this] {
      server_.emplace(loop_.executor(), io::http_server_options{},
                      [](const io::exchange_ptr& ex) { answer(ex); });
      failed_ = server_->listen();
    });
    if (failed_)
      throw std::system_error{failed_, "cannot serve the site"};
  }
  ~own_site() {
    on_loop([this] { server_.reset(); });
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/";
  }

private:
  static void answer(const io::exchange_ptr& ex) {
    auto [path, query] = gale::http::split_target(ex->request().target);
    auto host = ex->request().headers.find("Host");
    auto page = spider::site_page(path, host ? std::string{*host} : "");
    if (!page)
      return ex->respond(gale::http::status_page(404));
    gale::http::response res;
    res.headers.set("Content-Type", "text/html; charset=utf-8");
    res.body = std::move(*page);
    ex->respond(std::move(res));
  }
  template <class F>
  void on_loop(F f) {
    std::promise<void> done;
    loop_.post([&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }

  io::loop loop_;
  std::optional<io::http_server> server_;
  std::error_code failed_;
};

int usage(int status) {
  (status ? std::cerr : std::cout)
    << "usage: spider [--url URL] [--concurrency N]\n";
  return status;
}

} // namespace

int main(int argc, char** argv) {
  std::string url;
  long concurrency = 10;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h")
      return usage(0);
    if (i + 1 >= argc)
      return usage(2);
    if (arg == "--url") {
      url = argv[++i];
    } else if (arg == "--concurrency") {
      char* end = nullptr;
      concurrency = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || concurrency < 1 || concurrency > 1000)
        return usage(2);
    } else {
      return usage(2);
    }
  }
  try {
    std::optional<own_site> site;
    if (url.empty())
      url = site.emplace().url();
    gale::http::url start;
    if (gale::http::parse_url(url, start)
        || (start.scheme != "http" && start.scheme != "https")
        || start.host.empty()) {
      std::cerr << "spider: not an http(s) URL: " << url << "\n";
      return 2;
    }
    if (start.path.empty())
      start.path = "/";
    auto began = std::chrono::steady_clock::now();
    auto pages = io::run_sync(
      [&] { return run_crawl(start, static_cast<std::size_t>(concurrency)); });
    std::chrono::duration<double> took =
      std::chrono::steady_clock::now() - began;
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.3f", took.count());
    say("done: " + std::to_string(pages) + " pages in " + seconds + " s");
  } catch (const std::exception& e) {
    std::cerr << "spider: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
