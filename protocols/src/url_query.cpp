// Percent-encoding (RFC 3986 2.1) and form-encoded queries: names and
// values in and out of request targets.

#include "gale/http/url.hpp"

#include "uri_chars.hpp"

#include "gale/http/error.hpp"

namespace gale::http {

using detail::hex_value;
using detail::is_unreserved;
using detail::pct_triplet_at;

std::error_code percent_decode(std::string_view in, std::string& out,
                               bool plus_as_space) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (!pct_triplet_at(in, i))
        return errc::invalid_percent_encoding;
      out.push_back(
        static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2])));
      i += 2;
    } else {
      out.push_back(plus_as_space && c == '+' ? ' ' : c);
    }
  }
  return {};
}

std::string percent_encode(std::string_view in) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    if (is_unreserved(c)) {
      out.push_back(c);
    } else {
      auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(digits[byte >> 4]);
      out.push_back(digits[byte & 0x0F]);
    }
  }
  return out;
}

std::string
build_query(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty())
      out.push_back('&');
    out += percent_encode(name);
    out.push_back('=');
    out += percent_encode(value);
  }
  return out;
}

std::pair<std::string_view, std::string_view>
split_target(std::string_view target) noexcept {
  auto q = target.find('?');
  if (q == std::string_view::npos)
    return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

std::vector<std::pair<std::string, std::string>>
parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  auto decoded = [](std::string_view in) {
    std::string text;
    if (percent_decode(in, text, true))
      return std::string{in};
    return text;
  };
  while (!query.empty()) {
    auto amp = query.find('&');
    auto part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{}
                                          : query.substr(amp + 1);
    if (part.empty())
      continue;
    auto eq = part.find('=');
    if (eq == std::string_view::npos)
      out.emplace_back(decoded(part), std::string{});
    else
      out.emplace_back(decoded(part.substr(0, eq)),
                       decoded(part.substr(eq + 1)));
  }
  return out;
}

} // namespace gale::http
