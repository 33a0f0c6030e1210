#pragma once

// A loopback server for client tests that behaves exactly as a test
// scripts it: answers, stalls, resets, sends garbage. It runs on a loop of
// its own, so a client under test can never be helped by sharing it.

#include "ports.hpp"

#include <gale/http/message.hpp>
#include <gale/http/parser.hpp>
#include <gale/io/loop.hpp>
#include <gale/io/tcp.hpp>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace gale::test {

using io::tcp;

/// One accepted connection of a scripted server.
class peer {
public:
  peer(tcp::socket s, std::function<void(const http::request&)> record)
    : socket(std::move(s)), record_(std::move(record)) {}

  tcp::socket socket;

  /// Reads the next whole request (body included); nothing when the client
  /// closed or sent something unparsable.
  asio::awaitable<std::optional<http::request>> read_request() {
    http::parser p{http::parser::role::request};
    http::request req;
    if (!buffer_.empty()) {
      p.feed(buffer_);
      buffer_.clear();
    }
    char chunk[16 * 1024];
    for (;;) {
      switch (p.next()) {
      case http::parser_event::need_more: {
        std::error_code ec;
        auto n = co_await socket.async_read_some(
          asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
        if (ec)
          co_return std::nullopt;
        p.feed({chunk, n});
        break;
      }
      case http::parser_event::head:
        req.method = p.method();
        req.target = p.target();
        req.version = p.version();
        req.headers = p.headers();
        if (p.headers().has_token("Expect", "100-continue") && expect_100_)
          co_await write("HTTP/1.1 100 Continue\r\n\r\n");
        if (stop_after_head_) {
          record_(req);
          co_return req;
        }
        break;
      case http::parser_event::body: req.body += p.body(); break;
      case http::parser_event::end:
        buffer_ = p.remaining();
        record_(req);
        co_return req;
      case http::parser_event::error: co_return std::nullopt;
      }
    }
  }

  /// Whether `read_request` answers `Expect: 100-continue` with a 100.
  void answer_100_continue(bool yes) { expect_100_ = yes; }

  /// Whether `read_request` returns right after the head.
  void stop_after_head(bool yes) { stop_after_head_ = yes; }

  asio::awaitable<bool> write(std::string bytes) {
    std::error_code ec;
    co_await asio::async_write(socket, asio::buffer(bytes),
                               asio::redirect_error(asio::use_awaitable, ec));
    co_return !ec;
  }

  asio::awaitable<void> sleep(std::chrono::milliseconds d) {
    asio::steady_timer t{socket.get_executor(), d};
    std::error_code ec;
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }

  /// Closes with a TCP reset (SO_LINGER 0) rather than a FIN.
  void reset() {
    std::error_code ignored;
    socket.set_option(asio::socket_base::linger{true, 0}, ignored);
    socket.close(ignored);
  }

  void close() {
    std::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    socket.close(ignored);
  }

private:
  std::function<void(const http::request&)> record_;
  std::string buffer_;
  bool expect_100_ = true;
  bool stop_after_head_ = false;
};

/// Accepts connections on 127.0.0.1 and runs `script` on each.
class scripted_server {
public:
  using script = std::function<asio::awaitable<void>(peer&)>;

  explicit scripted_server(script s) : script_(std::move(s)) {
    loop_.start();
    std::error_code ec;
    acceptor_.emplace(io::listen(loop_.executor(), "127.0.0.1", 0, ec));
    if (ec)
      throw std::runtime_error("scripted_server: " + ec.message());
    port_ = acceptor_->local_endpoint().port();
    asio::co_spawn(loop_.executor(), accept_loop(), asio::detached);
  }

  ~scripted_server() {
    loop_.post([this] { acceptor_->close(); });
    loop_.stop();
  }

  std::uint16_t port() const { return port_; }

  std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  /// Connections accepted so far.
  int connections() const { return connections_.load(); }

  /// Every request read so far, in order.
  std::vector<http::request> requests() const {
    std::lock_guard guard{mutex_};
    return requests_;
  }

private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      std::error_code ec;
      auto s = co_await acceptor_->async_accept(
        asio::redirect_error(asio::use_awaitable, ec));
      if (ec)
        co_return;
      ++connections_;
      asio::co_spawn(loop_.executor(), run(std::move(s)), asio::detached);
    }
  }

  asio::awaitable<void> run(tcp::socket s) {
    peer p{std::move(s), [this](const http::request& r) {
             std::lock_guard guard{mutex_};
             requests_.push_back(r);
           }};
    co_await script_(p);
  }

  script script_;
  io::loop loop_;
  std::optional<tcp::acceptor> acceptor_;
  std::uint16_t port_ = 0;
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;
  std::vector<http::request> requests_;
};

/// A script that answers every request on a connection with `reply`.
inline scripted_server::script answer_always(std::string reply) {
  return [reply](peer& p) -> asio::awaitable<void> {
    while (co_await p.read_request())
      if (!co_await p.write(reply))
        co_return;
  };
}

/// A server that reads a request, sends `bytes`, then closes, or resets
/// the connection when `reset`: the bad servers of the client tests.
inline scripted_server misbehaving(std::string bytes, bool reset = false) {
  return scripted_server{[=](peer& p) -> asio::awaitable<void> {
    if (!co_await p.read_request())
      co_return;
    co_await p.write(bytes);
    if (reset)
      p.reset();
    else
      p.close();
  }};
}

/// "HTTP/1.1 <status>" with a Content-Length body.
inline std::string reply_with(int status, const std::string& body,
                              const std::string& extra_headers = {}) {
  return "HTTP/1.1 " + std::to_string(status) + " "
         + std::string{http::reason_phrase(status)} + "\r\nContent-Length: "
         + std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" + body;
}

} // namespace gale::test
