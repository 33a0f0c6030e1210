#pragma once

// A plain blocking TCP client for server tests that need byte-level control
// (pipelining, malformed requests, slow clients), with receive timeouts.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <cerrno>
#include <string>
#include <string_view>
#include <utility>

namespace gale::test {

class raw_socket {
public:
  explicit raw_socket(std::uint16_t port,
                      std::chrono::milliseconds timeout = std::chrono::seconds{
                        5}) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{};
    tv.tv_sec = timeout.count() / 1000;
    tv.tv_usec = (timeout.count() % 1000) * 1000;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("raw_socket: connect failed");
  }

  ~raw_socket() {
    if (fd_ >= 0)
      ::close(fd_);
  }

  raw_socket(const raw_socket&) = delete;
  raw_socket& operator=(const raw_socket&) = delete;

  /// Sends all of `bytes`; false when the peer closed (or reset) first,
  /// reading then tells the rest.
  bool send(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      auto n =
        ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0)
        return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

  /// Sends what the socket takes without waiting: how much of `bytes`
  /// went (the rest waits for a reader that reads).
  std::size_t send_some(std::string_view bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent,
                      MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n <= 0)
        break;
      sent += static_cast<std::size_t>(n);
    }
    return sent;
  }

  /// Reads until `marker` appears, the peer closes, or the timeout.
  std::string read_until(const std::string& marker) {
    std::size_t from = 0; // bytes searched already are not searched again
    while (buffer_.find(marker, from) == std::string::npos) {
      if (buffer_.size() >= marker.size())
        from = buffer_.size() - marker.size() + 1;
      if (!read_more())
        break;
    }
    return take(marker);
  }

  /// Reads until the peer closes (or the timeout); everything received.
  std::string read_all() {
    while (read_more()) {
    }
    return std::exchange(buffer_, {});
  }

  /// True when the peer closed the connection (EOF or reset) within the
  /// timeout, with nothing more to read.
  bool closed_by_peer() {
    char c;
    auto n = ::recv(fd_, &c, 1, 0);
    if (n > 0) {
      buffer_.push_back(c);
      return false;
    }
    return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
  }

  /// Reads `n` more bytes (or what comes before the timeout).
  std::string read_exactly(std::size_t n) {
    while (buffer_.size() < n)
      if (!read_more())
        break;
    auto out = buffer_.substr(0, n);
    buffer_.erase(0, out.size());
    return out;
  }

  void shutdown_send() { ::shutdown(fd_, SHUT_WR); }

private:
  bool read_more() {
    char chunk[16 * 1024];
    auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0)
      return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  std::string take(const std::string& marker) {
    auto at = buffer_.find(marker);
    if (at == std::string::npos)
      return std::exchange(buffer_, {});
    auto out = buffer_.substr(0, at + marker.size());
    buffer_.erase(0, out.size());
    return out;
  }

  int fd_ = -1;
  std::string buffer_;
};

} // namespace gale::test
