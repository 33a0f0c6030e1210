// libFuzzer target for the WebSocket reader: any bytes, read whole and
// split at a point the first byte picks (which also picks the role and
// whether permessage-deflate is on), must give the same events (or the
// same error), and never crash, hang or read out of bounds.
#include "gale/ws/codec.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

std::string transcript(gale::ws::reader::role role, bool deflate,
                       std::string_view bytes, std::size_t cut) {
  gale::ws::reader r{role, 1 << 16};
  if (deflate)
    r.enable_deflate();
  std::string out;
  bool failed = false;
  auto drain = [&] {
    while (!failed) {
      auto e = r.next();
      if (e == gale::ws::event::need_more)
        return;
      out += std::to_string(static_cast<int>(e)) + ":";
      if (e == gale::ws::event::error) {
        out += r.error().message();
        failed = true;
      } else if (e == gale::ws::event::close) {
        out += std::to_string(r.close_code()) + std::string{r.close_reason()};
      } else {
        out += std::to_string(static_cast<int>(r.type()));
        out += std::string{r.payload()};
      }
      out += "\n";
    }
  };
  r.feed(bytes.substr(0, cut));
  drain();
  r.feed(bytes.substr(cut));
  drain();
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size < 1)
    return 0;
  auto role = static_cast<gale::ws::reader::role>(data[0] % 3);
  bool deflate = data[0] & 0x80; // permessage-deflate agreed on
  std::string_view bytes{reinterpret_cast<const char*>(data) + 1, size - 1};
  std::size_t cut = bytes.empty() ? 0 : data[0] % (bytes.size() + 1);
  if (transcript(role, deflate, bytes, bytes.size())
      != transcript(role, deflate, bytes, cut))
    std::abort();
  return 0;
}
