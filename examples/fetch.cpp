// fetch: HTTP GETs from the command line, in any of gale's styles.
//
// Usage: fetch [--style sync|callback|future|coroutine|message]
//              [--concurrency N] [--count K] [--timeout SECONDS] URL...
//
// Prints one line per response as it completes, "STATUS BYTES URL" (BYTES:
// the decoded body's length; any status, 404 included, is a response), or
// "error: MESSAGE URL" when no response came. With --count K every URL is
// fetched K times, at most N at once (default 10), and a last line reads
// "requests=N ok=N failed=N seconds=S". Exit status: 0 when every request
// got a response, 1 when one failed, 2 for bad arguments.
#include <gale/blocking.hpp>
#include <gale/future.hpp>
#include <gale/http/blocking_client.hpp>
#include <gale/http/client.hpp>
#include <gale/io_actor.hpp>
#include <gale/type_ids.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <future>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

enum class style { sync, callback, future, coroutine, message };

struct options {
  style how = style::callback;
  std::size_t concurrency = 10;
  std::size_t count = 1;
  bool count_given = false;
  std::chrono::milliseconds timeout{20'000};
  std::vector<std::string> urls;
};

constexpr const char* usage =
  "usage: fetch [--style sync|callback|future|coroutine|message]\n"
  "             [--concurrency N] [--count K] [--timeout SECONDS] URL...\n";

std::optional<std::size_t> positive(std::string_view text) {
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || n == 0)
    return std::nullopt;
  return n;
}

std::optional<std::chrono::milliseconds> seconds(std::string_view text) {
  try {
    std::size_t used = 0;
    double s = std::stod(std::string{text}, &used);
    if (used != text.size() || !(s > 0) || s > 1e6)
      return std::nullopt;
    return std::chrono::milliseconds{static_cast<long long>(s * 1000 + 0.5)};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

/// Parses the command line; an error message when it is not usable.
std::optional<std::string> parse(int argc, char** argv, options& out) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") {
      for (++i; i < argc; ++i)
        out.urls.emplace_back(argv[i]);
      break;
    }
    if (!arg.starts_with("--")) {
      out.urls.emplace_back(arg);
      continue;
    }
    std::string_view name = arg, value;
    bool inline_value = false;
    if (auto eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      inline_value = true;
    }
    if (name != "--style" && name != "--concurrency" && name != "--count"
        && name != "--timeout")
      return "unknown option " + std::string{arg};
    if (!inline_value) {
      if (i + 1 >= argc)
        return std::string{name} + " needs a value";
      value = argv[++i];
    }
    if (name == "--style") {
      if (value == "sync")
        out.how = style::sync;
      else if (value == "callback")
        out.how = style::callback;
      else if (value == "future")
        out.how = style::future;
      else if (value == "coroutine")
        out.how = style::coroutine;
      else if (value == "message")
        out.how = style::message;
      else
        return "unknown style " + std::string{value};
    } else if (name == "--concurrency") {
      auto n = positive(value);
      if (!n)
        return "--concurrency needs a positive integer";
      out.concurrency = *n;
    } else if (name == "--count") {
      auto n = positive(value);
      if (!n)
        return "--count needs a positive integer";
      out.count = *n;
      out.count_given = true;
    } else {
      auto t = seconds(value);
      if (!t)
        return "--timeout needs a positive number of seconds";
      out.timeout = *t;
    }
  }
  if (out.urls.empty())
    return "no URL given";
  return std::nullopt;
}

/// The work: `total` fetches of the URLs in turn, handed out to whichever
/// style's worker asks next, and their outcomes printed as they come.
class job {
public:
  explicit job(const options& opts)
    : opts_(opts), total_(opts.count * opts.urls.size()) {}

  std::size_t total() const { return total_; }

  /// The next request to make, or nothing when all were handed out.
  std::optional<gale::io::http_request> next() {
    auto i = handed_out_.fetch_add(1);
    if (i >= total_)
      return std::nullopt;
    gale::io::http_request req;
    req.url = opts_.urls[i % opts_.urls.size()];
    req.raise_error = false; // any status is a response here
    req.connect_timeout = opts_.timeout;
    req.request_timeout = opts_.timeout;
    return req;
  }

  /// Prints one outcome. True when it was the last one.
  bool report(const std::string& url, std::error_code ec,
              const gale::http::response& res) {
    std::lock_guard guard{mutex_};
    if (ec) {
      ++failed_;
      std::cout << "error: " << ec.message() << ' ' << url << '\n';
    } else {
      ++ok_;
      std::cout << res.status << ' ' << res.body.size() << ' ' << url << '\n';
    }
    return ok_ + failed_ == total_;
  }

  std::size_t failed() const {
    std::lock_guard guard{mutex_};
    return failed_;
  }

  void summary(double seconds) const {
    std::lock_guard guard{mutex_};
    char line[160];
    std::snprintf(line, sizeof line,
                  "requests=%zu ok=%zu failed=%zu seconds=%.3f", total_, ok_,
                  failed_, seconds);
    std::cout << line << '\n';
  }

private:
  const options& opts_;
  std::size_t total_;
  std::atomic<std::size_t> handed_out_{0};
  mutable std::mutex mutex_;
  std::size_t ok_ = 0;
  std::size_t failed_ = 0;
};

/// Blocking calls, one thread per request in flight.
void run_sync(job& work, const options& opts, caf::actor_system& sys,
              const gale::http_client_actor& http) {
  gale::http::blocking_client client{sys, http};
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < std::min(opts.concurrency, work.total()); ++t)
    threads.emplace_back([&] {
      while (auto req = work.next()) {
        auto url = req->url;
        try {
          work.report(url, {}, client.fetch(std::move(*req)));
        } catch (const gale::error& e) {
          work.report(url, e.code(), {});
        }
      }
    });
  for (auto& t : threads)
    t.join();
}

