// Opening streams: resolution (or the host mapping), happy eyeballs over the
// addresses (RFC 8305), then TLS.
//
// Theory of operation. A connector lives on the loop in a shared_ptr that
// its handlers hold. It starts one attempt, and another each time the
// attempt delay passes or an attempt fails, until an attempt connects (it
// wins; every other is closed), the addresses run out with nothing under
// way (the last error), the deadline passes, or the caller cancels.
// `done` is finished exactly once: whoever finishes it first clears it.

#include "gale/io/tcp_client.hpp"

#include <asio/dispatch.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <memory>

namespace gale::io {

using asio::ip::tcp;

std::vector<tcp::endpoint>
interleave_families(const std::vector<tcp::endpoint>& addresses,
                    address_family family) {
  std::vector<tcp::endpoint> v4, v6;
  for (const auto& ep : addresses)
    (ep.address().is_v6() ? v6 : v4).push_back(ep);
  if (family == address_family::v4)
    v6.clear();
  if (family == address_family::v6)
    v4.clear();
  bool v6_first = !addresses.empty() && addresses.front().address().is_v6();
  auto& first = v6_first ? v6 : v4;
  auto& second = v6_first ? v4 : v6;
  std::vector<tcp::endpoint> out;
  for (std::size_t i = 0; i < std::max(first.size(), second.size()); ++i) {
    if (i < first.size())
      out.push_back(first[i]);
    if (i < second.size())
      out.push_back(second[i]);
  }
  return out;
}

namespace {

class connector : public std::enable_shared_from_this<connector> {
public:
  connector(asio::any_io_executor ex, std::string host, std::uint16_t port,
            connect_options options,
            detail::completion<std::error_code, stream> done)
    : ex_(ex), host_(std::move(host)), port_(port),
      options_(std::move(options)), done_(std::move(done)), resolver_(ex),
      delay_(ex), deadline_(ex) {}

  /// Connects to a Unix domain socket instead.
  void use_unix_path(std::string path) { unix_path_ = std::move(path); }

  /// On the initiating thread, before anything runs on the loop.
  void watch_cancellation() {
    auto slot = done_.cancellation_slot();
    if (slot.is_connected())
      slot.assign([weak = weak_from_this(), ex = ex_](asio::cancellation_type) {
        asio::post(ex, [weak] {
          if (auto self = weak.lock())
            self->fail(asio::error::operation_aborted);
        });
      });
  }

  /// On the loop.
  void start() {
    deadline_.expires_after(options_.timeout);
    deadline_.async_wait([self = shared_from_this()](std::error_code ec) {
      if (!ec)
        self->fail(asio::error::timed_out);
    });
    if (unix_path_)
      return connect_unix();
    if (auto i = options_.hosts.find(host_); i != options_.hosts.end())
      return asio::post(ex_, [self = shared_from_this(), eps = i->second] {
        self->on_addresses(eps);
      });
    std::error_code ec;
    auto literal = asio::ip::make_address(host_, ec);
    if (!ec)
      return asio::post(ex_, [self = shared_from_this(), literal] {
        self->on_addresses({tcp::endpoint{literal, 0}});
      });
    resolver_.async_resolve(
      host_, std::to_string(port_),
      [self = shared_from_this()](std::error_code ec,
                                  tcp::resolver::results_type results) {
        if (ec)
          return self->fail(ec);
        std::vector<tcp::endpoint> eps;
        for (const auto& r : results)
          eps.push_back(r.endpoint());
        self->on_addresses(eps);
      });
  }

private:
  struct attempt {
    std::unique_ptr<tcp::socket> socket;
    bool live = true;
  };

  void connect_unix() {
    local_.async_connect(
      unix_path_->c_str(), [self = shared_from_this()](std::error_code ec) {
        if (!self->done_)
          return;
        if (ec)
          return self->fail(ec);
        self->tell(connect_step::connected);
        self->secure(stream{std::move(self->local_), self->options_.stream});
      });
  }

  void on_addresses(const std::vector<tcp::endpoint>& found) {
    if (!done_)
      return;
    tell(connect_step::resolved);
    addresses_ = interleave_families(found, options_.family);
    for (auto& ep : addresses_)
      if (ep.port() == 0)
        ep.port(port_);
    if (addresses_.empty())
      return fail(found.empty() ? std::error_code{asio::error::host_not_found}
                                : std::error_code{
                                  asio::error::address_family_not_supported});
    try_next();
  }

