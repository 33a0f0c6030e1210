#pragma once

// The client-side TLS contexts of one loop, shared by every connection made
// on it: the CA store is loaded once per setting, not per connection.

#include "gale/io/tls.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/execution/context.hpp>
#include <asio/execution_context.hpp>
#include <asio/query.hpp>
#include <asio/ssl/context.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>

namespace gale::io::detail {

class tls_context_cache
  : public asio::detail::execution_context_service_base<tls_context_cache> {
public:
  explicit tls_context_cache(asio::execution_context& ctx)
    : execution_context_service_base(ctx) {}

  /// The cache of `ex`'s execution context (the loop's io_context).
  static tls_context_cache& of(const asio::any_io_executor& ex) {
    return asio::use_service<tls_context_cache>(
      asio::query(ex, asio::execution::context));
  }

  /// `options` with its context filled in from the cache: one context per
  /// (verification, CA file, client certificate and key) for clients.
  /// Servers, and options that bring a context, pass unchanged.
  tls_options with_context(tls_options options) {
    if (options.context || options.server)
      return options;
    std::lock_guard lock{mutex_};
    auto key = std::tuple{options.verify_peer, options.ca_file,
                          options.certificate_file, options.private_key_file};
    auto& ctx = contexts_[key];
    if (!ctx) {
      std::error_code ec;
      ctx = make_tls_context(options, ec);
      if (ec) { // not cached: the stream reports the error itself
        contexts_.erase(key);
        return options;
      }
    }
    options.context = ctx;
    return options;
  }

  void shutdown() override {}

private:
  std::mutex mutex_;
  using setting = std::tuple<bool, std::string, std::string, std::string>;
  std::map<setting, std::shared_ptr<asio::ssl::context>> contexts_;
};

} // namespace gale::io::detail