/// Keeps `concurrency` fetches going until all are done: `fetch_one(req,
/// done)` starts one in some style and calls `done(ec, response)` when it
/// ends, which reports it and starts the next.
template <class FetchOne>
void keep_in_flight(job& work, std::size_t concurrency, FetchOne fetch_one) {
  std::promise<void> all_done;
  std::function<void()> start_one = [&] {
    auto req = work.next();
    if (!req)
      return;
    auto url = req->url;
    fetch_one(std::move(*req),
              [&, url](std::error_code ec, const gale::http::response& res) {
                if (work.report(url, ec, res))
                  all_done.set_value();
                else
                  start_one();
              });
  };
  for (std::size_t i = 0; i < concurrency; ++i)
    start_one();
  all_done.get_future().wait();
}

/// Callbacks: each completion starts the next request.
void run_callback(job& work, const options& opts,
                  const gale::http::client& client) {
  keep_in_flight(work, opts.concurrency, [&](auto req, auto done) {
    client.fetch(
      std::move(req),
      [done](std::error_code ec, gale::http::response res) { done(ec, res); });
  });
}

/// Futures: a done-callback on each future starts the next request.
void run_future(job& work, const options& opts,
                const gale::http::client& client) {
  keep_in_flight(work, opts.concurrency, [&](auto req, auto done) {
    client.fetch(std::move(req), gale::use_future)
      .add_done_callback([done](gale::future<gale::http::response> f) {
        try {
          done({}, f.get());
        } catch (const gale::error& e) {
          done(e.code(), {});
        }
      });
  });
}

/// Coroutines: N of them on one event loop, each fetching in turn.
void run_coroutine(job& work, const options& opts,
                   const gale::http::client& client) {
  asio::io_context ctx;
  auto worker = [&]() -> asio::awaitable<void> {
    while (auto req = work.next()) {
      auto url = req->url;
      try {
        auto res = co_await client.fetch(std::move(*req), asio::use_awaitable);
        work.report(url, {}, res);
      } catch (const std::system_error& e) {
        work.report(url, e.code(), {});
      }
    }
  };
  for (std::size_t i = 0; i < opts.concurrency; ++i)
    asio::co_spawn(ctx, worker(), asio::detached);
  ctx.run();
}

/// Messages: an actor keeps N requests to the HTTP client actor in flight
/// and gets every reply as a message.
struct driver_state {
  gale::http_client_actor http;
  job* work = nullptr;
  caf::response_promise finished;
};

using driver = caf::stateful_actor<driver_state>;

void start_one(driver* self);

void finished_one(driver* self, const std::string& url, std::error_code ec,
                  const gale::http::response& res) {
  if (self->state.work->report(url, ec, res))
    self->state.finished.deliver(caf::unit);
  else
    start_one(self);
}

void start_one(driver* self) {
  auto req = self->state.work->next();
  if (!req)
    return;
  auto url = req->url;
  self
    ->request(self->state.http, caf::infinite, gale::fetch_atom_v,
              gale::op_id{0}, std::move(*req))
    .then([self, url](
            gale::http::response& res) { finished_one(self, url, {}, res); },
          [self, url](caf::error& err) {
            finished_one(self, url, gale::to_error_code(err), {});
          });
}

caf::behavior fetch_driver(driver* self, gale::http_client_actor http,
                           job* work, std::size_t concurrency) {
  self->state.http = std::move(http);
  self->state.work = work;
  return {
    [self, concurrency](gale::ping_atom) {
      self->state.finished = self->make_response_promise();
      for (std::size_t i = 0; i < concurrency; ++i)
        start_one(self);
      return self->state.finished;
    },
  };
}

void run_message(job& work, const options& opts, caf::actor_system& sys,
                 const gale::http_client_actor& http) {
  auto driver = sys.spawn(fetch_driver, http, &work, opts.concurrency);
  gale::requester req{sys};
  req.async_request<void>(driver, caf::infinite,
                          caf::make_message(gale::ping_atom_v),
                          gale::use_blocking);
  caf::anon_send_exit(driver, caf::exit_reason::user_shutdown);
}

} // namespace

int main(int argc, char** argv) {
  options opts;
  if (argc == 2
      && (std::string_view{argv[1]} == "--help"
          || std::string_view{argv[1]} == "-h")) {
    std::cout << usage;
    return 0;
  }
  if (auto problem = parse(argc, argv, opts)) {
    std::cerr << "fetch: " << *problem << "\n" << usage;
    return 2;
  }
  std::ios::sync_with_stdio(false);
  caf::actor_system_config cfg;
  gale::configure(cfg);
  caf::actor_system sys{cfg};
  auto http = gale::spawn_http_client(sys, {.max_clients = opts.concurrency});
  job work{opts};
  auto started = std::chrono::steady_clock::now();
  {
    gale::http::client client{sys, http};
    switch (opts.how) {
    case style::sync: run_sync(work, opts, sys, http); break;
    case style::callback: run_callback(work, opts, client); break;
    case style::future: run_future(work, opts, client); break;
    case style::coroutine: run_coroutine(work, opts, client); break;
    case style::message: run_message(work, opts, sys, http); break;
    }
  }
  std::chrono::duration<double> took =
    std::chrono::steady_clock::now() - started;
  if (opts.count_given)
    work.summary(took.count());
  std::cout.flush();
  caf::anon_send_exit(http, caf::exit_reason::user_shutdown);
  return work.failed() == 0 ? 0 : 1;
}
