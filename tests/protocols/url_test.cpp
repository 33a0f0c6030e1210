#include "gale/http/url.hpp"

#include "gale/http/error.hpp"

#include <catch2/catch.hpp>

using gale::http::errc;
using gale::http::url;

namespace {

url parsed(std::string_view text) {
  url u;
  auto ec = gale::http::parse_url(text, u);
  INFO(text << ": " << ec.message());
  REQUIRE_FALSE(ec);
  return u;
}

std::error_code error_of(std::string_view text) {
  url u;
  return gale::http::parse_url(text, u);
}

} // namespace

TEST_CASE("every component of an http URL", "[protocols][url]") {
  auto u = parsed("HTTP://user:pa%20ss@Example.COM:8080/a/b%2Fc?x=1&y=2#frag");
  CHECK(u.scheme == "http");
  CHECK(u.userinfo == "user:pa%20ss");
  CHECK(u.host == "example.com");
  CHECK_FALSE(u.host_is_ipv6);
  CHECK(u.port == 8080);
  CHECK(u.path == "/a/b%2Fc");
  CHECK(u.query == "x=1&y=2");
  CHECK(u.fragment == "frag");
  CHECK(u.authority() == "example.com:8080");
  CHECK(u.target() == "/a/b%2Fc?x=1&y=2");
  CHECK(u.effective_port() == 8080);
}

TEST_CASE("defaults: port, path and absent parts", "[protocols][url]") {
  auto u = parsed("https://example.com");
  CHECK(u.port == std::nullopt);
  CHECK(u.effective_port() == 443);
  CHECK(u.path.empty());
  CHECK(u.target() == "/");
  CHECK_FALSE(u.query);
  CHECK_FALSE(u.fragment);
  CHECK(parsed("http://h:/p").port == std::nullopt);
  CHECK(parsed("http://h/?").query == "");
  CHECK(parsed("ws://h").effective_port() == 80);
  CHECK(parsed("wss://h").effective_port() == 443);
  CHECK(parsed("ftp://h").effective_port() == 0);
}

TEST_CASE("IP literals", "[protocols][url]") {
  auto v6 = parsed("http://[2001:DB8::7]:81/x");
  CHECK(v6.host == "2001:db8::7");
  CHECK(v6.host_is_ipv6);
  CHECK(v6.port == 81);
  CHECK(v6.authority() == "[2001:db8::7]:81");
  for (auto ok : {"http://[::1]/", "http://[::]/", "http://[1:2:3:4:5:6:7:8]/",
                  "http://[::ffff:192.0.2.1]/", "http://[1::]/",
                  "http://[1:2:3:4:5:6:1.2.3.4]/"})
    CHECK(parsed(ok).host_is_ipv6);
  CHECK(parsed("http://192.0.2.16:80/").host == "192.0.2.16");
  for (auto bad : {"http://[::1/", "http://[1:2:3:4:5:6:7:8:9]/",
                   "http://[1::2::3]/", "http://[12345::]/", "http://[:1]/",
                   "http://[1:]/", "http://[::1]x/", "http://[::256.1.1.1]/",
                   "http://[::01.1.1.1]/", "http://[v1.fe]/", "http://[]/"})
    CHECK(error_of(bad) == errc::invalid_host);
}

TEST_CASE("the examples of RFC 3986 section 1.1.2", "[protocols][url]") {
  auto ftp = parsed("ftp://ftp.is.co.za/rfc/rfc1808.txt");
  CHECK(ftp.host == "ftp.is.co.za");
  CHECK(ftp.path == "/rfc/rfc1808.txt");
  auto ldap = parsed("ldap://[2001:db8::7]/c=GB?objectClass?one");
  CHECK(ldap.path == "/c=GB");
  CHECK(ldap.query == "objectClass?one");
  auto mail = parsed("mailto:John.Doe@example.com");
  CHECK_FALSE(mail.has_authority);
  CHECK(mail.path == "John.Doe@example.com");
  CHECK(parsed("news:comp.infosystems.www.servers.unix").path
        == "comp.infosystems.www.servers.unix");
  CHECK(parsed("tel:+1-816-555-1212").path == "+1-816-555-1212");
  auto telnet = parsed("telnet://192.0.2.16:80/");
  CHECK(telnet.port == 80);
  CHECK(parsed("urn:oasis:names:specification:docbook:dtd:xml:4.1.2").path
        == "oasis:names:specification:docbook:dtd:xml:4.1.2");
}

TEST_CASE("bad URLs are errors, not exceptions", "[protocols][url]") {
  CHECK(error_of("") == errc::invalid_url);
  CHECK(error_of("/relative/path") == errc::invalid_url);
  CHECK(error_of("example.com") == errc::invalid_url);
  CHECK(error_of(":no-scheme") == errc::invalid_url);
  CHECK(error_of("1http://h/") == errc::invalid_scheme);
  CHECK(error_of("ht tp://h/") == errc::invalid_scheme);
  CHECK(error_of("http:/only-path") == errc::invalid_host);
  CHECK(error_of("http:///no-host") == errc::invalid_host);
  CHECK(error_of("http://h:65536/") == errc::invalid_port);
  CHECK(error_of("http://h:8x/") == errc::invalid_port);
  CHECK(error_of("http://h:-1/") == errc::invalid_port);
  CHECK(error_of("http://h:99999999999999999999/") == errc::invalid_port);
  CHECK(error_of("http://h/a b") == errc::invalid_character);
  CHECK(error_of("http://h/a\r\nX: y") == errc::invalid_character);
  CHECK(error_of("http://h/\x80") == errc::invalid_character);
  CHECK(error_of("http://h/a%2") == errc::invalid_percent_encoding);
  CHECK(error_of("http://h/a%") == errc::invalid_percent_encoding);
  CHECK(error_of("http://h/a%zz") == errc::invalid_percent_encoding);
  CHECK(error_of("http://h/?q=%g0") == errc::invalid_percent_encoding);
  CHECK(error_of("http://h/#a b") == errc::invalid_character);
  CHECK(error_of("http://ho st/") == errc::invalid_host);
  CHECK(error_of("http://u ser@h/") == errc::invalid_character);
  CHECK_FALSE(error_of("http://h/a"));
  CHECK(std::error_code{errc::invalid_port}.message() == "invalid port in URL");
}

