// libFuzzer target for the WebSocket opening handshake: any bytes, parsed
// as an upgrade request, get a decision from the server side; whatever it
// accepts, a client that offered the same must accept back. The same bytes
// parsed as an answer are checked by the client side. Never a crash, a
// hang or an out-of-bounds read.
#include "gale/http/parser.hpp"
#include "gale/ws/handshake.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

void as_request(std::string_view bytes, bool deflate) {
  gale::http::parser p{gale::http::parser::role::request};
  p.feed(bytes);
  if (p.next() != gale::http::parser_event::head)
    return;
  gale::http::request req;
  req.method = p.method();
  req.target = p.target();
  req.headers = p.headers();
  gale::ws::server_policy policy;
  policy.subprotocols = {"chat", "echo"};
  policy.allowed_origins = {"*"};
  policy.permessage_deflate = deflate;
  auto d = gale::ws::accept_request(req, policy);
  if (!d.accepted())
    return;
  // A client whose offer is this request agrees with the decision.
  gale::ws::client_offer offer;
  offer.key = std::string{*req.headers.find("Sec-WebSocket-Key")};
  for (const auto& s : {"chat", "echo"})
    offer.subprotocols.push_back(s);
  offer.permessage_deflate = true;
  gale::ws::agreement agreed;
  auto ec = gale::ws::check_response(offer, 101, d.response.headers, agreed);
  if (ec || agreed.deflate != d.agreed.deflate
      || agreed.subprotocol != d.agreed.subprotocol)
    std::abort(); // the server's own 101 refused by a matching client
}

void as_response(std::string_view bytes) {
  gale::http::parser p{gale::http::parser::role::response};
  p.set_request_method("GET");
  p.feed(bytes);
  if (p.next() != gale::http::parser_event::head)
    return;
  gale::ws::client_offer offer{
    "h", "/", "dGhlIHNhbXBsZSBub25jZQ==", {"chat"}, true, {}};
  gale::ws::agreement agreed;
  gale::ws::check_response(offer, p.status(), p.headers(), agreed);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0)
    return 0;
  std::string_view bytes{reinterpret_cast<const char*>(data) + 1, size - 1};
  as_request(bytes, data[0] & 1);
  as_response(bytes);
  return 0;
}
