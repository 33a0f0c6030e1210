#include "gale/http/auth.hpp"

#include <cstdint>

namespace gale::http {

std::string base64_encode(std::string_view bytes) {
  static constexpr char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t n = (std::uint8_t(bytes[i]) << 16)
                      | (std::uint8_t(bytes[i + 1]) << 8)
                      | std::uint8_t(bytes[i + 2]);
    out += alphabet[n >> 18];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += alphabet[n & 63];
  }
  if (auto left = bytes.size() - i; left > 0) {
    std::uint32_t n = std::uint8_t(bytes[i]) << 16;
    if (left == 2)
      n |= std::uint8_t(bytes[i + 1]) << 8;
    out += alphabet[n >> 18];
    out += alphabet[(n >> 12) & 63];
    out += left == 2 ? alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string basic_authorization(std::string_view user,
                                std::string_view password) {
  std::string credentials{user};
  credentials += ':';
  credentials += password;
  return "Basic " + base64_encode(credentials);
}

} // namespace gale::http
