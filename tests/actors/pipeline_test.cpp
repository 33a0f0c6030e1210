// The pipeline API: stages on worker actors, backpressure, per-item errors,
// ordering, the end of the stream, and workers that die mid-run.
#include "gale/pipeline.hpp"

#include "fixture.hpp"

#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

using namespace std::chrono_literals;
namespace pl = gale::pipeline;

namespace {

struct outcome {
  std::vector<std::pair<std::uint64_t, int>> delivered;
  std::vector<pl::item_error> errors;
  pl::progress final;
  caf::error why;
  std::size_t max_outstanding = 0; ///< pulled but not yet delivered/failed
};

/// Runs a pipeline over the numbers 0..n-1 and waits for its end.
outcome run(caf::actor_system& sys, pl::config cfg, int n,
            std::function<void(std::uint64_t, int)> on_item = {}) {
  auto out = std::make_shared<outcome>();
  auto next = std::make_shared<int>(0);
  std::promise<void> done;
  cfg.pull = [=]() -> std::optional<caf::message> {
    if (*next == n)
      return std::nullopt;
    auto outstanding = static_cast<std::size_t>(*next) - out->delivered.size()
                       - out->errors.size();
    out->max_outstanding = std::max(out->max_outstanding, outstanding + 1);
    return caf::make_message((*next)++);
  };
  cfg.sink = [=](std::uint64_t seq, caf::message& m) {
    out->delivered.emplace_back(seq, m.get_as<int>(0));
    if (on_item)
      on_item(seq, m.get_as<int>(0));
  };
  cfg.on_error = [=](const pl::item_error& e) { out->errors.push_back(e); };
  cfg.on_done = [&, out](const pl::progress& p, const caf::error& why) {
    out->final = p;
    out->why = why;
    done.set_value();
  };
  pl::spawn(sys, std::move(cfg));
  REQUIRE(done.get_future().wait_for(30s) == std::future_status::ready);
  return *out;
}

pl::stage_registry arithmetic() {
  pl::stage_registry r;
  r.map<int>("double", [](int x) { return 2 * x; });
  r.filter<int>("no_sevens", [](int x) { return x % 7 != 0; });
  r.map<int>("fail_on_ten", [](int x) {
    if (x == 10)
      throw std::runtime_error("ten is not allowed");
    return x;
  });
  r.async_map<int>("slow", [](int x, pl::completion done) {
    // Finishes on another thread, later for small numbers: out of order.
    std::thread{[x, done] {
      std::this_thread::sleep_for(std::chrono::milliseconds{(20 - x % 20)});
      done(caf::make_message(x));
    }}.detach();
  });
  return r;
}

} // namespace

TEST_CASE("pipeline: every item through map and filter stages, then the "
          "end of the stream",
          "[pipeline]") {
  gale::test::fixture f;
  auto w = pl::spawn_worker(f.sys, arithmetic());
  pl::config cfg;
  cfg.stages = {{"double", 4, {w}}, {"no_sevens", 4, {w}}};
  auto out = run(f.sys, std::move(cfg), 100);
  CHECK(!out.why);
  CHECK(out.final.finished);
  CHECK(out.final.pulled == 100);
  // Doubles of 0..99 that are not multiples of 7: 85 of them.
  CHECK(out.delivered.size() == 85);
  CHECK(out.final.stages[0].in == 100);
  CHECK(out.final.stages[0].out == 100);
  CHECK(out.final.stages[1].filtered == 15);
  CHECK(out.final.stages[1].out == 85);
  for (auto& [seq, v] : out.delivered)
    CHECK(v == 2 * static_cast<int>(seq));
  caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
}

TEST_CASE("pipeline: ordered delivery keeps the source's order although "
          "items finish out of order",
          "[pipeline]") {
  gale::test::fixture f;
  auto w = pl::spawn_worker(f.sys, arithmetic());
  for (bool ordered : {true, false}) {
    pl::config cfg;
    cfg.stages = {{"slow", 16, {w}}};
    cfg.ordered = ordered;
    auto out = run(f.sys, std::move(cfg), 60);
    REQUIRE(out.delivered.size() == 60);
    bool in_order = std::is_sorted(out.delivered.begin(), out.delivered.end());
    CHECK(in_order == ordered);
  }
  caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
}

