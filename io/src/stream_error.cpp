#include "gale/io/stream_error.hpp"

#include <asio/error.hpp>
#include <asio/ssl/error.hpp>

#include <string>

namespace gale::io {

namespace {

class stream_error_category final : public std::error_category {
public:
  const char* name() const noexcept override { return "gale.stream"; }

  std::string message(int code) const override {
    switch (static_cast<stream_errc>(code)) {
    case stream_errc::closed: return "stream closed";
    case stream_errc::unsatisfiable_read:
      return "delimiter not found within max_bytes";
    case stream_errc::buffer_full: return "stream buffer full";
    case stream_errc::already_reading: return "a read is already pending";
    case stream_errc::not_idle:
      return "stream not idle: cannot start TLS on it";
    case stream_errc::no_connection: return "stream holds no connection";
    }
    return "unknown stream error";
  }
};

class closed_condition_category final : public std::error_category {
public:
  const char* name() const noexcept override { return "gale.stream.condition"; }

  std::string message(int) const override { return "stream closed"; }

  bool equivalent(const std::error_code& ec,
                  int condition) const noexcept override {
    if (condition != static_cast<int>(stream_condition::closed))
      return false;
    return ec == stream_errc::closed || ec == asio::error::eof
           || ec == asio::error::connection_reset
           || ec == asio::error::connection_aborted
           || ec == asio::error::broken_pipe || ec == asio::error::not_connected
           || ec == asio::error::shut_down
           || ec == asio::ssl::error::stream_truncated;
  }
};

} // namespace

const std::error_category& stream_category() noexcept {
  static const stream_error_category instance;
  return instance;
}

const std::error_category& stream_condition_category() noexcept {
  static const closed_condition_category instance;
  return instance;
}

} // namespace gale::io
