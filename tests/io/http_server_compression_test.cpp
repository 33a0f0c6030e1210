// The server's compress_response and decompress_request (Tornado's):
// gzip for compressible answers a client accepts, Vary for caches, never
// where it would be wrong; gzip request bodies decoded within the limit.

#include "gale/io/http_server.hpp"

#include "../support/raw_socket.hpp"
#include "http_client_fixture.hpp"
#include "http_server_fixture.hpp"
#include "http_server_wire.hpp"

#include <gale/http/content_decoder.hpp>
#include <gale/http/content_encoder.hpp>
#include <gale/http/parser.hpp>

#include <catch2/catch.hpp>

#include <string>

using gale::io::exchange_ptr;
using gale::io::http_server_options;
using gale::test::raw_socket;
using gale::test::server_fixture;

namespace {

std::string text_of(std::size_t bytes) {
  std::string s;
  while (s.size() < bytes)
    s += "compressible line " + std::to_string(s.size()) + "\n";
  s.resize(bytes);
  return s;
}

/// /text?n: n bytes of text/plain; /png: 4 KiB as image/png; /stream: text
/// in three pieces; /encoded: a body with a Content-Encoding of its own.
void content(exchange_ptr x) {
  const auto& target = x->request().target;
  gale::http::response res;
  res.headers.set("Content-Type", "text/plain");
  if (target.starts_with("/text?")) {
    res.body = text_of(std::stoul(target.substr(6)));
  } else if (target == "/png") {
    res.headers.set("Content-Type", "image/png");
    res.body = text_of(4096);
  } else if (target == "/encoded") {
    res.headers.set("Content-Encoding", "br");
    res.body = text_of(4096);
  } else if (target == "/stream") {
    x->begin(res);
    for (int i = 0; i < 3; ++i)
      x->write(text_of(2000));
    return x->end();
  }
  x->respond(std::move(res));
}

struct answer {
  gale::http::fields headers;
  std::string body; ///< as it came, still encoded
};

/// One request over a raw socket; the answer parsed, its body as sent.
answer ask(server_fixture& srv, const std::string& target,
           const std::string& headers, const std::string& method = "GET") {
  raw_socket s{srv.port()};
  s.send(method + " " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
         + headers + "\r\n");
  gale::http::parser p{gale::http::parser::role::response};
  p.set_request_method(method);
  p.feed(s.read_all());
  p.feed_eof();
  answer a;
  for (auto e = p.next(); e != gale::http::parser_event::end; e = p.next()) {
    REQUIRE(e != gale::http::parser_event::error);
    REQUIRE(e != gale::http::parser_event::need_more);
    if (e == gale::http::parser_event::head)
      a.headers = p.headers();
    if (e == gale::http::parser_event::body)
      a.body += p.body();
  }
  return a;
}

std::string gunzip(const std::string& packed) {
  gale::http::content_decoder d{gale::http::content_decoder::coding::gzip};
  std::string out;
  REQUIRE_FALSE(d.decode(packed, out));
  REQUIRE_FALSE(d.finish());
  return out;
}

std::string header(const answer& a, std::string_view name) {
  const auto* v = a.headers.find(name);
  return v ? *v : "(none)";
}

} // namespace

TEST_CASE("compress_response: gzip where it helps and is wanted",
          "[io][http_server][compression]") {
  http_server_options opts;
  opts.compress_response = true;
  server_fixture srv{content, opts};
  const std::string gzip = "Accept-Encoding: gzip, br\r\n";

  auto big = ask(srv, "/text?65536", gzip);
  CHECK(header(big, "Content-Encoding") == "gzip");
  CHECK(header(big, "Vary") == "Accept-Encoding");
  CHECK(big.body.size() < 65536 / 4);
  CHECK(gunzip(big.body) == text_of(65536));

  auto small = ask(srv, "/text?100", gzip); // under min_compress_size
  CHECK(header(small, "Content-Encoding") == "(none)");
  CHECK(header(small, "Vary") == "Accept-Encoding");
  CHECK(small.body == text_of(100));

  auto unwanted = ask(srv, "/text?65536", "Accept-Encoding: gzip;q=0\r\n");
  CHECK(header(unwanted, "Content-Encoding") == "(none)");
  CHECK(header(unwanted, "Vary") == "Accept-Encoding");
  CHECK(unwanted.body == text_of(65536));

  auto image = ask(srv, "/png", gzip);
  CHECK(header(image, "Content-Encoding") == "(none)");
  CHECK(header(image, "Vary") == "(none)");

  auto encoded = ask(srv, "/encoded", gzip);
  CHECK(header(encoded, "Content-Encoding") == "br"); // left as it was

  auto head = ask(srv, "/text?65536", gzip, "HEAD");
  CHECK(header(head, "Content-Encoding") == "(none)");
  CHECK(header(head, "Content-Length") == "65536");

  auto streamed = ask(srv, "/stream", gzip);
  CHECK(header(streamed, "Content-Encoding") == "gzip");
  CHECK(header(streamed, "Transfer-Encoding") == "chunked");
  CHECK(gunzip(streamed.body) == text_of(2000) + text_of(2000) + text_of(2000));

  // gale's own client asks for gzip and decodes it.
  gale::test::client_fixture c;
  auto [ec, res] = c.fetch(srv.url("/text?30000"));
  REQUIRE_FALSE(ec);
  CHECK(res.body == text_of(30000));
  REQUIRE(res.headers.find("X-Consumed-Content-Encoding"));
  CHECK(*res.headers.find("X-Consumed-Content-Encoding") == "gzip");
}

TEST_CASE("compress_response off: answers go as the handler made them",
          "[io][http_server][compression]") {
  server_fixture srv{content};
  auto a = ask(srv, "/text?65536", "Accept-Encoding: gzip\r\n");
  CHECK(header(a, "Content-Encoding") == "(none)");
  CHECK(header(a, "Vary") == "(none)");
}

TEST_CASE("decompress_request: gzip bodies decoded within the body limit",
          "[io][http_server][compression]") {
  http_server_options opts;
  opts.decompress_request = true;
  opts.max_body_size = 100 * 1024;
  server_fixture srv{
    [](exchange_ptr x) {
      const auto& r = x->request();
      const auto* consumed = r.headers.find("X-Consumed-Content-Encoding");
      x->respond(gale::test::text(200, std::to_string(r.body.size()) + " "
                                         + (consumed ? *consumed : "-") + " "
                                         + r.body.substr(0, 10)));
    },
    opts};
  auto post = [&](const std::string& body) {
    raw_socket s{srv.port()};
    s.send("POST /up HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
           "Content-Encoding: gzip\r\nContent-Length: "
           + std::to_string(body.size()) + "\r\n\r\n" + body);
    return s.read_all();
  };
  auto plain = text_of(50 * 1024);
  auto ok = post(gale::http::gzip_encoder::compress(plain));
  CHECK(ok.ends_with("51200 gzip " + plain.substr(0, 10)));
  // 1 MiB of zeros packs into about 1 KiB: a bomb for a 100 KiB limit.
  auto bomb =
    post(gale::http::gzip_encoder::compress(std::string(1 << 20, '\0')));
  CHECK(bomb.starts_with("HTTP/1.1 413 "));
  auto corrupt = post("not gzip at all");
  CHECK(corrupt.starts_with("HTTP/1.1 400 "));
}
