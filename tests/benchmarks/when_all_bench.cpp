// Fan-out inside an actor: rounds of 64 trivial asks to another actor,
// awaited with gale::when_all in an actor coroutine, awaited one after the
// other, and sent by hand with CAF's request(...).then and a response
// counter (what one writes without gale). The figure is asks per second;
// every reply is summed and checked.
//
// Without --timeout-ms the requests have none: with one, CAF 0.17's
// clock thread (its map of pending timeouts, a condition variable woken
// per request) tops the profile in every style alike and hides what the
// styles themselves cost.
//
// Usage: bench_when_all [--rounds-per-pass N] [--fan-out K] [--passes P]
//                       [--timeout-ms T]
#include "round_trips.hpp"

#include <gale/type_ids.hpp>
#include <gale/when_ask.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <ranges>
#include <vector>

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

using go_atom = caf::atom_constant<caf::atom("go")>;
using inc_atom = caf::atom_constant<caf::atom("inc")>;

struct settings {
  int rounds = 2000; // per pass
  int fan_out = 64;
  int passes = 7;
  int timeout_ms = 0; // none

  gale::timeout limit() const {
    if (timeout_ms == 0)
      return caf::infinite;
    return std::chrono::milliseconds{timeout_ms};
  }
};

struct config : caf::actor_system_config {
  config() { gale::configure(*this); }
};

caf::behavior incrementer() {
  return {[](inc_atom, int x) { return x + 1; }};
}

/// The sum every style must reach: each ask of x answers x + 1.
std::int64_t expected(const settings& s) {
  std::int64_t per_round =
    static_cast<std::int64_t>(s.fan_out) * (s.fan_out + 1) / 2;
  return per_round * s.rounds;
}

gale::actor_task when_all_rounds(caf::event_based_actor* self, caf::actor inc,
                                 settings s, caf::response_promise rp) {
  std::int64_t sum = 0;
  for (int r = 0; r < s.rounds; ++r) {
    auto replies = co_await gale::when_all(
      std::views::iota(0, s.fan_out) | std::views::transform([&](int x) {
        return gale::ask<int>(self, inc, s.limit(), inc_atom::value, x);
      }));
    for (int v : replies)
      sum += v;
  }
  rp.deliver(sum);
}

gale::actor_task sequential_rounds(caf::event_based_actor* self, caf::actor inc,
                                   settings s, caf::response_promise rp) {
  std::int64_t sum = 0;
  for (int r = 0; r < s.rounds; ++r)
    for (int x = 0; x < s.fan_out; ++x)
      sum += co_await gale::ask<int>(self, inc, s.limit(), inc_atom::value, x);
  rp.deliver(sum);
}

/// Raw CAF: a round's requests all sent, a shared counter of replies; the
/// last reply of a round starts the next.
struct raw_round {
  caf::event_based_actor* self;
  caf::actor inc;
  settings s;
  caf::response_promise rp;
  std::int64_t sum = 0;
  int round = 0;
  int pending = 0;

  static void start(const std::shared_ptr<raw_round>& st) {
    if (st->round++ == st->s.rounds) {
      st->rp.deliver(st->sum);
      return;
    }
    st->pending = st->s.fan_out;
    for (int x = 0; x < st->s.fan_out; ++x)
      st->self->request(st->inc, st->s.limit().to_caf(), inc_atom::value, x)
        .then(
          [st](int v) {
            st->sum += v;
            if (--st->pending == 0)
              start(st);
          },
          [st](caf::error&) { st->rp.deliver(std::int64_t{-1}); });
  }
};

enum class style { when_all, sequential, raw_caf };

caf::behavior driver(caf::event_based_actor* self, caf::actor inc) {
  return {[=](go_atom, int which, int rounds, int fan_out, int timeout_ms) {
    settings s{rounds, fan_out, 0, timeout_ms};
    auto rp = self->make_response_promise();
    switch (static_cast<style>(which)) {
    case style::when_all: when_all_rounds(self, inc, s, rp); break;
    case style::sequential: sequential_rounds(self, inc, s, rp); break;
    case style::raw_caf:
      raw_round::start(
        std::make_shared<raw_round>(raw_round{self, inc, s, rp}));
      break;
    }
    return caf::delegated<std::int64_t>{};
  }};
}

/// Asks per second of one pass in `which` style.
double pass(caf::actor_system& sys, const caf::actor& drv, const settings& s,
            style which) {
  caf::scoped_actor self{sys};
  auto began = clock_type::now();
  std::int64_t sum = 0;
  self
    ->request(drv, caf::infinite, go_atom::value, static_cast<int>(which),
              s.rounds, s.fan_out, s.timeout_ms)
    .receive([&](std::int64_t x) { sum = x; }, [&](caf::error&) { sum = -1; });
  std::chrono::duration<double> took = clock_type::now() - began;
  if (sum != expected(s)) {
    std::fprintf(stderr, "wrong sum %lld (want %lld)\n",
                 static_cast<long long>(sum),
                 static_cast<long long>(expected(s)));
    std::exit(1);
  }
  return static_cast<double>(s.rounds) * s.fan_out / took.count();
}

} // namespace

int main(int argc, char** argv) {
  settings s;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--rounds-per-pass"))
      s.rounds = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--fan-out"))
      s.fan_out = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--passes"))
      s.passes = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--timeout-ms"))
      s.timeout_ms = std::atoi(argv[i + 1]);
  }
  config cfg;
  caf::actor_system sys{cfg};
  auto inc = sys.spawn(incrementer);
  auto drv = sys.spawn(driver, inc);
  pass(sys, drv, s, style::raw_caf); // warm-up
  std::vector<double> all, seq, raw, vs_raw, vs_seq;
  for (int p = 0; p < s.passes; ++p) {
    // Interleaved, so that a noisy neighbour hurts all alike.
    auto r = pass(sys, drv, s, style::raw_caf);
    auto w = pass(sys, drv, s, style::when_all);
    auto q = pass(sys, drv, s, style::sequential);
    raw.push_back(r);
    all.push_back(w);
    seq.push_back(q);
    vs_raw.push_back(w / r);
    vs_seq.push_back(w / q);
    std::printf("pass %d: when_all %.0f/s, sequential %.0f/s, raw CAF %.0f/s, "
                "when_all/raw %.2f, when_all/sequential %.2f\n",
                p + 1, w, q, r, w / r, w / q);
  }
  std::printf("median: when_all %.0f/s, sequential %.0f/s, raw CAF %.0f/s, "
              "when_all/raw %.2f, when_all/sequential %.2f (fan-out %d, "
              "%d rounds per pass, timeout %d ms)\n",
              gale::bench::median(all), gale::bench::median(seq),
              gale::bench::median(raw), gale::bench::median(vs_raw),
              gale::bench::median(vs_seq), s.fan_out, s.rounds, s.timeout_ms);
  caf::anon_send_exit(drv, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(inc, caf::exit_reason::user_shutdown);
}
