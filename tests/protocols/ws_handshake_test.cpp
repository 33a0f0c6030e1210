#include "gale/ws/handshake.hpp"

#include "gale/http/error.hpp"
#include "gale/ws/codec.hpp"

#include <catch2/catch.hpp>

namespace ws = gale::ws;
using gale::http::request;

namespace {

ws::server_policy allowing(std::vector<std::string> origins,
                           bool deflate = true) {
  ws::server_policy p;
  p.allowed_origins = std::move(origins);
  p.permessage_deflate = deflate;
  return p;
}

ws::server_policy speaking(std::string subprotocol, bool deflate) {
  auto p = allowing({"*"}, deflate);
  p.subprotocols = {std::move(subprotocol)};
  return p;
}

/// The opening request of RFC 6455 section 1.2.
request rfc_request() {
  request req;
  req.target = "/chat";
  req.headers.add("Host", "server.example.com");
  req.headers.add("Upgrade", "websocket");
  req.headers.add("Connection", "Upgrade");
  req.headers.add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
  req.headers.add("Origin", "http://example.com");
  req.headers.add("Sec-WebSocket-Protocol", "chat, superchat");
  req.headers.add("Sec-WebSocket-Version", "13");
  return req;
}

ws::client_offer rfc_offer() {
  return {"server.example.com",  "/chat", "dGhlIHNhbXBsZSBub25jZQ==",
          {"chat", "superchat"}, false,   {}};
}

} // namespace

