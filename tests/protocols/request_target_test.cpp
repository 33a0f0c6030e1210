#include "gale/http/request_target.hpp"

#include "gale/http/error.hpp"

#include <catch2/catch.hpp>

#include <string>

using gale::http::errc;
using gale::http::normalize_target_and_host;
using gale::http::request;

namespace {

request make(std::string target, std::initializer_list<std::string> hosts,
             int version = 11, std::string method = "GET") {
  request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.version = version;
  for (const auto& h : hosts)
    r.headers.add("Host", h);
  return r;
}

std::string host_of(const request& r) {
  const auto* h = r.headers.find("Host");
  return h ? *h : "(none)";
}

} // namespace

TEST_CASE("Host: exactly one valid field on HTTP/1.1, normalised",
          "[protocols][request_target]") {
  auto r = make("/a?b=1", {"Example.COM:8080"});
  REQUIRE_FALSE(normalize_target_and_host(r));
  CHECK(host_of(r) == "example.com:8080");
  CHECK(r.target == "/a?b=1");

  auto v6 = make("/", {"[::1]:80"});
  REQUIRE_FALSE(normalize_target_and_host(v6));
  CHECK(host_of(v6) == "[::1]:80");

  auto empty = make("/", {""}); // valid: a target without authority
  CHECK_FALSE(normalize_target_and_host(empty));

  for (auto bad : {"a b", "h:port", "h:", "user@h", "h/x", "h?q", "h#f", "[::1",
                   "h:99999", "\x01"}) {
    CAPTURE(bad);
    auto r = make("/", {bad});
    CHECK(normalize_target_and_host(r) == errc::invalid_host_field);
  }
  auto none = make("/", {});
  CHECK(normalize_target_and_host(none) == errc::invalid_host_field);
  auto two = make("/", {"a", "a"});
  CHECK(normalize_target_and_host(two) == errc::invalid_host_field);
  auto old = make("/", {}, 10); // HTTP/1.0 may omit it
  CHECK_FALSE(normalize_target_and_host(old));
  CHECK(host_of(old) == "(none)");
}

TEST_CASE("an absolute-form target gives its path and its authority",
          "[protocols][request_target]") {
  auto r = make("http://Other.example:81/p/q?x=1", {"ignored.example"});
  REQUIRE_FALSE(normalize_target_and_host(r));
  CHECK(r.target == "/p/q?x=1");
  CHECK(host_of(r) == "other.example:81");
  CHECK(r.headers.find_all("Host").size() == 1);

  auto bare = make("https://h.example", {"h.example"});
  REQUIRE_FALSE(normalize_target_and_host(bare));
  CHECK(bare.target == "/");
  CHECK(host_of(bare) == "h.example");

  for (auto bad : {"ftp://h/x", "http:///x", "http://u@h/x", "http://h/x#f",
                   "http://h:99999/"}) {
    CAPTURE(bad);
    auto r = make(bad, {"h"});
    CHECK(normalize_target_and_host(r) == errc::invalid_target);
  }
}

TEST_CASE("asterisk and authority forms, each with its method",
          "[protocols][request_target]") {
  auto options = make("*", {"h"}, 11, "OPTIONS");
  CHECK_FALSE(normalize_target_and_host(options));
  auto star = make("*", {"h"});
  CHECK(normalize_target_and_host(star) == errc::invalid_target);
  auto connect = make("h.example:443", {"h.example:443"}, 11, "CONNECT");
  CHECK_FALSE(normalize_target_and_host(connect));
  CHECK(connect.target == "h.example:443");
  auto not_connect = make("h.example:443", {"h"});
  CHECK(normalize_target_and_host(not_connect) == errc::invalid_target);
  auto relative = make("a/b", {"h"});
  CHECK(normalize_target_and_host(relative) == errc::invalid_target);
}
