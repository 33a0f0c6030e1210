// libFuzzer target for the WebSocket session: any bytes, fed whole or in
// two pieces (the first byte picks the role, deflate and the cut), must
// give the same messages and the same end, answer what needs answering,
// and never crash, hang or read out of bounds.
#include "gale/ws/session.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

std::string transcript(bool client, bool deflate, std::string_view bytes,
                       std::size_t cut) {
  gale::ws::session s{client ? gale::ws::session::role::client
                             : gale::ws::session::role::server,
                      1 << 16};
  if (deflate)
    s.enable_deflate();
  std::string out;
  auto drain = [&] {
    for (;;) {
      auto e = s.next();
      if (e == gale::ws::session_event::need_more)
        return false;
      if (e == gale::ws::session_event::closed) {
        out += "closed " + std::to_string(s.code);
        return true;
      }
      auto kind = e == gale::ws::session_event::ping   ? "ping "
                  : e == gale::ws::session_event::pong ? "pong "
                                                       : "message ";
      out += kind + std::string{s.payload()} + "\n";
    }
  };
  s.feed(bytes.substr(0, cut));
  if (!drain()) {
    s.feed(bytes.substr(cut));
    drain();
  }
  if (s.close_received && !s.close_sent)
    std::abort(); // a close is always answered
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0)
    return 0;
  bool client = data[0] & 1, deflate = data[0] & 2;
  std::string_view bytes{reinterpret_cast<const char*>(data) + 1, size - 1};
  auto cut = bytes.empty() ? 0 : (data[0] >> 2) % (bytes.size() + 1);
  if (transcript(client, deflate, bytes, bytes.size())
      != transcript(client, deflate, bytes, cut))
    std::abort(); // a split changed what was read
  return 0;
}
