// pipeline: gale's main job. A crawl as a pipeline of actors: a frontier of
// URLs (the source), "fetch" and "parse" stages on workers, and an
// aggregate (the sink) whose new links feed the frontier again.
//
// Usage:
//   pipeline [--pages N] [--concurrency C] [--workers H:P,H:P] [--host H]
//       serves a generated site of N pages (default 3000) with gale's own
//       HTTP server on H (default 127.0.0.1), crawls it from its root and
//       prints a report; --workers runs fetch and parse in those workers
//   pipeline --url URL [--max-pages N] [--concurrency C] [--workers ...]
//       crawls another site instead (same host only, N pages, default 200)
//   pipeline --worker --port P [--host H]
//       runs a worker: serves fetch and parse to coordinators
// Each also takes --log-level LEVELS (gale's log levels, as GALE_LOG_LEVEL:
// "info", "warning,access=info") and --access-log (a line per request the
// generated site answers, on standard error).
//
// --help prints this usage and exits 0.
//
// Exit status: 0 when the crawl completed (pages that failed are counted
// in the report), 1 when it could not (no worker reachable, all workers
// lost, not even the first page fetched), 2 for a usage error.
#include "crawl/items.hpp"
#include "crawl/site.hpp"
#include "crawl/stages.hpp"

#include <gale/blocking.hpp>
#include <gale/http/server.hpp>
#include <gale/io/log.hpp>
#include <gale/io_client.hpp>
#include <gale/pipeline.hpp>
#include <gale/remote.hpp>

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/sec.hpp>
#include <caf/send.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <deque>
#include <future>
#include <iomanip>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <unordered_set>

using namespace std::chrono_literals;

namespace {

struct options {
  bool worker = false;
  std::string host = "127.0.0.1";
  std::optional<std::uint16_t> port;
  std::uint64_t pages = 3000;
  std::optional<std::string> url;
  std::uint64_t max_pages = 0; ///< 0: all (generated) or 200 (--url)
  std::size_t concurrency = 32;
  std::vector<std::pair<std::string, std::uint16_t>> workers;
  bool access_log = false;
  bool help = false;
};

constexpr const char* usage =
  "usage: pipeline [--pages N] [--concurrency C] [--workers H:P,...]"
  " [--host H]\n"
  "       pipeline --url URL [--max-pages N] [--concurrency C]"
  " [--workers H:P,...]\n"
  "       pipeline --worker --port P [--host H]\n"
  "       (each also takes --log-level LEVELS and --access-log)\n";

std::optional<std::uint64_t> number(std::string_view text, std::uint64_t max) {
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || n > max)
    return std::nullopt;
  return n;
}

std::optional<std::string> parse(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      o.help = true;
      return std::nullopt;
    }
    if (arg == "--worker") {
      o.worker = true;
      continue;
    }
    if (arg == "--access-log") {
      o.access_log = true;
      gale::io::log::set_level(gale::io::log::channel::access,
                               gale::io::log::level::info);
      continue;
    }
    std::string_view name = arg, value;
    if (auto eq = arg.find('='); arg.starts_with("--") && eq != arg.npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return std::string{arg} + " needs a value";
    }
    if (name == "--port") {
      auto n = number(value, 65535);
      if (!n)
        return "--port needs 0..65535";
      o.port = static_cast<std::uint16_t>(*n);
    } else if (name == "--host") {
      o.host = value;
    } else if (name == "--pages") {
      auto n = number(value, 10'000'000);
      if (!n || *n == 0)
        return "--pages needs 1..10000000";
      o.pages = *n;
    } else if (name == "--max-pages") {
      auto n = number(value, 10'000'000);
      if (!n || *n == 0)
        return "--max-pages needs 1..10000000";
      o.max_pages = *n;
    } else if (name == "--concurrency") {
      auto n = number(value, 10'000);
      if (!n || *n == 0)
        return "--concurrency needs 1..10000";
      o.concurrency = *n;
    } else if (name == "--url") {
      gale::http::url u;
      if (gale::http::parse_url(value, u)
          || (u.scheme != "http" && u.scheme != "https"))
        return "--url needs an http:// or https:// URL";
      o.url = value;
    } else if (name == "--log-level") {
      if (!gale::io::log::set_levels(value))
        return "--log-level needs levels such as info or warning,access=info";
    } else if (name == "--workers") {
      std::string_view rest = value;
      while (!rest.empty()) {
        auto comma = rest.find(',');
        auto one = rest.substr(0, comma);
        rest = comma == rest.npos ? "" : rest.substr(comma + 1);
        auto colon = one.rfind(':');
        auto port = colon == one.npos ? std::nullopt
                                      : number(one.substr(colon + 1), 65535);
        if (!port || colon == 0 || *port == 0)
          return "--workers needs HOST:PORT[,HOST:PORT...], got '"
                 + std::string{one} + "'";
        o.workers.emplace_back(std::string{one.substr(0, colon)},
                               static_cast<std::uint16_t>(*port));
      }
      if (o.workers.empty())
        return "--workers needs HOST:PORT[,HOST:PORT...]";
    } else {
      return "unknown option " + std::string{name};
    }
  }
  if (o.worker && !o.port)
    return "--worker needs --port";
  if (!o.worker && o.port)
    return "--port is for --worker";
  if (o.worker && (o.url || !o.workers.empty()))
    return "--worker takes only --port and --host";
  return std::nullopt;
}

