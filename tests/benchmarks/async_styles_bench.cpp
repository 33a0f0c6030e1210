// Round trips per second of a trivial request in every async style, one at
// a time and with 64 in flight, beside two references measured in the same
// run: a raw CAF request/response between two actors, and a bare hand-off
// between two threads (std::promise/std::future ping-pong).
//
// Usage: bench_async_styles [--seconds S] [--repeat R] [--only TEXT]
// Each figure is the median of R runs of about S seconds (default 0.5 x 3).
#include <gale/actor_coroutine.hpp>
#include <gale/blocking.hpp>
#include <gale/future.hpp>
#include <gale/io_client.hpp>
#include <gale/queue.hpp>
#include <gale/requester.hpp>
#include <gale/type_ids.hpp>

#include "round_trips.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <asio/bind_executor.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

constexpr int in_flight = 64;

struct options {
  double seconds = 0.5;
  int repeat = 3;
  std::string only; // comma-separated parts of the style names to run
};

bool selected(const options& opt, const std::string& style) {
  if (opt.only.empty())
    return true;
  std::size_t start = 0;
  while (start <= opt.only.size()) {
    auto end = opt.only.find(',', start);
    if (end == std::string::npos)
      end = opt.only.size();
    auto part = opt.only.substr(start, end - start);
    if (!part.empty() && style.find(part) != std::string::npos)
      return true;
    start = end + 1;
  }
  return false;
}

double median_rate(const options& opt, const std::function<void(long)>& batch) {
  return gale::bench::median_rate(opt.seconds, opt.repeat, batch);
}

caf::behavior echo(caf::event_based_actor*) {
  return {[](int x) { return x; }};
}

/// Waits for a std::promise set inside an actor.
void wait_for(std::future<void> f) {
  f.get();
}

// -- references ---------------------------------------------------------------

/// An actor that runs `lanes` request chains to `target` until `n` replies;
/// each request is `Request{}` and its reply a `Reply`.
template <class Reply = int, class Request = int>
void raw_caf(caf::actor_system& sys, caf::actor target, long n, int lanes) {
  gale::bench::request_chains<Reply>(sys, target, Request{}, n, lanes);
}

/// Two threads handing promises back and forth: the caller keeps `lanes`
/// promises outstanding in a mutex-protected queue; the other thread takes
/// whatever is queued under one lock and fulfils it. With one lane this is
/// a plain promise/future ping-pong.
void thread_ping_pong(long n, int lanes) {
  std::mutex m;
  std::condition_variable cv;
  std::deque<std::promise<int>> inbox;
  bool stop = false;
  std::thread server{[&] {
    for (;;) {
      std::unique_lock lock{m};
      cv.wait(lock, [&] { return stop || !inbox.empty(); });
      if (inbox.empty())
        return;
      auto batch = std::move(inbox);
      inbox.clear();
      lock.unlock();
      for (auto& p : batch)
        p.set_value(1);
    }
  }};
  std::deque<std::future<int>> pending;
  auto issue = [&] {
    std::promise<int> p;
    pending.push_back(p.get_future());
    {
      std::lock_guard lock{m};
      inbox.push_back(std::move(p));
    }
    cv.notify_one();
  };
  long issued = 0;
  for (; issued < std::min<long>(n, lanes); ++issued)
    issue();
  for (long done = 0; done < n; ++done) {
    pending.front().get();
    pending.pop_front();
    if (issued < n) {
      issue();
      ++issued;
    }
  }
  {
    std::lock_guard lock{m};
    stop = true;
  }
  cv.notify_one();
  server.join();
}

// -- styles inside actors
// -------------------------------------------------------

void coroutine_in_actor(caf::actor_system& sys, caf::actor target, long n,
                        int lanes) {
  std::promise<void> done;
  sys.spawn([=, &done](caf::event_based_actor* self) {
    auto remaining = std::make_shared<long>(n);
    for (int lane = 0; lane < lanes; ++lane) {
      long share = n / lanes + (lane < n % lanes ? 1 : 0);
      [](caf::event_based_actor* self, caf::actor target, long share,
         std::shared_ptr<long> remaining,
         std::promise<void>* done) -> gale::actor_task {
        for (long i = 0; i < share; ++i) {
          co_await gale::ask<int>(self, target, caf::infinite, 1);
          if (--*remaining == 0) {
            done->set_value();
            self->quit();
          }
        }
      }(self, target, share, remaining, &done);
    }
  });
  wait_for(done.get_future());
}