TEST_CASE("parse(to_string()) round-trips", "[protocols][url]") {
  for (auto text :
       {"http://user@h:1/p?q#f", "https://[::1]:8443/x?y", "mailto:a@b",
        "http://h", "http://h/?", "http://h/#", "urn:x:y"}) {
    auto u = parsed(text);
    CHECK(parsed(u.to_string()) == u);
    CHECK(u.to_string() == text);
  }
}

TEST_CASE("percent-decoding and query building", "[protocols][url]") {
  std::string out;
  CHECK_FALSE(gale::http::percent_decode("a%20b%2Fc%7e", out));
  CHECK(out == "a b/c~");
  CHECK_FALSE(gale::http::percent_decode("a+b", out, true));
  CHECK(out == "a b");
  CHECK_FALSE(gale::http::percent_decode("a+b", out));
  CHECK(out == "a+b");
  CHECK(gale::http::percent_decode("%4", out)
        == errc::invalid_percent_encoding);
  CHECK(gale::http::percent_decode("%", out) == errc::invalid_percent_encoding);
  CHECK(gale::http::percent_encode("a b&c=d/é~") == "a%20b%26c%3Dd%2F%C3%A9~");
  CHECK(gale::http::build_query({{"q", "x y"}, {"lang", "c++"}, {"e", ""}})
        == "q=x%20y&lang=c%2B%2B&e=");
  std::string back;
  CHECK_FALSE(
    gale::http::percent_decode(gale::http::percent_encode("\x01\xff%"), back));
  CHECK(back == "\x01\xff%");
}

namespace {

std::string resolved(std::string_view base_text, std::string_view ref) {
  gale::http::url base, out;
  REQUIRE_FALSE(gale::http::parse_url(base_text, base));
  if (auto ec = gale::http::resolve_url(base, ref, out))
    return "error: " + ec.message();
  return out.to_string();
}

} // namespace

TEST_CASE("references resolve as RFC 3986 section 5.4 says") {
  constexpr auto base = "http://a/b/c/d;p?q";
  // 5.4.1 normal examples
  CHECK(resolved(base, "g:h") == "g:h");
  CHECK(resolved(base, "g") == "http://a/b/c/g");
  CHECK(resolved(base, "./g") == "http://a/b/c/g");
  CHECK(resolved(base, "g/") == "http://a/b/c/g/");
  CHECK(resolved(base, "/g") == "http://a/g");
  CHECK(resolved(base, "//g") == "http://g");
  CHECK(resolved(base, "?y") == "http://a/b/c/d;p?y");
  CHECK(resolved(base, "g?y") == "http://a/b/c/g?y");
  CHECK(resolved(base, "#s") == "http://a/b/c/d;p?q#s");
  CHECK(resolved(base, "g#s") == "http://a/b/c/g#s");
  CHECK(resolved(base, ";x") == "http://a/b/c/;x");
  CHECK(resolved(base, "") == "http://a/b/c/d;p?q");
  CHECK(resolved(base, ".") == "http://a/b/c/");
  CHECK(resolved(base, "./") == "http://a/b/c/");
  CHECK(resolved(base, "..") == "http://a/b/");
  CHECK(resolved(base, "../g") == "http://a/b/g");
  CHECK(resolved(base, "../..") == "http://a/");
  CHECK(resolved(base, "../../g") == "http://a/g");
  // 5.4.2 abnormal examples
  CHECK(resolved(base, "../../../g") == "http://a/g");
  CHECK(resolved(base, "/./g") == "http://a/g");
  CHECK(resolved(base, "/../g") == "http://a/g");
  CHECK(resolved(base, "g.") == "http://a/b/c/g.");
  CHECK(resolved(base, "..g") == "http://a/b/c/..g");
  CHECK(resolved(base, "./../g") == "http://a/b/g");
  CHECK(resolved(base, "g/./h") == "http://a/b/c/g/h");
  CHECK(resolved(base, "g/../h") == "http://a/b/c/h");
  CHECK(resolved(base, "g?y/./x") == "http://a/b/c/g?y/./x");
}

TEST_CASE("a redirect target keeps the base's port and refuses bad text") {
  CHECK(resolved("http://h:8080/a/b", "c") == "http://h:8080/a/c");
  CHECK(resolved("http://h:8080", "x") == "http://h:8080/x");
  CHECK(resolved("https://h/a", "//other:1/z") == "https://other:1/z");
  CHECK(resolved("http://h/", "/a b").starts_with("error: "));
}