/// Waits for SIGINT or SIGTERM (through the I/O actor's signal registry).
void wait_for_signal(const gale::io_client& client) {
  std::promise<void> stop;
  std::once_flag once;
  for (int sig : {SIGINT, SIGTERM})
    client.on_signal(
      sig, [&](int) { std::call_once(once, [&] { stop.set_value(); }); },
      gale::use_blocking);
  stop.get_future().wait();
}

// -- the worker process
// ---------------------------------------------------------

int run_worker(caf::actor_system& sys, const options& opts) {
  gale::io::http_client_options http;
  http.max_clients = 64;
  auto io = gale::spawn_io_actor(sys, http);
  auto worker = gale::pipeline::spawn_worker(
    sys, crawl::stages(gale::http::client{sys, io}));
  auto port =
    sys.middleman().publish(worker, *opts.port, opts.host.c_str(), true);
  int status = 0;
  if (!port) {
    std::cerr << "pipeline: cannot listen on " << opts.host << ":" << *opts.port
              << ": " << sys.render(port.error()) << "\n";
    status = 1;
  } else {
    std::cout << "worker listening on " << opts.host << ":" << *port
              << std::endl;
    wait_for_signal(
      gale::io_client{std::make_shared<gale::requester>(sys), io});
  }
  caf::anon_send_exit(worker, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(io, caf::exit_reason::user_shutdown);
  return status;
}

// -- the coordinator
// --------------------------------------------------------------

/// The crawl's state: the frontier (the source), the aggregate (the sink).
/// Only the pipeline's actor touches it while the crawl runs.
struct crawl_state {
  std::uint64_t max_pages;
  std::deque<std::string> frontier;
  std::unordered_set<std::string> seen;
  std::unordered_map<std::uint64_t, std::string> urls; ///< by item number
  std::uint64_t next_item = 0;
  std::uint64_t pages = 0, links = 0, bytes = 0;
  std::map<std::string, std::uint64_t> words;
  std::vector<std::string> failed; ///< "stage URL: why"

  void admit(const std::string& url) {
    if (seen.size() < max_pages && seen.insert(url).second)
      frontier.push_back(url);
  }

  std::optional<caf::message> pull() {
    if (frontier.empty())
      return std::nullopt;
    auto url = std::move(frontier.front());
    frontier.pop_front();
    urls.emplace(next_item++, url);
    return caf::make_message(std::move(url));
  }

  void add(std::uint64_t item, const crawl::parsed_page& page) {
    urls.erase(item);
    ++pages;
    bytes += page.bytes;
    links += page.links.size();
    for (auto& [word, n] : page.words)
      words[word] += n;
    for (auto& link : page.links)
      admit(link);
  }
};

/// Connects to the workers. Those not reachable yet, and those lost later
/// (their process died or their connection broke), are tried again in the
/// background every half second and join the running pipeline when they
/// answer.
class worker_connector {
public:
  using address = std::pair<std::string, std::uint16_t>;

  worker_connector(caf::actor_system& sys, std::vector<address> addrs)
    : sys_(sys), shared_(std::make_shared<shared>()) {
    shared_->waiting = std::move(addrs);
  }

  ~worker_connector() {
    {
      std::lock_guard guard{shared_->mutex};
      shared_->stop = true;
    }
    shared_->wake.notify_all();
    if (thread_.joinable())
      thread_.join();
  }

  /// Tries every worker for up to `patience`; returns those reached, and
  /// the reasons for the others in `problems`.
  std::vector<caf::actor> connect_first(std::chrono::milliseconds patience,
                                        std::string& problems) {
    std::vector<caf::actor> reached;
    auto deadline = std::chrono::steady_clock::now() + patience;
    for (;;) {
      std::unique_lock lock{shared_->mutex};
      try_all(lock, reached, problems);
      if (!reached.empty())
        report_given_up(); // else `problems` says it all
      if (!reached.empty() || shared_->waiting.empty()
          || std::chrono::steady_clock::now() >= deadline)
        return reached;
      lock.unlock();
      std::this_thread::sleep_for(250ms);
    }
  }

  /// Keeps trying the rest, and the lost; each one reached joins
  /// `pipeline`.
  void keep_trying(caf::actor pipeline, std::vector<std::string> stages) {
    thread_ = std::thread{[this, pipeline, stages] {
      std::unique_lock lock{shared_->mutex};
      while (!shared_->stop) {
        if (shared_->waiting.empty())
          shared_->wake.wait(lock);
        else
          shared_->wake.wait_for(lock, 500ms);
        if (shared_->stop)
          return;
        std::vector<caf::actor> reached;
        std::string ignored;
        try_all(lock, reached, ignored);
        report_given_up();
        joined_ += reached.size();
        for (auto& w : reached)
          caf::anon_send(pipeline, gale::pipeline::join_atom::value, w, stages);
      }
    }};
  }

  /// Workers that joined after the start (new or back).
  std::size_t joined() const { return joined_; }

private:
  /// What the connector shares with the watches on its workers, which may
  /// fire after it is gone.
  struct shared {
    std::mutex mutex;
    std::condition_variable wake;
    std::vector<address> waiting;
    bool stop = false;
  };

  void report_given_up() {
    for (auto& line : given_up_)
      std::cerr << "pipeline: " << line << "\n";
    given_up_.clear();
  }

  /// One attempt at every worker not reached yet. A refused or unreachable
  /// address, and one that hung up during the handshake (a worker that is
  /// just restarting), is tried again later; a peer that accepts the
  /// connection but never answers as an actor system (or publishes
  /// something else) will not become a worker, and each attempt would
  /// leave a connection open on it. Each worker reached is watched: lost,
  /// it is waited for again.
  void try_all(std::unique_lock<std::mutex>& lock,
               std::vector<caf::actor>& reached, std::string& problems) {
    problems.clear();
    auto pending = std::move(shared_->waiting);
    shared_->waiting.clear();
    lock.unlock(); // a watch may fire (and lock) while we connect
    std::vector<address> again;
    for (auto& addr : pending) {
      auto w = gale::remote_actor(sys_, addr.first, addr.second, 2s);
      if (w) {
        reached.push_back(*w);
        watch(*w, addr);
        continue;
      }
      auto where = addr.first + ":" + std::to_string(addr.second);
      problems +=
        (problems.empty() ? "" : "; ") + where + ": " + sys_.render(w.error());
      if (w.error() == caf::sec::cannot_connect_to_node
          || w.error() == caf::sec::disconnect_during_handshake)
        again.push_back(addr);
      else
        given_up_.push_back(where + " given up: " + sys_.render(w.error()));
    }
    lock.lock();
    shared_->waiting.insert(shared_->waiting.end(), again.begin(), again.end());
  }

  void watch(const caf::actor& worker, const address& addr) {
    worker->attach_functor(
      [weak = std::weak_ptr<shared>{shared_}, addr](const caf::error&) {
        if (auto s = weak.lock()) {
          std::lock_guard guard{s->mutex};
          if (!s->stop)
            s->waiting.push_back(addr);
          s->wake.notify_all();
        }
      });
  }

  caf::actor_system& sys_;
  std::shared_ptr<shared> shared_;
  std::vector<std::string> given_up_; // not reported yet
  std::atomic<std::size_t> joined_{0};
  std::thread thread_;
};

/// A progress line on a terminal, at most ten times a second.
class progress_bar {
public:
  explicit progress_bar(bool enabled) : enabled_(enabled) {}

  void show(const gale::pipeline::progress& p, std::uint64_t known) {
    if (!enabled_)
      return;
    auto now = std::chrono::steady_clock::now();
    if (!p.finished && now - last_ < 100ms)
      return;
    last_ = now;
    auto done = p.delivered;
    auto width = 30;
    auto filled = known ? static_cast<int>(width * done / known) : 0;
    std::fprintf(stderr, "\r[%s%s] %llu/%llu pages, %zu worker%s%s",
                 std::string(filled, '#').c_str(),
                 std::string(width - filled, '.').c_str(),
                 static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(known), p.workers,
                 p.workers == 1 ? "" : "s", p.finished ? "\n" : "   ");
    std::fflush(stderr);
  }

private:
  bool enabled_;
  std::chrono::steady_clock::time_point last_{};
};

std::string top_words(const std::map<std::string, std::uint64_t>& words,
                      std::size_t n) {
  std::vector<std::pair<std::string, std::uint64_t>> sorted(words.begin(),
                                                            words.end());
  std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  std::string out;
  for (std::size_t i = 0; i < std::min(n, sorted.size()); ++i)
    out += (i ? ", " : "") + sorted[i].first + " "
           + std::to_string(sorted[i].second);
  return out;
}

int run_coordinator(caf::actor_system& sys, const options& opts) {
  auto io = gale::spawn_io_actor(sys, [&] {
    gale::io::http_client_options http;
    http.max_clients = opts.concurrency;
    return http;
  }());
  auto req = std::make_shared<gale::requester>(sys);
  gale::io_client client{req, io};
  std::vector<caf::actor> locals;
  auto cleanup = [&] {
    for (auto& a : locals)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(io, caf::exit_reason::user_shutdown);
  };

  // The site: gale's own server, or the one given.
  std::string root;
  std::uint64_t max_pages = opts.max_pages;
  std::string what;
  if (opts.url) {
    root = *opts.url;
    max_pages = max_pages ? max_pages : 200;
    what = root + " (at most " + std::to_string(max_pages) + " pages)";
  } else {
    gale::io::http_server_options server;
    server.host = opts.host;
    server.port = 0;
    server.access_log = opts.access_log;
    auto pages = opts.pages;
    // [site-server]
    auto site = client.serve(
      server,
      [pages](gale::io::exchange_ptr x) {
        auto path = gale::http::split_target(x->request().target).first;
        auto page = crawl::site_page(path, pages);
        if (!page)
          return x->respond(gale::http::status_page(404));
        gale::http::response res;
        res.headers.set("Content-Type", "text/html; charset=utf-8");
        res.body = std::move(*page);
        x->respond(std::move(res));
      },
      gale::use_blocking);
    // [end]
    auto host = opts.host.find(':') != std::string::npos ? "[" + opts.host + "]"
                                                         : opts.host;
    root = "http://" + host + ":" + std::to_string(site.port) + "/";
    max_pages =
      max_pages ? max_pages : std::numeric_limits<std::uint64_t>::max();
    what = root + " (a generated site of " + std::to_string(pages) + " pages)";
  }

  // Where fetch and parse run: a local worker, or the workers given.
  std::vector<caf::actor> workers;
  std::unique_ptr<worker_connector> connector;
  if (opts.workers.empty()) {
    locals.push_back(gale::pipeline::spawn_worker(
      sys, crawl::stages(gale::http::client{req, io})));
    workers = locals;
  } else {
    connector = std::make_unique<worker_connector>(sys, opts.workers);
    std::string problems;
    workers = connector->connect_first(5s, problems);
    if (workers.empty()) {
      std::cerr << "pipeline: cannot reach any worker (" << problems << ")\n";
      cleanup();
      return 1;
    }
  }

  crawl_state crawl{max_pages, {}, {}, {}, 0, 0, 0, 0, {}, {}};
  crawl.admit(root);
  progress_bar bar{isatty(STDERR_FILENO) == 1};
  std::promise<caf::error> finished;
  auto started = std::chrono::steady_clock::now();

  // [pipeline]
  gale::pipeline::config cfg;
  cfg.stages = {{"fetch", opts.concurrency, workers}, {"parse", 4, workers}};
  cfg.max_in_flight = opts.concurrency * 4;
  cfg.pull = [&] { return crawl.pull(); };
  cfg.sink = [&](std::uint64_t item, caf::message& out) {
    crawl.add(item, out.get_as<crawl::parsed_page>(0));
  };
  cfg.on_error = [&](const gale::pipeline::item_error& e) {
    crawl.failed.push_back(e.stage + " " + crawl.urls[e.item] + ": "
                           + sys.render(e.why));
    crawl.urls.erase(e.item);
  };
  cfg.on_progress = [&](const gale::pipeline::progress& p) {
    bar.show(p, crawl.seen.size());
  };
  gale::pipeline::progress final_progress;
  cfg.on_done = [&](const gale::pipeline::progress& p, const caf::error& why) {
    final_progress = p;
    finished.set_value(why);
  };
  auto pipeline = gale::pipeline::spawn(sys, std::move(cfg));
  // [end]
  if (connector)
    connector->keep_trying(pipeline, {"fetch", "parse"});
  auto why = finished.get_future().get();
  auto seconds =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
      .count();
  auto joined = connector ? connector->joined() : 0;
  connector.reset();
  cleanup();
  if (why) {
    std::cerr << "pipeline: the crawl stopped: " << sys.render(why) << "\n";
    return 1;
  }

  std::sort(crawl.failed.begin(), crawl.failed.end());
  std::cout << "crawl of " << what << ", "
            << (opts.workers.empty()
                  ? std::string{"in one process"}
                  : "on " + std::to_string(opts.workers.size())
                      + (opts.workers.size() == 1 ? " worker" : " workers"))
            << "\n"
            << "pages   " << crawl.pages << "\n"
            << "links   " << crawl.links << "\n"
            << "bytes   " << crawl.bytes << "\n"
            << "errors  " << crawl.failed.size() << "\n";
  for (std::size_t i = 0; i < std::min<std::size_t>(3, crawl.failed.size());
       ++i)
    std::cout << "        " << crawl.failed[i] << "\n";
  if (crawl.failed.size() > 3)
    std::cout << "        ...\n";
  std::cout << "words   " << crawl.words.size() << " distinct\n"
            << "top     " << top_words(crawl.words, 10) << "\n"
            << std::fixed << std::setprecision(3) << "time    " << seconds
            << " s, " << std::setprecision(0) << crawl.pages / seconds
            << " pages/s, " << std::setprecision(1)
            << crawl.bytes / seconds / (1024 * 1024) << " MiB/s\n";
  std::uint64_t retried = 0;
  for (auto& stage : final_progress.stages)
    retried += stage.retried;
  if (retried)
    std::cout << "retried " << retried
              << " items in flight on workers that were lost\n";
  if (joined)
    std::cout << "joined  " << joined << (joined == 1 ? " worker" : " workers")
              << " during the crawl (new, or back after a loss)\n";
  if (crawl.pages == 0) {
    std::cerr << "pipeline: nothing could be crawled"
              << (crawl.failed.empty() ? std::string{}
                                       : " (" + crawl.failed.front() + ")")
              << "\n";
    return 1;
  }
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  options opts;
  if (auto problem = parse(argc, argv, opts)) {
    std::cerr << "pipeline: " << *problem << "\n" << usage;
    return 2;
  }
  if (opts.help) {
    std::cout << usage;
    return 0;
  }
  caf::actor_system_config cfg;
  crawl::configure(cfg);
  cfg.load<caf::io::middleman>();
  // The middleman's log goes nowhere; its errors reach us as values.
  cfg.set("logger.console", caf::atom("none"));
  // A worker that stops answering (frozen, or cut off) is declared lost
  // after 5 s without a message (gale::configure's default is 10 s), and
  // its items run elsewhere.
  cfg.set("middleman.connection-timeout", caf::timespan{5s});
  caf::actor_system sys{cfg};
  try {
    return opts.worker ? run_worker(sys, opts) : run_coordinator(sys, opts);
  } catch (const std::exception& e) {
    std::cerr << "pipeline: " << e.what() << "\n";
    return 1;
  }
}