/// Callbacks through the requester run on the replying actor's thread;
/// each issues the next request from there.
void callback_chain(gale::requester& req, caf::actor target, long n,
                    int lanes) {
  std::promise<void> done;
  std::atomic<long> started{0};
  std::atomic<long> remaining{n};
  std::function<void()> step = [&] {
    if (started++ >= n)
      return;
    req.async_request<int>(target, caf::infinite, caf::make_message(1),
                           [&](std::error_code, int) {
                             if (--remaining == 0)
                               done.set_value();
                             else
                               step();
                           });
  };
  for (int i = 0; i < lanes; ++i)
    step();
  done.get_future().get();
}

// -- styles that complete on a thread of the caller's ------------------------

template <class Future, class Issue>
void futures(long n, int lanes, Issue issue) {
  std::deque<Future> pending;
  long issued = 0;
  for (; issued < std::min<long>(n, lanes); ++issued)
    pending.push_back(issue());
  for (long done = 0; done < n; ++done) {
    pending.front().get();
    pending.pop_front();
    if (issued < n) {
      pending.push_back(issue());
      ++issued;
    }
  }
}

void awaitables(gale::requester& req, caf::actor target, long n, int lanes) {
  asio::io_context ctx{1};
  for (int lane = 0; lane < lanes; ++lane) {
    long share = n / lanes + (lane < n % lanes ? 1 : 0);
    asio::co_spawn(
      ctx,
      [&req, target, share]() -> asio::awaitable<void> {
        for (long i = 0; i < share; ++i)
          co_await req.async_request<int>(
            target, caf::infinite, caf::make_message(1), asio::use_awaitable);
      },
      asio::detached);
  }
  ctx.run();
}

void executor_callbacks(gale::requester& req, caf::actor target, long n,
                        int lanes) {
  asio::io_context ctx{1};
  long started = 0; // touched on ctx's thread only
  std::function<void()> step = [&] {
    if (started++ >= n)
      return;
    req.async_request<int>(
      target, caf::infinite, caf::make_message(1),
      asio::bind_executor(ctx, [&](std::error_code, int) { step(); }));
  };
  for (int i = 0; i < lanes; ++i)
    step();
  ctx.run();
}

void queue_style(gale::requester& req, caf::actor target, long n, int lanes) {
  gale::queue<gale::result<int>> q;
  long issued = 0;
  for (; issued < std::min<long>(n, lanes); ++issued)
    req.async_request<int>(target, caf::infinite, caf::make_message(1),
                           gale::to_queue(q));
  for (long done = 0; done < n; ++done) {
    q.pop();
    if (issued < n) {
      req.async_request<int>(target, caf::infinite, caf::make_message(1),
                             gale::to_queue(q));
      ++issued;
    }
  }
}

struct row {
  std::string style;
  std::string thread;
  double one;
  double many; // 0: not applicable
  double ref_one;
  double ref_many;
  double goal;
};