  void try_next() {
    delay_.cancel();
    if (!done_)
      return;
    if (next_ == addresses_.size()) {
      if (live_attempts() == 0)
        fail(last_error_);
      return;
    }
    auto ep = addresses_[next_++];
    auto socket = std::make_unique<tcp::socket>(ex_);
    if (auto ec = open_from_source(*socket, ep)) {
      last_error_ = ec;
      return try_next();
    }
    auto index = attempts_.size();
    socket->async_connect(
      ep, [self = shared_from_this(), index](std::error_code ec) {
        self->on_attempt(index, ec);
      });
    attempts_.push_back({std::move(socket)});
    delay_.expires_after(options_.attempt_delay);
    delay_.async_wait([self = shared_from_this()](std::error_code ec) {
      if (!ec)
        self->try_next();
    });
  }

  std::error_code open_from_source(tcp::socket& s, const tcp::endpoint& ep) {
    std::error_code ec;
    s.open(ep.protocol(), ec);
    if (ec || (options_.source_address.empty() && options_.source_port == 0))
      return ec;
    auto address = options_.source_address.empty()
                     ? (ep.address().is_v6()
                          ? asio::ip::address{asio::ip::address_v6::any()}
                          : asio::ip::address{asio::ip::address_v4::any()})
                     : asio::ip::make_address(options_.source_address, ec);
    if (!ec && address.is_v6() != ep.address().is_v6())
      ec = asio::error::address_family_not_supported;
    if (!ec)
      s.bind({address, options_.source_port}, ec);
    return ec;
  }

  std::size_t live_attempts() const {
    std::size_t n = 0;
    for (const auto& a : attempts_)
      n += a.live ? 1 : 0;
    return n;
  }

  void on_attempt(std::size_t index, std::error_code ec) {
    auto& a = attempts_[index];
    a.live = false;
    if (!done_)
      return;
    if (ec) {
      last_error_ = ec;
      std::error_code ignored;
      a.socket->close(ignored);
      return try_next(); // a failure starts the next attempt at once
    }
    delay_.cancel();
    auto winner = std::move(*a.socket);
    close_attempts();
    tell(connect_step::connected);
    secure(stream{std::move(winner), options_.stream});
  }

  void tell(connect_step step) {
    if (options_.on_step)
      options_.on_step(step);
  }

  void secure(stream s) {
    if (!options_.tls)
      return finish({}, std::move(s));
    auto tls = *options_.tls;
    if (tls.server_name.empty() && !unix_path_)
      tls.server_name = host_;
    securing_ = s;
    s.async_start_tls(
      tls, [self = shared_from_this(), s](std::error_code ec) mutable {
        self->finish(ec, ec ? stream{} : std::move(s));
      });
  }

  void close_attempts() {
    std::error_code ignored;
    for (auto& a : attempts_)
      if (a.socket && a.socket->is_open())
        a.socket->close(ignored);
  }

  void fail(std::error_code ec) {
    if (!ec)
      ec = asio::error::host_unreachable;
    finish(ec, stream{});
  }

  void finish(std::error_code ec, stream s) {
    if (!done_)
      return;
    delay_.cancel();
    deadline_.cancel();
    resolver_.cancel();
    close_attempts();
    std::error_code ignored;
    local_.close(ignored);
    if (ec)
      securing_.close(ec);
    securing_ = stream{};
    done_.complete(ec, ec ? stream{} : std::move(s));
  }

  asio::any_io_executor ex_;
  std::string host_;
  std::uint16_t port_;
  connect_options options_;
  detail::completion<std::error_code, stream> done_;
  tcp::resolver resolver_;
  asio::steady_timer delay_;
  asio::steady_timer deadline_;
  std::vector<tcp::endpoint> addresses_;
  std::size_t next_ = 0;
  std::vector<attempt> attempts_;
  std::error_code last_error_;
  std::optional<std::string> unix_path_;
  asio::local::stream_protocol::socket local_{ex_};
  stream securing_; ///< the stream whose TLS handshake is under way
};

} // namespace

namespace detail {

void start_connect(asio::any_io_executor ex, std::string host,
                   std::uint16_t port, connect_options options,
                   completion<std::error_code, stream> done) {
  auto c = std::make_shared<connector>(ex, std::move(host), port,
                                       std::move(options), std::move(done));
  c->watch_cancellation();
  asio::dispatch(ex, [c] { c->start(); });
}

void start_connect_unix(asio::any_io_executor ex, std::string path,
                        connect_options options,
                        completion<std::error_code, stream> done) {
  auto c = std::make_shared<connector>(ex, std::string{}, 0, std::move(options),
                                       std::move(done));
  c->use_unix_path(std::move(path));
  c->watch_cancellation();
  asio::dispatch(ex, [c] { c->start(); });
}

} // namespace detail

} // namespace gale::io
