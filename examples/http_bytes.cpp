// HTTP/1.1 without I/O: a URL split into parts, a request serialized, and
// a response parsed from bytes that arrive in pieces. docs/http-protocol.md
// quotes the regions between the [name] markers.
//
// Usage: http_bytes [URL]   (default: http://example.com:8080/a/b?x=1)
#include <gale/http/error.hpp>
#include <gale/http/parser.hpp>
#include <gale/http/serializer.hpp>
#include <gale/http/url.hpp>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  std::string text = argc > 1 ? argv[1] : "http://example.com:8080/a/b?x=1";
  // [url]
  gale::http::url u;
  if (auto ec = gale::http::parse_url(text, u)) {
    std::cerr << "bad URL: " << ec.message() << "\n";
    return 1;
  }
  std::cout << "host " << u.host << ", port " << u.effective_port()
            << ", target " << u.target() << "\n";
  // [end]

  // [serialize]
  gale::http::request req;
  req.method = "GET";
  req.target = u.target();
  req.headers.add("Host", u.authority());
  req.headers.add("User-Agent", "gale");
  std::string wire;
  if (auto ec = gale::http::serialize(req, wire)) // refuses CR/LF in fields
    return 1;
  // [end]
  std::cout << "request is " << wire.size() << " bytes\n";

  // [parse]
  gale::http::parser p{gale::http::parser::role::response};
  std::string body;
  for (std::string_view piece :
       {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chu", "nked\r\n\r\n5\r\nHel",
        "lo\r\n7\r\n, world\r\n0\r\n\r\n"}) {
    p.feed(piece); // bytes as they arrive, cut anywhere
    for (auto ev = p.next(); ev != gale::http::parser_event::need_more;
         ev = p.next()) {
      if (ev == gale::http::parser_event::head)
        std::cout << "status " << p.status() << " " << p.reason() << "\n";
      else if (ev == gale::http::parser_event::body)
        body += p.body();
      else if (ev == gale::http::parser_event::end)
        std::cout << "body \"" << body << "\", keep-alive "
                  << (p.keep_alive() ? "yes" : "no") << "\n";
      else if (ev == gale::http::parser_event::error)
        return std::cerr << p.error().message() << "\n", 1;
    }
  }
  // [end]
}
