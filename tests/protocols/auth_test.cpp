#include <gale/http/auth.hpp>
#include <gale/http/error.hpp>

#include <catch2/catch.hpp>

using namespace gale::http;

TEST_CASE("base64 follows RFC 4648's test vectors") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("foob") == "Zm9vYg==");
  CHECK(base64_encode("fooba") == "Zm9vYmE=");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  CHECK(base64_encode(std::string_view{"\xff\xfe\x00", 3}) == "//4A");
}

TEST_CASE("Basic authorization is RFC 7617's example") {
  CHECK(basic_authorization("Aladdin", "open sesame")
        == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
}

TEST_CASE("a status error carries the status as its value") {
  auto ec = make_status_error(404);
  CHECK(ec.value() == 404);
  CHECK(ec.category() == status_category());
  CHECK(ec.message() == "HTTP 404 Not Found");
  CHECK(make_status_error(599).message() == "HTTP 599");
}