void print(const std::vector<row>& rows) {
  std::printf("%-34s %-12s %12s %8s %12s %8s %6s\n", "style", "completes on",
              "1 in flight", "ratio", "64 in flight", "ratio", "goal");
  for (const auto& r : rows) {
    std::printf("%-34s %-12s %12.0f %8.2f ", r.style.c_str(), r.thread.c_str(),
                r.one, r.one / r.ref_one);
    if (r.many > 0)
      std::printf("%12.0f %8.2f", r.many, r.many / r.ref_many);
    else
      std::printf("%12s %8s", "-", "-");
    if (r.goal > 0)
      std::printf(" %5.1fx", r.goal);
    std::printf("\n");
  }
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--seconds") == 0)
      opt.seconds = std::stod(argv[i + 1]);
    else if (std::strcmp(argv[i], "--repeat") == 0)
      opt.repeat = std::stoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--only") == 0)
      opt.only = argv[i + 1];
  }
  caf::actor_system_config cfg;
  gale::configure(cfg);
  if (std::getenv("CAF_DEFAULT_POLLING")) // compare with CAF's defaults
    cfg.set("work-stealing.moderate-poll-attempts", size_t{500});
  if (auto spec = std::getenv("MODERATE")) { // "attempts,sleep_us": experiments
    auto comma = std::strchr(spec, ',');
    cfg.set("work-stealing.moderate-poll-attempts",
            static_cast<size_t>(std::atol(spec)));
    if (comma)
      cfg.set("work-stealing.moderate-sleep-duration",
              caf::timespan{std::chrono::microseconds{std::atol(comma + 1)}});
  }
  caf::actor_system sys{cfg};
  auto target = sys.spawn(echo);
  auto io = gale::spawn_io_actor(sys);
  {
    gale::requester req{sys};
    gale::io_client client{sys, io};
    auto rate = [&](auto f) { return median_rate(opt, f); };
    using batch = std::function<void(long, int)>;
    double caf1 = rate([&](long n) { raw_caf(sys, target, n, 1); });
    double caf64 = rate([&](long n) { raw_caf(sys, target, n, in_flight); });
    double thr1 = rate([&](long n) { thread_ping_pong(n, 1); });
    double thr64 = rate([&](long n) { thread_ping_pong(n, in_flight); });

    std::vector<row> rows;
    rows.push_back({"reference: raw CAF request/then", "CAF worker", caf1,
                    caf64, caf1, caf64, 0});
    rows.push_back({"reference: thread promise hand-off", "own thread", thr1,
                    thr64, thr1, thr64, 0});
    // Measures `run` with 1 and (unless `single`) 64 requests in flight.
    auto add = [&](const char* style, bool on_caf_thread, batch run,
                   double goal, bool single = false) {
      if (!selected(opt, style))
        return;
      auto one = rate([&](long n) { run(n, 1); });
      auto many = single ? 0.0 : rate([&](long n) { run(n, in_flight); });
      rows.push_back({style, on_caf_thread ? "CAF worker" : "own thread", one,
                      many, on_caf_thread ? caf1 : thr1,
                      on_caf_thread ? caf64 : thr64, goal});
    };
    // The message style is CAF's request/then itself, against the I/O actor.
    auto io_handle = caf::actor_cast<caf::actor>(io);
    add(
      "message (request/then, I/O actor)", true,
      [&](long n, int lanes) {
        raw_caf<gale::pong_atom, gale::ping_atom>(sys, io_handle, n, lanes);
      },
      0.5);
    add(
      "coroutine in an actor", true,
      [&](long n, int lanes) { coroutine_in_actor(sys, target, n, lanes); },
      0.5);
    add(
      "callback (on the replying actor)", true,
      [&](long n, int lanes) { callback_chain(req, target, n, lanes); }, 0.5);
    add(
      "std::future (asio::use_future)", false,
      [&](long n, int lanes) {
        futures<std::future<int>>(n, lanes, [&] {
          return req.async_request<int>(target, caf::infinite,
                                        caf::make_message(1), asio::use_future);
        });
      },
      0.5);
    add(
      "gale::future", false,
      [&](long n, int lanes) {
        futures<gale::future<int>>(n, lanes, [&] {
          return req.async_request<int>(target, caf::infinite,
                                        caf::make_message(1), gale::use_future);
        });
      },
      0.5);
    add(
      "asio awaitable", false,
      [&](long n, int lanes) { awaitables(req, target, n, lanes); }, 0.5);
    add(
      "callback on a user executor", false,
      [&](long n, int lanes) { executor_callbacks(req, target, n, lanes); },
      0.5);
    add(
      "queue (to_queue + pop)", false,
      [&](long n, int lanes) { queue_style(req, target, n, lanes); }, 0.5);
    add(
      "blocking (use_blocking)", false,
      [&](long n, int) {
        for (long i = 0; i < n; ++i)
          req.async_request<int>(target, caf::infinite, caf::make_message(1),
                                 gale::use_blocking);
      },
      0.5, true);
    // Not a goal: what one I/O operation costs when it crosses to the loop
    // thread and back (a zero-length sleep).
    add(
      "I/O op via the loop (sleep 0, future)", false,
      [&](long n, int lanes) {
        futures<gale::future<void>>(
          n, lanes, [&] { return client.sleep(0ns, gale::use_future); });
      },
      0);
    std::printf(
      "round trips per second (median of %d runs of ~%.1f s); ratio is "
      "against the reference for the thread the style completes on\n\n",
      opt.repeat, opt.seconds);
    print(rows);
  }
  caf::anon_send_exit(io, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(target, caf::exit_reason::user_shutdown);
}
