#include "gale/io/static_files.hpp"

#include "../support/raw_socket.hpp"
#include "http_client_fixture.hpp"
#include "http_server_fixture.hpp"

#include <gale/http/error.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using gale::io::http_request;

namespace {

/// A directory of files for one test, removed afterwards.
struct site {
  fs::path root;

  site() {
    char pattern[] = "/tmp/gale-static-XXXXXX";
    root = mkdtemp(pattern);
    fs::create_directories(root / "sub");
    write("index.html", "<h1>home</h1>");
    write("style.css", "body{}");
    write("sub/data.bin", std::string(200000, '\x7f'));
    write("sub/index.html", "sub home");
  }

  ~site() { fs::remove_all(root); }

  void write(const std::string& name, const std::string& text) {
    std::ofstream{root / name, std::ios::binary} << text;
  }
};

} // namespace

TEST_CASE("static files: types, index, 404 and no escape from the root",
          "[io][static]") {
  site s;
  gale::test::server_fixture srv{gale::io::static_files(s.root)};
  gale::test::client_fixture c;
  auto [ec, home] = c.fetch(srv.url("/"));
  REQUIRE_FALSE(ec);
  CHECK(home.body == "<h1>home</h1>");
  CHECK(*home.headers.find("Content-Type") == "text/html; charset=utf-8");
  CHECK(c.fetch(srv.url("/style.css"))
          .second.headers.find("Content-Type")
          ->starts_with("text/css"));
  CHECK(c.fetch(srv.url("/sub/")).second.body == "sub home");
  auto [ec2, big] = c.fetch(srv.url("/sub/data.bin"));
  CHECK(big.body.size() == 200000);
  CHECK(*big.headers.find("Content-Type") == "application/octet-stream");
  CHECK(c.fetch(srv.url("/nope.txt")).first
        == gale::http::make_status_error(404));
  // Ways out of the root, literal and encoded, never work.
  for (auto target : {"/../etc/passwd", "/%2e%2e/etc/passwd",
                      "/sub/../../etc/passwd", "/%2E%2E%2Fetc%2Fpasswd"}) {
    gale::test::raw_socket raw{srv.port()};
    raw.send(std::string{"GET "} + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
    auto status = raw.read_until("\r\n");
    INFO(target);
    CHECK((status.starts_with("HTTP/1.1 404")
           || status.starts_with("HTTP/1.1 400")));
  }
  http_request post;
  post.url = srv.url("/");
  post.method = "POST";
  CHECK(c.fetch(post).first == gale::http::make_status_error(405));
}

TEST_CASE("static files: ETag, If-None-Match, ranges, HEAD", "[io][static]") {
  site s;
  gale::test::server_fixture srv{
    gale::io::static_files(s.root, {.prefix = "/static"})};
  gale::test::client_fixture c;
  auto [ec, res] = c.fetch(srv.url("/static/style.css"));
  REQUIRE_FALSE(ec);
  auto etag = *res.headers.find("ETag");
  CHECK(res.headers.contains("Last-Modified"));

  http_request again;
  again.url = srv.url("/static/style.css");
  again.headers.add("If-None-Match", etag);
  again.raise_error = false;
  CHECK(c.fetch(again).second.status == 304);

  http_request part;
  part.url = srv.url("/static/sub/data.bin");
  part.headers.add("Range", "bytes=10-19");
  auto [ec2, ten] = c.fetch(part);
  CHECK(ten.status == 206);
  CHECK(ten.body.size() == 10);
  CHECK(*ten.headers.find("Content-Range") == "bytes 10-19/200000");
  part.headers.set("Range", "bytes=-5");
  CHECK(c.fetch(part).second.body.size() == 5);
  part.headers.set("Range", "bytes=300000-");
  part.raise_error = false;
  auto [ec3, bad] = c.fetch(part);
  CHECK(bad.status == 416);
  CHECK(*bad.headers.find("Content-Range") == "bytes */200000");

  http_request head;
  head.url = srv.url("/static/sub/data.bin");
  head.method = "HEAD";
  auto [ec4, h] = c.fetch(head);
  CHECK(h.body.empty());
  CHECK(*h.headers.find("Content-Length") == "200000");
  CHECK(c.fetch(srv.url("/style.css")).first
        == gale::http::make_status_error(404)); // outside the prefix
}
