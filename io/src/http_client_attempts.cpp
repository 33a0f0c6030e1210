// io::http_client: the attempts of a fetch, their times, and retries with
// backoff; what the response's `fetch` says.

#include "http_client_core.hpp"

#include <asio/error.hpp>

namespace gale::io {

using namespace detail;

namespace {

/// Connect failures another try may not meet: the network's, not the
/// peer's certificate or a name that does not exist.
bool is_transient_connect_error(std::error_code ec) {
  return ec == asio::error::connection_refused
         || ec == asio::error::connection_reset
         || ec == asio::error::connection_aborted
         || ec == asio::error::network_unreachable
         || ec == asio::error::host_unreachable || ec == asio::error::timed_out
         || ec == asio::error::host_not_found_try_again
         || ec == http::errc::connect_timeout;
}

/// The URL without its userinfo: credentials stay out of metadata.
std::string without_credentials(http::url u) {
  u.userinfo.clear();
  return u.to_string();
}

} // namespace

void http_client::core::begin_attempt(const fetch_ptr& f) {
  f->attempting = true;
  f->info.time.namelookup = f->info.time.connect = f->info.time.tls = {};
  f->info.time.first_byte = {};
  f->info.time.attempts.push_back(
    {.url = without_credentials(f->url), .start = f->since(f->began)});
}

void http_client::core::end_attempt(const fetch_ptr& f, std::error_code ec) {
  if (!f->attempting)
    return;
  f->attempting = false;
  auto& a = f->info.time.attempts.back();
  a.duration = f->since(f->began) - a.start;
  if (ec && ec.category() != http::status_category())
    a.error = ec.message();
}

void http_client::core::connect_failed(const fetch_ptr& f, std::error_code ec) {
  if (is_transient_connect_error(ec) && retry(f, ec))
    return;
  finish(f, ec);
}

bool http_client::core::retry(const fetch_ptr& f, std::error_code ec) {
  const auto& policy = f->req.retry;
  if (f->retries + 1 >= policy.max_attempts || closed)
    return false;
  auto wait = policy.backoff;
  for (int i = 0; i < f->retries && wait < policy.max_backoff; ++i)
    wait *= 2;
  wait = std::min(wait, policy.max_backoff);
  if (f->since(f->began) + wait > policy.max_time)
    return false;
  ++f->retries;
  end_attempt(f, ec);
  ++f->connect_generation; // a connect still under way is abandoned
  f->connecting.emit(asio::cancellation_type::terminal);
  f->connect_timer.cancel();
  if (f->conn) {
    f->conn->close();
    f->conn.reset();
  }
  f->retry_timer.arm(wait, [self = shared_from_this(), f] {
    if (!f->done)
      self->acquire(f);
  });
  return true;
}

void http_client::core::describe(const fetch_ptr& f, http::response& res,
                                 std::error_code ec) {
  end_attempt(f, ec);
  const auto& attempts = f->info.time.attempts;
  if (!attempts.empty()) // the last try's URL is the one fetched now
    f->info.effective_url = attempts.back().url;
  else if (!f->url.scheme.empty())
    f->info.effective_url = without_credentials(f->url);
  f->info.request_time = f->since(f->began);
  res.fetch = std::move(f->info);
}

} // namespace gale::io
