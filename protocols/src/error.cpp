#include "gale/http/error.hpp"

#include "gale/http/message.hpp"

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
    case errc::invalid_start_line: return "malformed start line";
    case errc::invalid_line_ending:
      return "bare CR or LF in the header section";
    case errc::obs_fold: return "obsolete header line folding";
    case errc::invalid_content_length: return "invalid Content-Length";
    case errc::conflicting_content_length:
      return "more than one Content-Length";
    case errc::content_length_with_transfer_encoding:
      return "Content-Length together with Transfer-Encoding";
    case errc::invalid_transfer_encoding:
      return "Transfer-Encoding does not end in a single chunked";
    case errc::invalid_chunk_size: return "invalid chunk size";
    case errc::invalid_chunk_framing: return "chunk data not followed by CRLF";
    case errc::start_line_too_long: return "start line too long";
    case errc::header_section_too_large: return "header section too large";
    case errc::too_many_fields: return "too many header fields";
    case errc::body_too_large: return "body too large";
    case errc::data_after_close:
      return "data after the connection's last message";
    case errc::truncated_message: return "connection closed inside a message";
    case errc::invalid_compressed_data: return "invalid compressed body";
    case errc::decompressed_too_large: return "decompressed body too large";
    case errc::truncated_compressed_data: return "compressed body cut short";
    case errc::unsupported_scheme: return "unsupported URL scheme";
    case errc::connect_timeout: return "connect timed out";
    case errc::request_timeout: return "request timed out";
    case errc::queue_timeout: return "timed out in the request queue";
    case errc::too_many_redirects: return "too many redirects";
    case errc::connection_closed:
      return "server closed the connection without a response";
    case errc::proxy_refused: return "proxy refused the tunnel";
    case errc::client_closed: return "HTTP client closed";
    case errc::unsupported_transfer_coding:
      return "unsupported transfer coding before chunked";
    case errc::tls_truncated:
      return "TLS connection closed without close_notify (truncated body)";
    case errc::invalid_host_field:
      return "missing, repeated or invalid Host header";
    }
    return "unknown gale.http error " + std::to_string(code);
  }
};

class status_error_category final : public std::error_category {
public:
  const char* name() const noexcept override { return "gale.http.status"; }

  std::string message(int status) const override {
    std::string text = "HTTP " + std::to_string(status);
    if (auto reason = reason_phrase(status); !reason.empty())
      text.append(" ").append(reason);
    return text;
  }
};

} // namespace

const std::error_category& error_category() noexcept {
  static const http_category instance;
  return instance;
}

const std::error_category& status_category() noexcept {
  static const status_error_category instance;
  return instance;
}

int status_for(std::error_code ec) noexcept {
  if (ec == errc::body_too_large)
    return 413;
  if (ec == errc::header_section_too_large || ec == errc::too_many_fields)
    return 431;
  if (ec == errc::start_line_too_long)
    return 414;
  if (ec == errc::unsupported_transfer_coding)
    return 501;
  return 400;
}

} // namespace gale::http
