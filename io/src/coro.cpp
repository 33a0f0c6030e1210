#include "gale/io/coro.hpp"

#include "gale/io/unhandled.hpp"

#include <asio/error.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

namespace gale::io {

asio::awaitable<void> sleep(steady_clock::duration duration) {
  asio::steady_timer timer{co_await asio::this_coro::executor, duration};
  co_await timer.async_wait(asio::use_awaitable);
}

asio::awaitable<void> moment() {
  co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
}

namespace detail {

bool run_context(asio::io_context& context, steady_clock::duration timeout) {
  auto deadline = steady_clock::now() + timeout;
  for (;;) {
    try {
      if (timeout <= steady_clock::duration::zero()) {
        context.run();
        return true;
      }
      context.run_until(deadline);
      return context.stopped();
    } catch (...) {
      report_unhandled(std::current_exception(),
                       "a handler on run_sync's loop");
    }
  }
}

void throw_run_sync_timeout() {
  throw std::system_error{make_error_code(asio::error::timed_out),
                          "gale::io::run_sync"};
}

} // namespace detail
} // namespace gale::io