TEST_CASE("pipeline: a failing item is reported with its stage and reason, "
          "the others go on",
          "[pipeline]") {
  gale::test::fixture f;
  auto w = pl::spawn_worker(f.sys, arithmetic());
  pl::config cfg;
  cfg.stages = {{"fail_on_ten", 4, {w}}, {"double", 4, {w}}};
  auto out = run(f.sys, std::move(cfg), 30);
  CHECK(!out.why);
  CHECK(out.delivered.size() == 29);
  REQUIRE(out.errors.size() == 1);
  CHECK(out.errors[0].item == 10);
  CHECK(out.errors[0].stage == "fail_on_ten");
  CHECK(f.sys.render(out.errors[0].why).find("ten is not allowed")
        != std::string::npos);
  CHECK(out.final.stages[0].failed == 1);
  CHECK(out.final.stages[1].in == 29);

  SECTION("stop_on_error ends the pipeline with that error") {
    pl::config stop;
    stop.stages = {{"fail_on_ten", 1, {w}}};
    stop.stop_on_error = true;
    stop.max_in_flight = 1;
    auto halted = run(f.sys, std::move(stop), 30);
    CHECK(halted.why);
    CHECK(halted.delivered.size() == 10);
    CHECK(halted.final.pulled == 11);
  }
  SECTION("an item of the wrong type is that item's error") {
    pl::config wrong;
    wrong.stages = {{"double", 1, {w}}};
    wrong.pull = [sent = false]() mutable -> std::optional<caf::message> {
      if (std::exchange(sent, true))
        return std::nullopt;
      return caf::make_message(std::string{"not a number"});
    };
    std::promise<std::vector<pl::item_error>> errors;
    auto seen = std::make_shared<std::vector<pl::item_error>>();
    wrong.on_error = [seen](const pl::item_error& e) { seen->push_back(e); };
    wrong.on_done = [&, seen](const pl::progress&, const caf::error&) {
      errors.set_value(*seen);
    };
    pl::spawn(f.sys, std::move(wrong));
    auto got = errors.get_future().get();
    REQUIRE(got.size() == 1);
    CHECK(f.sys.render(got[0].why).find("unexpected item")
          != std::string::npos);
  }
  caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
}

TEST_CASE("pipeline: a slow sink bounds the items in flight (backpressure)",
          "[pipeline]") {
  gale::test::fixture f;
  auto w = pl::spawn_worker(f.sys, arithmetic());
  pl::config cfg;
  cfg.stages = {{"double", 8, {w}}};
  cfg.max_in_flight = 5;
  auto out = run(f.sys, std::move(cfg), 200, [](std::uint64_t, int) {
    std::this_thread::sleep_for(1ms); // a sink slower than the stage
  });
  CHECK(out.delivered.size() == 200);
  // The source was never more than max_in_flight ahead of the sink.
  CHECK(out.max_outstanding <= 5);
  CHECK(out.max_outstanding >= 2);
  caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
}

TEST_CASE("pipeline: a stage's parallelism bounds the items a worker holds",
          "[pipeline]") {
  gale::test::fixture f;
  auto now = std::make_shared<std::atomic<int>>(0);
  auto peak = std::make_shared<std::atomic<int>>(0);
  pl::stage_registry r;
  r.async_map<int>("count", [now, peak](int x, pl::completion done) {
    auto held = ++*now;
    int p = peak->load();
    while (held > p && !peak->compare_exchange_weak(p, held))
      ;
    std::thread{[x, done, now] {
      std::this_thread::sleep_for(2ms);
      --*now;
      done(caf::make_message(x));
    }}.detach();
  });
  auto w = pl::spawn_worker(f.sys, std::move(r));
  pl::config cfg;
  cfg.stages = {{"count", 3, {w}}};
  auto out = run(f.sys, std::move(cfg), 50);
  CHECK(out.delivered.size() == 50);
  CHECK(peak->load() <= 3);
  CHECK(peak->load() >= 2);
  caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
}

