#pragma once

// What the server's tests say on the wire: a few handlers, and requests,
// answers and WebSocket frames written and read by hand over raw sockets.

#include "../support/raw_socket.hpp"

#include <gale/http/message.hpp>
#include <gale/io/http_server.hpp>
#include <gale/ws/codec.hpp>

#include <string>
#include <string_view>
#include <utility>

namespace gale::test {

using io::exchange_ptr;

inline gale::http::response text(int status, std::string body) {
  gale::http::response res;
  res.status = status;
  res.headers.set("Content-Type", "text/plain");
  res.body = std::move(body);
  return res;
}

/// Answers "METHOD TARGET BODY".
inline void echo(exchange_ptr x) {
  const auto& r = x->request();
  x->respond(text(200, r.method + " " + r.target + " " + r.body));
}

/// Reads one response with a Content-Length body off `s`.
inline std::string read_response(raw_socket& s) {
  auto head = s.read_until("\r\n\r\n");
  auto at = head.find("Content-Length: ");
  if (at == std::string::npos)
    return head;
  auto length = std::stoul(head.substr(at + 16));
  return head + s.read_exactly(length);
}

/// A WebSocket echo: text and binary messages come back as they came.
inline void websocket_echo(exchange_ptr x,
                           gale::io::websocket_options opts = {}) {
  gale::io::websocket_handlers h;
  h.on_message = [](gale::io::websocket_ptr ws, std::string m, bool binary) {
    if (binary)
      ws->send_binary(std::move(m));
    else
      ws->send_text(std::move(m));
  };
  x->accept_websocket(std::move(h), std::move(opts));
}

inline std::string handshake(const std::string& extra = {}) {
  return "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
         "Connection: Upgrade\r\nSec-WebSocket-Key: "
         "dGhlIHNhbXBsZSBub25jZQ==\r\n"
         "Sec-WebSocket-Version: 13\r\n"
         + extra + "\r\n";
}

inline std::string client_frame(gale::ws::opcode op, std::string_view payload,
                                bool fin = true) {
  std::string out;
  gale::ws::append_frame(out, op, payload, fin,
                         gale::ws::masking_key{1, 2, 3, 4});
  return out;
}

/// Reads server frames off `s` until one event is complete.
inline std::pair<gale::ws::event, std::string> next_event(raw_socket& s,
                                                          gale::ws::reader& r) {
  for (;;) {
    auto e = r.next();
    if (e == gale::ws::event::close)
      return {e, std::to_string(r.close_code())};
    if (e != gale::ws::event::need_more)
      return {e, std::string{r.payload()}};
    auto more = s.read_exactly(1);
    if (more.empty())
      return {gale::ws::event::error, "closed"};
    r.feed(more);
  }
}

} // namespace gale::test
