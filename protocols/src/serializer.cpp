#include "gale/http/serializer.hpp"

#include "gale/http/error.hpp"

#include <algorithm>

namespace gale::http {

namespace {

bool is_chunked(const fields& headers) {
  // chunked must be the final transfer coding (RFC 9112 6.1)
  auto all = headers.find_all("Transfer-Encoding");
  if (all.empty())
    return false;
  auto last = all.back();
  auto comma = last.rfind(',');
  auto coding = comma == std::string_view::npos ? last : last.substr(comma + 1);
  while (!coding.empty() && (coding.front() == ' ' || coding.front() == '\t'))
    coding.remove_prefix(1);
  return iequals(coding, "chunked");
}

std::error_code check_fields(const fields& fs) {
  for (const auto& [name, value] : fs) {
    if (!is_token(name))
      return errc::invalid_field_name;
    if (!is_valid_field_value(value))
      return errc::invalid_field_value;
  }
  return {};
}

std::error_code check_length(const fields& headers, std::size_t body_size) {
  if (auto cl = headers.find("Content-Length");
      cl && !is_chunked(headers) && *cl != std::to_string(body_size))
    return errc::content_length_mismatch;
  return {};
}

void append_fields(const fields& fs, std::string& out) {
  for (const auto& [name, value] : fs) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
}

void append_version(int version, std::string& out) {
  out += version == 10 ? "HTTP/1.0" : "HTTP/1.1";
}

/// Adds Content-Length when the message is framed by neither header.
void append_framing(const fields& headers, std::size_t body_size, bool needed,
                    std::string& out) {
  if (needed && !headers.contains("Content-Length")
      && !headers.contains("Transfer-Encoding")) {
    out += "Content-Length: ";
    out += std::to_string(body_size);
    out += "\r\n";
  }
}

void append_body(const fields& headers, std::string_view body,
                 std::string& out) {
  if (!is_chunked(headers)) {
    out += body;
    return;
  }
  append_chunk(body, out);
  out += "0\r\n\r\n";
}

bool valid_target(std::string_view target) {
  return !target.empty()
         && std::all_of(target.begin(), target.end(), [](char c) {
              auto byte = static_cast<unsigned char>(c);
              return byte > 0x20 && byte < 0x7F;
            });
}

} // namespace

std::error_code serialize_head(const request& req, std::string& out) {
  if (!is_token(req.method))
    return errc::invalid_method;
  if (!valid_target(req.target))
    return errc::invalid_target;
  if (req.version != 10 && req.version != 11)
    return errc::invalid_version;
  if (auto ec = check_fields(req.headers))
    return ec;
  out += req.method;
  out += ' ';
  out += req.target;
  out += ' ';
  append_version(req.version, out);
  out += "\r\n";
  append_fields(req.headers, out);
  bool needs_length = !req.body.empty() || req.method == "POST"
                      || req.method == "PUT" || req.method == "PATCH";
  append_framing(req.headers, req.body.size(), needs_length, out);
  out += "\r\n";
  return {};
}

std::error_code serialize(const request& req, std::string& out) {
  if (auto ec = check_length(req.headers, req.body.size()))
    return ec;
  if (auto ec = serialize_head(req, out))
    return ec;
  append_body(req.headers, req.body, out);
  return {};
}

std::error_code serialize_head(const response& res, std::string& out) {
  if (res.status < 100 || res.status > 999)
    return errc::invalid_status;
  if (res.version != 10 && res.version != 11)
    return errc::invalid_version;
  if (!is_valid_field_value(res.reason))
    return errc::invalid_field_value;
  if (auto ec = check_fields(res.headers))
    return ec;
  append_version(res.version, out);
  out += ' ';
  out += std::to_string(res.status);
  out += ' ';
  out += res.reason.empty() ? reason_phrase(res.status) : res.reason;
  out += "\r\n";
  append_fields(res.headers, out);
  append_framing(res.headers, res.body.size(), !status_has_no_body(res.status),
                 out);
  out += "\r\n";
  return {};
}

std::error_code serialize(const response& res, std::string& out) {
  if (!status_has_no_body(res.status))
    if (auto ec = check_length(res.headers, res.body.size()))
      return ec;
  if (auto ec = serialize_head(res, out))
    return ec;
  if (!status_has_no_body(res.status))
    append_body(res.headers, res.body, out);
  return {};
}

void append_chunk(std::string_view data, std::string& out) {
  if (data.empty())
    return;
  static constexpr char digits[] = "0123456789abcdef";
  char size[16];
  int n = 0;
  for (auto rest = data.size(); rest > 0; rest /= 16)
    size[n++] = digits[rest % 16];
  while (n > 0)
    out.push_back(size[--n]);
  out += "\r\n";
  out += data;
  out += "\r\n";
}

std::error_code append_last_chunk(const fields& trailers, std::string& out) {
  if (auto ec = check_fields(trailers))
    return ec;
  out += "0\r\n";
  append_fields(trailers, out);
  out += "\r\n";
  return {};
}

response status_page(int status) {
  response res;
  res.status = status;
  res.headers.set("Content-Type", "text/plain");
  res.body = std::string{reason_phrase(status)} + "\n";
  return res;
}

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
  case 100: return "Continue";
  case 101: return "Switching Protocols";
  case 200: return "OK";
  case 201: return "Created";
  case 202: return "Accepted";
  case 203: return "Non-Authoritative Information";
  case 204: return "No Content";
  case 205: return "Reset Content";
  case 206: return "Partial Content";
  case 300: return "Multiple Choices";
  case 301: return "Moved Permanently";
  case 302: return "Found";
  case 303: return "See Other";
  case 304: return "Not Modified";
  case 307: return "Temporary Redirect";
  case 308: return "Permanent Redirect";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 406: return "Not Acceptable";
  case 408: return "Request Timeout";
  case 409: return "Conflict";
  case 410: return "Gone";
  case 411: return "Length Required";
  case 412: return "Precondition Failed";
  case 413: return "Content Too Large";
  case 414: return "URI Too Long";
  case 415: return "Unsupported Media Type";
  case 416: return "Range Not Satisfiable";
  case 417: return "Expectation Failed";
  case 421: return "Misdirected Request";
  case 422: return "Unprocessable Content";
  case 426: return "Upgrade Required";
  case 428: return "Precondition Required";
  case 429: return "Too Many Requests";
  case 431: return "Request Header Fields Too Large";
  case 500: return "Internal Server Error";
  case 501: return "Not Implemented";
  case 502: return "Bad Gateway";
  case 503: return "Service Unavailable";
  case 504: return "Gateway Timeout";
  case 505: return "HTTP Version Not Supported";
  default: return "";
  }
}

bool status_has_no_body(int status) noexcept {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

} // namespace gale::http