TEST_CASE("pipeline: when a worker dies, its items run on the others; "
          "nothing lost, nothing twice",
          "[pipeline]") {
  gale::test::fixture f;
  // The doomed worker never answers: its items are in flight when it dies.
  pl::stage_registry black_hole;
  black_hole.async_map<int>("double", [](int, pl::completion) {});
  auto doomed = pl::spawn_worker(f.sys, std::move(black_hole));
  auto good = pl::spawn_worker(f.sys, arithmetic());
  std::thread killer{[&] {
    std::this_thread::sleep_for(100ms);
    caf::anon_send_exit(doomed, caf::exit_reason::kill);
  }};
  pl::config cfg;
  cfg.stages = {{"double", 4, {doomed, good}}};
  auto out = run(f.sys, std::move(cfg), 100);
  killer.join();
  CHECK(!out.why);
  REQUIRE(out.delivered.size() == 100);
  std::set<std::uint64_t> seqs;
  for (auto& [seq, v] : out.delivered) {
    seqs.insert(seq);
    CHECK(v == 2 * static_cast<int>(seq));
  }
  CHECK(seqs.size() == 100);
  CHECK(out.final.stages[0].retried == 4);
  CHECK(out.final.workers == 1);
  caf::anon_send_exit(good, caf::exit_reason::user_shutdown);
}

TEST_CASE("pipeline: a stage left without workers ends the pipeline with "
          "a clear error; a worker that joins in time saves it",
          "[pipeline]") {
  gale::test::fixture f;
  pl::config cfg;
  cfg.stages = {{"double", 4, {}}};
  cfg.worker_wait = 300ms;
  auto out = run(f.sys, cfg, 10);
  REQUIRE(out.why);
  CHECK(f.sys.render(out.why).find("no worker left for double")
        != std::string::npos);

  auto w = pl::spawn_worker(f.sys, arithmetic());
  std::promise<caf::actor> running;
  std::thread joiner{[&] {
    auto p = running.get_future().get();
    std::this_thread::sleep_for(100ms);
    caf::anon_send(p, pl::join_atom::value, w,
                   std::vector<std::string>{"double"});
  }};
  cfg.worker_wait = 5s;
  auto next = std::make_shared<int>(0);
  std::promise<std::size_t> delivered;
  auto count = std::make_shared<std::size_t>(0);
  cfg.pull = [next]() -> std::optional<caf::message> {
    if (*next == 10)
      return std::nullopt;
    return caf::make_message((*next)++);
  };
  cfg.sink = [count](std::uint64_t, caf::message&) { ++*count; };
  cfg.on_done = [&, count](const pl::progress&, const caf::error& why) {
    delivered.set_value(why ? 0 : *count);
  };
  running.set_value(pl::spawn(f.sys, cfg));
  auto got = delivered.get_future();
  REQUIRE(got.wait_for(10s) == std::future_status::ready);
  CHECK(got.get() == 10);
  joiner.join();
  caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
}

TEST_CASE("pipeline: a running pipeline tells its progress when asked",
          "[pipeline]") {
  gale::test::fixture f;
  pl::config cfg;
  cfg.stages = {{"double", 4, {}}}; // no worker yet: the items wait
  cfg.worker_wait = 2s;
  cfg.max_in_flight = 7;
  cfg.pull = [n = 0]() mutable -> std::optional<caf::message> {
    return n < 10 ? std::optional{caf::make_message(n++)} : std::nullopt;
  };
  auto p = pl::spawn(f.sys, std::move(cfg));
  caf::scoped_actor self{f.sys};
  auto asked = gale::test::eventually([&] {
    pl::progress got;
    self->request(p, 5s, pl::progress_atom::value)
      .receive([&](pl::progress& x) { got = std::move(x); },
               [](caf::error&) {});
    return got.pulled == 7 && got.workers == 0 && !got.finished
           && got.stages.size() == 1 && got.stages[0].name == "double";
  });
  CHECK(asked);
}
