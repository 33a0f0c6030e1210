// gale::queue against asio::experimental::channel: items passed from one
// Asio coroutine to another on one loop, through a buffer of the same size.
// Both sides wait for room and for items; the figure is items per second.
//
// Usage: bench_queue [--items N] [--capacity C] [--rounds R]
#include "round_trips.hpp"

#include <gale/queue.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/channel.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <vector>

using asio::use_awaitable;
using clock_type = std::chrono::steady_clock;

namespace {

struct settings {
  long items = 1'000'000;
  std::size_t capacity = 64;
  int rounds = 5;
};

/// Runs the coroutines `spawn(ctx, sum)` starts to their end on a fresh
/// loop: items per second. The consumer's sum is checked, so that neither
/// side can skip work.
template <class Spawn>
double pass(const settings& s, Spawn spawn) {
  asio::io_context ctx{1};
  long long sum = 0;
  auto began = clock_type::now();
  spawn(ctx, sum);
  ctx.run();
  std::chrono::duration<double> took = clock_type::now() - began;
  if (sum != static_cast<long long>(s.items) * (s.items + 1) / 2) {
    std::fprintf(stderr, "wrong sum %lld\n", sum);
    std::exit(1);
  }
  return static_cast<double>(s.items) / took.count();
}

double gale_queue(const settings& s) {
  gale::queue<long> q{s.capacity};
  return pass(s, [&](asio::io_context& ctx, long long& sum) {
    asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<void> {
        for (long i = 1; i <= s.items; ++i)
          co_await q.async_push(i, use_awaitable);
      },
      asio::detached);
    asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<void> {
        for (long i = 0; i < s.items; ++i)
          sum += co_await q.async_pop(use_awaitable);
      },
      asio::detached);
  });
}

using channel = asio::experimental::channel<void(std::error_code, long)>;

double asio_channel(const settings& s) {
  std::optional<channel> ch;
  return pass(s, [&](asio::io_context& ctx, long long& sum) {
    ch.emplace(ctx, s.capacity);
    asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<void> {
        for (long i = 1; i <= s.items; ++i)
          co_await ch->async_send(std::error_code{}, i, use_awaitable);
      },
      asio::detached);
    asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<void> {
        for (long i = 0; i < s.items; ++i)
          sum += co_await ch->async_receive(use_awaitable);
      },
      asio::detached);
  });
}

} // namespace

int main(int argc, char** argv) {
  settings s;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--items"))
      s.items = std::atol(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--capacity"))
      s.capacity = static_cast<std::size_t>(std::atol(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--rounds"))
      s.rounds = std::atoi(argv[i + 1]);
  }
  std::vector<double> queue_rates, channel_rates, ratios;
  for (int r = 0; r < s.rounds; ++r) {
    // Alternating, so that a noisy neighbour hurts both alike.
    auto c = asio_channel(s);
    auto q = gale_queue(s);
    channel_rates.push_back(c);
    queue_rates.push_back(q);
    ratios.push_back(q / c);
    std::printf("round %d: gale::queue %.0f/s, asio channel %.0f/s, "
                "ratio %.2f\n",
                r + 1, q, c, q / c);
  }
  std::printf("median: gale::queue %.0f/s, asio channel %.0f/s, ratio %.2f "
              "(items %ld, capacity %zu)\n",
              gale::bench::median(queue_rates),
              gale::bench::median(channel_rates), gale::bench::median(ratios),
              s.items, s.capacity);
}