TEST_CASE("the server accepts RFC 6455's example and picks its favourite "
          "subprotocol",
          "[ws][handshake]") {
  ws::server_policy policy;
  policy.subprotocols = {"superchat", "chat"};
  policy.allowed_origins = {"http://example.com"};
  auto d = ws::accept_request(rfc_request(), policy);
  REQUIRE(d.accepted());
  const auto& h = d.response.headers;
  CHECK(*h.find("Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  CHECK(h.has_token("Upgrade", "websocket"));
  CHECK(h.has_token("Connection", "upgrade"));
  CHECK(*h.find("Sec-WebSocket-Protocol") == "superchat");
  CHECK(d.agreed.subprotocol == "superchat");
  CHECK_FALSE(d.agreed.deflate); // not offered
  // ... and the client that sent it agrees.
  ws::agreement agreed;
  CHECK_FALSE(ws::check_response(rfc_offer(), 101, h, agreed));
  CHECK(agreed.subprotocol == "superchat");
}

TEST_CASE("the server refuses what is no valid upgrade", "[ws][handshake]") {
  ws::server_policy policy;
  policy.allowed_origins = {"*"};
  auto status_of = [&](request req) {
    return ws::accept_request(req, policy).response.status;
  };
  auto req = rfc_request();
  req.method = "POST";
  CHECK(status_of(req) == 400);
  req = rfc_request();
  req.headers.erase("Sec-WebSocket-Key");
  CHECK(status_of(req) == 400);
  req = rfc_request();
  req.headers.set("Sec-WebSocket-Key", "short");
  CHECK(status_of(req) == 400);
  req = rfc_request();
  req.headers.erase("Upgrade");
  CHECK(status_of(req) == 400);
  req = rfc_request();
  req.headers.set("Sec-WebSocket-Version", "8");
  auto old = ws::accept_request(req, policy);
  CHECK(old.response.status == 426);
  CHECK(*old.response.headers.find("Sec-WebSocket-Version") == "13");
  CHECK_FALSE(old.response.body.empty());
}

TEST_CASE("origins: the request's own host, a list, or any",
          "[ws][handshake]") {
  auto req = rfc_request();
  CHECK(ws::accept_request(req, {}).response.status == 403);
  CHECK(ws::accept_request(req, allowing({"http://EXAMPLE.com"})).accepted());
  CHECK(ws::accept_request(req, allowing({"*"})).accepted());
  req.headers.set("Origin", "https://server.example.com");
  CHECK(ws::accept_request(req, {}).accepted());
  req.headers.erase("Origin"); // not a browser
  CHECK(ws::accept_request(req, {}).accepted());
}

TEST_CASE("permessage-deflate is agreed only when both want it",
          "[ws][handshake]") {
  auto req = rfc_request();
  req.headers.add("Sec-WebSocket-Extensions",
                  "permessage-deflate; client_max_window_bits");
  auto on = ws::accept_request(req, allowing({"*"}));
  REQUIRE(on.accepted());
  CHECK(on.agreed.deflate);
  auto offer = rfc_offer();
  offer.permessage_deflate = true;
  ws::agreement agreed;
  CHECK_FALSE(ws::check_response(offer, 101, on.response.headers, agreed));
  CHECK(agreed.deflate);
  offer.permessage_deflate = false; // an answer with what was not offered
  CHECK(ws::check_response(offer, 101, on.response.headers, agreed)
        == ws::errc::bad_upgrade);
  auto off = ws::accept_request(req, allowing({"*"}, false));
  CHECK_FALSE(off.agreed.deflate);
  CHECK_FALSE(off.response.headers.contains("Sec-WebSocket-Extensions"));
}

TEST_CASE("the client checks the answer", "[ws][handshake]") {
  auto accepted = ws::accept_request(rfc_request(), speaking("chat", false));
  auto h = accepted.response.headers;
  ws::agreement agreed;
  CHECK(ws::check_response(rfc_offer(), 404, h, agreed)
        == gale::http::make_status_error(404));
  CHECK(ws::check_response(rfc_offer(), 503, h, agreed)
        == gale::http::make_status_error(503));
  // Answers that are no error and no upgrade either: a WebSocket error.
  for (int status : {200, 204, 301, 302, 399}) {
    CAPTURE(status);
    CHECK(ws::check_response(rfc_offer(), status, h, agreed)
          == ws::errc::bad_upgrade);
  }
  auto wrong = h;
  wrong.set("Sec-WebSocket-Accept", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  CHECK(ws::check_response(rfc_offer(), 101, wrong, agreed)
        == ws::errc::invalid_accept);
  auto no_upgrade = h;
  no_upgrade.erase("Upgrade");
  CHECK(ws::check_response(rfc_offer(), 101, no_upgrade, agreed)
        == ws::errc::bad_upgrade);
  auto stranger = h;
  stranger.set("Sec-WebSocket-Protocol", "mqtt");
  CHECK(ws::check_response(rfc_offer(), 101, stranger, agreed)
        == ws::errc::bad_upgrade);
}

TEST_CASE("the client's request, and fresh keys", "[ws][handshake]") {
  auto offer = rfc_offer();
  offer.permessage_deflate = true;
  offer.headers.add("Origin", "http://example.com");
  auto req = ws::make_request(offer);
  CHECK(req.method == "GET");
  CHECK(req.target == "/chat");
  CHECK(*req.headers.find("Host") == "server.example.com");
  CHECK(*req.headers.find("Sec-WebSocket-Protocol") == "chat, superchat");
  CHECK(*req.headers.find("Sec-WebSocket-Version") == "13");
  CHECK(req.headers.find("Sec-WebSocket-Extensions"));
  CHECK(*req.headers.find("Origin") == "http://example.com");
  // What a client sends, a server of the same mind accepts.
  CHECK(ws::accept_request(req, speaking("chat", true)).accepted());
  auto a = ws::make_key(), b = ws::make_key();
  CHECK(a.size() == 24);
  CHECK(a != b);
}

TEST_CASE("check_origin and select_subprotocol decide instead of the lists",
          "[ws][handshake]") {
  ws::server_policy policy;
  policy.subprotocols = {"superchat"};
  std::string seen_origin;
  policy.check_origin = [&](std::string_view origin, const request& req) {
    seen_origin = origin;
    return req.target == "/chat"; // a rule no list can say
  };
  std::vector<std::string> seen_offers;
  policy.select_subprotocol = [&](const std::vector<std::string>& offered) {
    seen_offers = offered;
    return std::string{"chat"}; // not the list's favourite
  };
  policy.response_headers.add("Set-Cookie", "room=1");
  auto d = ws::accept_request(rfc_request(), policy);
  REQUIRE(d.accepted());
  CHECK(seen_origin == "http://example.com");
  CHECK(seen_offers == std::vector<std::string>{"chat", "superchat"});
  CHECK(d.agreed.subprotocol == "chat");
  CHECK(*d.response.headers.find("Sec-WebSocket-Protocol") == "chat");
  CHECK(*d.response.headers.find("Set-Cookie") == "room=1");

  auto elsewhere = rfc_request();
  elsewhere.target = "/other";
  CHECK(ws::accept_request(elsewhere, policy).response.status == 403);
  // A pick the client did not offer counts as none.
  policy.select_subprotocol = [](const std::vector<std::string>&) {
    return std::string{"mqtt"};
  };
  auto none = ws::accept_request(rfc_request(), policy);
  REQUIRE(none.accepted());
  CHECK(none.agreed.subprotocol.empty());
  CHECK_FALSE(none.response.headers.contains("Sec-WebSocket-Protocol"));
  // Without an Origin (no browser) check_origin is not asked.
  auto no_origin = rfc_request();
  no_origin.headers.erase("Origin");
  no_origin.target = "/other";
  CHECK(ws::accept_request(no_origin, policy).accepted());
}
