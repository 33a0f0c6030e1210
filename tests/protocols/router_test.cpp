#include "gale/http/router.hpp"
#include "gale/http/url.hpp"

#include <catch2/catch.hpp>

using gale::http::router;

TEST_CASE("routes match method and path, capture parameters") {
  router<int> r;
  r.add("GET", "/", 1)
    .add("GET", "/users/{id}", 2)
    .add("POST", "/users/{id}", 3)
    .add("GET", "/users/{id}/posts/{post}", 4)
    .add("*", "/any", 5)
    .add("GET", "/dir/", 6);
  CHECK(*r.find("GET", "/").target == 1);
  auto m = r.find("GET", "/users/42");
  REQUIRE(m.target);
  CHECK(*m.target == 2);
  CHECK(m.params.at("id") == "42");
  CHECK(*r.find("POST", "/users/7").target == 3);
  auto deep = r.find("GET", "/users/a/posts/b");
  CHECK(deep.params.at("id") == "a");
  CHECK(deep.params.at("post") == "b");
  CHECK(*r.find("DELETE", "/any").target == 5);
  CHECK(*r.find("GET", "/dir/").target == 6);
  CHECK_FALSE(r.find("GET", "/dir").target);
  CHECK_FALSE(r.find("GET", "/users").target);
  CHECK_FALSE(r.find("GET", "/users/").target);
  auto not_allowed = r.find("PUT", "/users/1");
  CHECK_FALSE(not_allowed.target);
  CHECK(not_allowed.allowed == std::vector<std::string>{"GET", "POST"});
  CHECK(r.find("GET", "/nope").allowed.empty());
}

TEST_CASE("targets split into path and query, queries decode") {
  auto [path, query] = gale::http::split_target("/delay?ms=50&x=a+b%21");
  CHECK(path == "/delay");
  CHECK(query == "ms=50&x=a+b%21");
  auto q = gale::http::parse_query(query);
  REQUIRE(q.size() == 2);
  CHECK(q[0] == std::pair<std::string, std::string>{"ms", "50"});
  CHECK(q[1] == std::pair<std::string, std::string>{"x", "a b!"});
  CHECK(gale::http::split_target("/p").second.empty());
  CHECK(gale::http::parse_query("a&&b=&=c").size() == 3);
  CHECK(gale::http::parse_query("bad=%zz")[0].second == "%zz");
}
