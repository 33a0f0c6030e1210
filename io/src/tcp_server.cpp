// Accepting streams: listening sockets (TCP on one or several addresses, or
// a Unix socket), the accept loops, TLS before the handler, and draining.

#include "gale/io/tcp_server.hpp"
#include "gale/io/unhandled.hpp"

#include "gale/io/tcp.hpp"
#include "stream_core.hpp"

#include <asio/co_spawn.hpp>
#include <asio/dispatch.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <unordered_map>
#include <sys/stat.h>
#include <unistd.h>

namespace gale::io {

using asio::ip::tcp;
using local = asio::local::stream_protocol;

stream_handler
coroutine_per_stream(std::function<asio::awaitable<void>(stream)> body) {
  auto fn = std::make_shared<std::function<asio::awaitable<void>(stream)>>(
    std::move(body));
  return [fn](stream s) {
    auto ex = s.get_executor();
    asio::co_spawn(ex, (*fn)(s), [fn, s](std::exception_ptr e) mutable {
      if (!e)
        return;
      report_unhandled(e, "a stream's coroutine (" + s.peer() + ")");
      s.close();
    });
  };
}

namespace detail {

class tcp_server_state : public std::enable_shared_from_this<tcp_server_state>,
                         public close_tracker {
public:
  tcp_server_state(asio::any_io_executor ex, stream_handler handler)
    : ex_(ex), handler_(std::move(handler)), drain_timer_(ex) {}

  std::error_code listen(const tcp_server_options& o) {
    options_ = o;
    std::error_code ec;
    if (!o.unix_path.empty())
      ec = listen_unix(o.unix_path);
    else
      ec = listen_tcp();
    if (!ec && o.tls) {
      tls_ = *o.tls;
      tls_.server = true;
      tls_.context = make_tls_context(tls_, ec);
      tls_.server_names.clear(); // in the context now: each stream reuses it
    }
    if (ec) {
      close_listeners();
      return ec;
    }
    asio::post(ex_, [self = shared_from_this()] {
      for (auto& a : self->tcp_)
        self->accept(*a);
      if (self->unix_)
        self->accept(*self->unix_);
    });
    return ec;
  }

  void stop() {
    // The socket file goes at once, even when the loop stops next and
    // never runs the rest.
    if (!unix_path_.empty() && !unlinked_.exchange(true))
      ::unlink(unix_path_.c_str());
    asio::dispatch(ex_,
                   [self = shared_from_this()] { self->close_listeners(); });
  }

  void drain(std::chrono::milliseconds grace,
             completion<std::error_code> done) {
    asio::dispatch(ex_, [self = shared_from_this(), grace,
                         done = std::move(done)]() mutable {
      self->close_listeners();
      if (self->live_.empty())
        return done.complete_posted({});
      self->drained_.push_back(std::move(done));
      self->drain_timer_.expires_after(grace);
      self->drain_timer_.async_wait([self](std::error_code ec) {
        if (ec)
          return;
        for (auto& [id, core] : decltype(self->live_){self->live_})
          if (auto c = core.lock())
            c->close(asio::error::timed_out);
        self->finish_drain(asio::error::timed_out);
      });
    });
  }

  std::uint16_t port() const noexcept { return port_.load(); }
  std::size_t connections() const noexcept { return count_.load(); }

private:
  std::error_code listen_tcp() {
    std::error_code ec;
    std::vector<asio::ip::address> addresses;
    auto host = options_.host.empty() ? std::string{"::"} : options_.host;
    if (auto literal = asio::ip::make_address(host, ec); !ec) {
      addresses.push_back(literal);
    } else { // a name: each of its addresses (resolved here, blocking)
      tcp::resolver resolver{ex_};
      auto found = resolver.resolve(host, "", ec);
      if (ec)
        return ec;
      for (const auto& r : found)
        addresses.push_back(r.endpoint().address());
    }
    auto port = options_.port;
    for (const auto& address : addresses) {
      auto a = std::make_unique<tcp::acceptor>(
        io::listen(ex_, address.to_string(), port, ec, options_.backlog,
                   options_.reuse_port));
      if (ec)
        return ec;
      port = a->local_endpoint(ec).port(); // the others take the same port
      tcp_.push_back(std::move(a));
    }
    port_ = port;
    return ec;
  }

  std::error_code listen_unix(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
      ::unlink(path.c_str()); // a stale socket of an earlier run
    std::error_code ec;
    unix_ = std::make_unique<local::acceptor>(ex_);
    unix_->open(local{}, ec);
    if (!ec)
      unix_->bind(local::endpoint{path}, ec);
    if (!ec)
      unix_->listen(options_.backlog, ec);
    if (!ec)
      unix_path_ = path;
    return ec;
  }

  template <class Acceptor>
  void accept(Acceptor& a) {
    a.async_accept(
      [self = shared_from_this(), &a](std::error_code ec, auto socket) {
        if (self->stopped_)
          return;
        if (ec) { // out of descriptors, say: try again soon, do not spin
          auto retry = std::make_shared<asio::steady_timer>(
            self->ex_, std::chrono::milliseconds{100});
          retry->async_wait([self, &a, retry](std::error_code) {
            if (!self->stopped_)
              self->accept(a);
          });
          return;
        }
        self->admit(stream{std::move(socket), self->options_.stream});
        if (self->full()) // until a connection closes
          self->paused_.push_back([weak = self->weak_from_this(), &a] {
            if (auto state = weak.lock())
              state->accept(a);
          });
        else
          self->accept(a);
      });
  }

  bool full() const noexcept {
    return options_.max_connections != 0
           && live_.size() >= options_.max_connections;
  }

  void resume_accepting() {
    if (stopped_ || full())
      return;
    for (auto& go_on : std::exchange(paused_, {}))
      go_on();
  }

  void admit(stream s) {
    live_.emplace(s.core().get(), s.core());
    ++count_;
    s.core()->track_close(std::weak_ptr<close_tracker>{weak_from_this()});
    if (!options_.tls)
      return hand_over(std::move(s));
    std::shared_ptr<asio::steady_timer> limit;
    if (options_.tls_handshake_timeout.count() > 0) {
      limit = std::make_shared<asio::steady_timer>(
        ex_, options_.tls_handshake_timeout);
      limit->async_wait([core = std::weak_ptr{s.core()}](std::error_code ec) {
        if (auto c = core.lock(); c && !ec)
          c->close(asio::error::timed_out);
      });
    }
    s.async_start_tls(
      tls_, [self = shared_from_this(), s, limit](std::error_code ec) mutable {
        if (limit)
          limit->cancel();
        if (!ec) // a failed handshake closed the stream: dropped
          self->hand_over(std::move(s));
      });
  }

  void hand_over(stream s) {
    try {
      handler_(s);
    } catch (...) { // the handler's bug ends its connection, not the loop
      report_unhandled(std::current_exception(),
                       "a stream handler (" + s.peer() + ")");
      s.close();
    }
  }

  void stream_closed(stream_core& core) override {
    live_.erase(&core);
    --count_;
    resume_accepting();
    if (live_.empty() && !drained_.empty()) {
      drain_timer_.cancel();
      finish_drain({});
    }
  }

  void finish_drain(std::error_code ec) {
    for (auto& done : std::exchange(drained_, {}))
      done.complete(ec);
  }

  void close_listeners() {
    stopped_ = true;
    paused_.clear();
    std::error_code ignored;
    for (auto& a : tcp_)
      a->close(ignored);
    if (unix_)
      unix_->close(ignored);
    if (!unix_path_.empty() && !unlinked_.exchange(true))
      ::unlink(unix_path_.c_str());
  }

  asio::any_io_executor ex_;
  stream_handler handler_;
  tcp_server_options options_;
  tls_options tls_;
  std::vector<std::unique_ptr<tcp::acceptor>> tcp_;
  std::unique_ptr<local::acceptor> unix_;
  std::string unix_path_; ///< set by listen, before the loop sees it
  std::atomic<bool> unlinked_{false};
  bool stopped_ = false;
  std::atomic<std::uint16_t> port_{0};
  std::atomic<std::size_t> count_{0};
  std::unordered_map<stream_core*, std::weak_ptr<stream_core>> live_;
  std::vector<completion<std::error_code>> drained_;
  asio::steady_timer drain_timer_;
  /// Accept loops paused at max_connections.
  std::vector<std::function<void()>> paused_;
};

void start_drain(const std::shared_ptr<tcp_server_state>& state,
                 std::chrono::milliseconds grace,
                 completion<std::error_code> done) {
  state->drain(grace, std::move(done));
}

} // namespace detail

tcp_server::tcp_server(asio::any_io_executor ex, stream_handler handler)
  : executor_(ex),
    state_(std::make_shared<detail::tcp_server_state>(ex, std::move(handler))) {
}

tcp_server::~tcp_server() {
  stop();
}

std::error_code tcp_server::listen(const tcp_server_options& options) {
  return state_->listen(options);
}

std::uint16_t tcp_server::port() const noexcept {
  return state_->port();
}

std::size_t tcp_server::connections() const noexcept {
  return state_->connections();
}

void tcp_server::stop() {
  state_->stop();
}

} // namespace gale::io
