// libFuzzer target for the spider's link finder: any bytes give a list of
// links, never a crash, a hang or undefined behaviour; a page made of the
// links it found, each quoted, gives the same links back.
#include "spider/links.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string_view html{reinterpret_cast<const char*>(data), size};
  auto links = spider::find_links(html);
  std::string again;
  for (auto& link : links) {
    if (link.find_first_of("\"&") != std::string::npos)
      return 0; // would need escaping to round-trip
    again += "<a href=\"" + link + "\">";
  }
  if (spider::find_links(again) != links)
    std::abort();
  return 0;
}
