#include "gale/http/fields.hpp"

#include <catch2/catch.hpp>

using gale::http::fields;

TEST_CASE("fields keep order and duplicates, names ignore case",
          "[protocols][fields]") {
  fields f;
  f.add("Set-Cookie", "a=1");
  f.add("content-type", "text/plain");
  f.add("SET-COOKIE", "b=2");
  REQUIRE(f.size() == 3);
  CHECK(*f.find("Content-Type") == "text/plain");
  CHECK(*f.find("set-cookie") == "a=1");
  CHECK(f.find("X-Missing") == nullptr);
  auto cookies = f.find_all("Set-Cookie");
  REQUIRE(cookies.size() == 2);
  CHECK(cookies[1] == "b=2");
  CHECK(f.begin()->first == "Set-Cookie"); // original case, wire order
  f.set("set-cookie", "c=3");
  CHECK(f.size() == 2);
  CHECK(f.find_all("Set-Cookie") == std::vector<std::string_view>{"c=3"});
  CHECK(f.begin()->second == "c=3"); // replaced in place
  CHECK(f.erase("CONTENT-TYPE") == 1);
  CHECK(f.size() == 1);
  f.set("X-New", "1");
  CHECK(f.size() == 2);
}

TEST_CASE("comma-separated tokens", "[protocols][fields]") {
  fields f{{"Connection", "keep-alive, Upgrade"}, {"connection", "x"}};
  CHECK(f.has_token("connection", "upgrade"));
  CHECK(f.has_token("Connection", "KEEP-ALIVE"));
  CHECK(f.has_token("Connection", "x"));
  CHECK_FALSE(f.has_token("Connection", "close"));
  CHECK_FALSE(f.has_token("Connection", "keep"));
}

TEST_CASE("tokens and values", "[protocols][fields]") {
  CHECK(gale::http::is_token("X-Custom_1.2"));
  CHECK_FALSE(gale::http::is_token(""));
  CHECK_FALSE(gale::http::is_token("Bad Name"));
  CHECK_FALSE(gale::http::is_token("Bad:Name"));
  CHECK(gale::http::is_valid_field_value("text/html; charset=utf-8"));
  CHECK(gale::http::is_valid_field_value("a\tb"));
  CHECK(gale::http::is_valid_field_value("caf\xc3\xa9")); // obs-text
  CHECK_FALSE(gale::http::is_valid_field_value("a\r\nInjected: 1"));
  CHECK_FALSE(gale::http::is_valid_field_value("a\nb"));
  CHECK_FALSE(gale::http::is_valid_field_value(std::string_view{"a\0b", 3}));
  CHECK_FALSE(gale::http::is_valid_field_value(" padded"));
  CHECK(gale::http::iequals("Content-Length", "content-length"));
  CHECK_FALSE(gale::http::iequals("a", "ab"));
}
