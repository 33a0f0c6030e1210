// libFuzzer target for the URL parser: any bytes give a url or an error
// value, never a crash or undefined behaviour, and whatever parses prints
// back to a text that parses to the same url.
#include "gale/http/url.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  gale::http::url u;
  if (!gale::http::parse_url(text, u)) {
    gale::http::url again;
    if (gale::http::parse_url(u.to_string(), again) || !(again == u))
      std::abort();
    (void)u.target();
    (void)u.effective_port();
  }
  std::string decoded;
  if (!gale::http::percent_decode(text, decoded, true)) {
    std::string back;
    if (gale::http::percent_decode(gale::http::percent_encode(decoded), back)
        || back != decoded)
      std::abort();
  }
  return 0;
}
