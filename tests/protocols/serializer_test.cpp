#include "gale/http/serializer.hpp"

#include "gale/http/error.hpp"

#include <catch2/catch.hpp>

using gale::http::errc;

TEST_CASE("requests serialize with framing added where needed",
          "[protocols][serializer]") {
  gale::http::request get;
  get.target = "/index.html?q=1";
  get.headers.add("Host", "example.com");
  std::string out;
  REQUIRE_FALSE(gale::http::serialize(get, out));
  CHECK(out == "GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n");

  gale::http::request post{"POST", "/api", 11, {{"Host", "h"}}, "{\"a\":1}"};
  out.clear();
  REQUIRE_FALSE(gale::http::serialize(post, out));
  CHECK(
    out
    == "POST /api HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\n\r\n{\"a\":1}");

  gale::http::request empty_put{"PUT", "/x", 10, {}, ""};
  out.clear();
  REQUIRE_FALSE(gale::http::serialize(empty_put, out));
  CHECK(out == "PUT /x HTTP/1.0\r\nContent-Length: 0\r\n\r\n");

  gale::http::request chunked{"POST",
                              "/up",
                              11,
                              {{"Transfer-Encoding", "gzip, chunked"}},
                              std::string(26, 'z')};
  out.clear();
  REQUIRE_FALSE(gale::http::serialize(chunked, out));
  CHECK(out
        == "POST /up HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
           "1a\r\n"
             + std::string(26, 'z') + "\r\n0\r\n\r\n");
}

TEST_CASE("responses serialize, bodiless statuses carry no body",
          "[protocols][serializer]") {
  gale::http::response ok;
  ok.headers.add("Content-Type", "text/plain");
  ok.body = "Hello, world";
  std::string out;
  REQUIRE_FALSE(gale::http::serialize(ok, out));
  CHECK(out
        == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
           "12\r\n\r\nHello, world");
  gale::http::response none{11, 204, "", {}, ""};
  out.clear();
  REQUIRE_FALSE(gale::http::serialize(none, out));
  CHECK(out == "HTTP/1.1 204 No Content\r\n\r\n");
  gale::http::response custom{10, 299, "Fine", {}, ""};
  out.clear();
  REQUIRE_FALSE(gale::http::serialize(custom, out));
  CHECK(out == "HTTP/1.0 299 Fine\r\nContent-Length: 0\r\n\r\n");
}

TEST_CASE("chunks and trailers", "[protocols][serializer]") {
  std::string out;
  gale::http::append_chunk("hello", out);
  gale::http::append_chunk("", out); // never a premature last chunk
  CHECK(out == "5\r\nhello\r\n");
  REQUIRE_FALSE(gale::http::append_last_chunk({{"Checksum", "abc"}}, out));
  CHECK(out == "5\r\nhello\r\n0\r\nChecksum: abc\r\n\r\n");
  std::string untouched = "x";
  CHECK(gale::http::append_last_chunk({{"Bad Name", "v"}}, untouched)
        == errc::invalid_field_name);
  CHECK(untouched == "x");
}

TEST_CASE("CR, LF and other bad input are refused before anything is written",
          "[protocols][serializer]") {
  auto refused = [](const gale::http::request& req) {
    std::string out = "before";
    auto ec = gale::http::serialize(req, out);
    CHECK(out == "before");
    return ec;
  };
  gale::http::request base;
  auto with = [&](auto change) {
    auto r = base;
    change(r);
    return r;
  };
  CHECK(refused(with([](auto& r) { r.headers.add("X", "a\r\nInjected: 1"); }))
        == errc::invalid_field_value);
  CHECK(refused(with([](auto& r) { r.headers.add("X\r\nY", "v"); }))
        == errc::invalid_field_name);
  CHECK(refused(with([](auto& r) { r.headers.add("X", "a\nb"); }))
        == errc::invalid_field_value);
  CHECK(refused(with([](auto& r) { r.target = "/a b"; }))
        == errc::invalid_target);
  CHECK(refused(with([](auto& r) { r.target = "/a\r\n"; }))
        == errc::invalid_target);
  CHECK(refused(with([](auto& r) { r.target = ""; })) == errc::invalid_target);
  CHECK(refused(with([](auto& r) { r.method = "GE T"; }))
        == errc::invalid_method);
  CHECK(refused(with([](auto& r) { r.version = 20; }))
        == errc::invalid_version);
  CHECK(refused(with([](auto& r) {
          r.headers.add("Content-Length", "3");
          r.body = "four";
        }))
        == errc::content_length_mismatch);
  gale::http::response bad{11, 1000, "", {}, ""};
  std::string out;
  CHECK(gale::http::serialize(bad, out) == errc::invalid_status);
  gale::http::response split{11, 200, "OK\r\nX: y", {}, ""};
  CHECK(gale::http::serialize(split, out) == errc::invalid_field_value);
  CHECK(out.empty());
}

TEST_CASE("reason phrases", "[protocols][serializer]") {
  CHECK(gale::http::reason_phrase(404) == "Not Found");
  CHECK(gale::http::reason_phrase(431) == "Request Header Fields Too Large");
  CHECK(gale::http::reason_phrase(299).empty());
  CHECK(gale::http::status_has_no_body(101));
  CHECK(gale::http::status_has_no_body(304));
  CHECK_FALSE(gale::http::status_has_no_body(200));
}
