#include "gale/http/error.hpp"

#include <string>

namespace gale::http {

namespace {

class http_category final : public std::error_category {
public:
  const char* name() const noexcept override { return "gale.http"; }

  std::string message(int code) const override {
    switch (static_cast<errc>(code)) {
    case errc::invalid_url: return "invalid URL";
    case errc::invalid_scheme: return "invalid URL scheme";
    case errc::invalid_host: return "invalid host in URL";
    case errc::invalid_port: return "invalid port in URL";
    case errc::invalid_character: return "invalid character in URL";
    case errc::invalid_percent_encoding: return "invalid percent-encoding";
    case errc::invalid_method: return "invalid HTTP method";
    case errc::invalid_target: return "invalid request target";
    case errc::invalid_field_name: return "invalid header field name";
    case errc::invalid_field_value:
      return "invalid header field value (CR, LF or control character)";
    case errc::invalid_status: return "invalid HTTP status code";
    case errc::invalid_version: return "unsupported HTTP version";
    case errc::content_length_mismatch:
      return "Content-Length does not match the body";
    }
    return "unknown gale.http error " + std::to_string(code);
  }
};

} // namespace

const std::error_category& error_category() noexcept {
  static const http_category instance;
  return instance;
}

} // namespace gale::http
