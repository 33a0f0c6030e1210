#include "gale/http/parser.hpp"
#include "gale/http/framing.hpp"

#include "gale/http/error.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using gale::http::errc;
using gale::http::parser;
using gale::http::parser_event;

namespace {

struct parsed {
  std::vector<std::string> heads; // method+target or status per message
  std::vector<std::string> bodies;
  std::vector<bool> keep_alive;
  std::vector<std::string> trailers; // "name=value;..." per message
  std::error_code error;
};

/// Feeds `input` (and EOF if asked), collecting every message.
parsed parse(parser& p, std::string_view input, bool eof = false) {
  parsed out;
  p.feed(input);
  if (eof)
    p.feed_eof();
  for (;;) {
    switch (p.next()) {
    case parser_event::need_more: return out;
    case parser_event::head:
      out.heads.push_back(p.method().empty() ? std::to_string(p.status())
                                             : p.method() + " " + p.target());
      out.bodies.emplace_back();
      break;
    case parser_event::body:
      if (out.bodies.empty()) // a message whose head an earlier call saw
        out.bodies.emplace_back();
      out.bodies.back() += p.body();
      break;
    case parser_event::end: {
      out.keep_alive.push_back(p.keep_alive());
      std::string t;
      for (const auto& [name, value] : p.trailers())
        t += name + "=" + value + ";";
      out.trailers.push_back(t);
      break;
    }
    case parser_event::error: out.error = p.error(); return out;
    }
  }
}

std::error_code request_error(std::string_view input,
                              gale::http::parser_limits limits = {}) {
  parser p{parser::role::request, limits};
  return parse(p, input).error;
}

} // namespace

TEST_CASE("pipelined requests with every framing", "[protocols][parser]") {
  parser p{parser::role::request};
  auto out = parse(p, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
                      "POST /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
                      "PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "3;x=\"y\"\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n"
                      "GET /d HTTP/1.0\r\n\r\n");
  REQUIRE_FALSE(out.error);
  CHECK(out.heads
        == std::vector<std::string>{"GET /a", "POST /b", "PUT /c", "GET /d"});
  CHECK(out.bodies == std::vector<std::string>{"", "hello", "abcde", ""});
  CHECK(out.keep_alive == std::vector<bool>{true, true, true, false});
  CHECK(out.trailers == std::vector<std::string>{"", "", "T=1;", ""});
}

TEST_CASE("response framing: HEAD, 1xx, 204, 304, until close",
          "[protocols][parser]") {
  SECTION("a response to HEAD has no body despite Content-Length") {
    parser p{parser::role::response};
    p.set_request_method("HEAD");
    auto out = parse(p, "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"
                        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    CHECK(out.heads == std::vector<std::string>{"200", "200"});
    CHECK(out.bodies == std::vector<std::string>{"", "ok"});
  }
  SECTION("100 Continue, then the final response to the same request") {
    parser p{parser::role::response};
    p.set_request_method("HEAD");
    auto out = parse(p, "HTTP/1.1 100 Continue\r\n\r\n"
                        "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n");
    CHECK(out.heads == std::vector<std::string>{"100", "200"});
    CHECK(out.bodies == std::vector<std::string>{"", ""});
  }
  SECTION("204 and 304") {
    parser p{parser::role::response};
    auto out = parse(p, "HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n"
                        "HTTP/1.1 304 Not Modified\r\n\r\n");
    CHECK(out.heads.size() == 2);
    CHECK(out.keep_alive == std::vector<bool>{true, true});
  }
  SECTION("a body until the connection closes") {
    parser p{parser::role::response};
    auto out = parse(p, "HTTP/1.1 200 OK\r\n\r\npart one, ");
    CHECK(out.keep_alive.empty()); // not ended yet
    CHECK(p.body_until_close());
    auto rest = parse(p, "part two", true);
    CHECK(out.bodies.back() + rest.bodies.front() == "part one, part two");
    CHECK(rest.keep_alive == std::vector<bool>{false});
  }
}

TEST_CASE("upgrade hands over the bytes that follow", "[protocols][parser]") {
  parser p{parser::role::response};
  auto out =
    parse(p, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
             "Connection: Upgrade\r\n\r\n\x81\x05hello");
  REQUIRE_FALSE(out.error);
  CHECK(p.upgrade());
  CHECK(p.remaining() == "\x81\x05hello");
  p.feed("more");
  CHECK(p.next() == parser_event::need_more);
  CHECK(p.remaining() == "\x81\x05hellomore");
}

TEST_CASE("smuggling shapes and malformed framing are errors",
          "[protocols][parser]") {
  CHECK(request_error("POST / HTTP/1.1\r\nContent-Length: 3\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n")
        == errc::content_length_with_transfer_encoding);
  CHECK(request_error("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                      "Content-Length: 3\r\n\r\n")
        == errc::content_length_with_transfer_encoding);
  CHECK(request_error("POST / HTTP/1.1\r\nContent-Length: 3\r\n"
                      "Content-Length: 3\r\n\r\n")
        == errc::conflicting_content_length);
  CHECK(request_error("POST / HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\n")
        == errc::invalid_content_length);
  CHECK(request_error("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n")
        == errc::invalid_content_length);
  CHECK(request_error(
          "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n")
        == errc::invalid_content_length);
  CHECK(request_error("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n")
        == errc::invalid_transfer_encoding);
  CHECK(
    request_error("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n")
    == errc::invalid_transfer_encoding);
  CHECK(request_error("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "fffffffffffffffffff\r\n")
        == errc::invalid_chunk_size);
  CHECK(request_error("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "zz\r\n")
        == errc::invalid_chunk_size);
  CHECK(request_error("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "2\r\nabX")
        == errc::invalid_chunk_framing);
}

TEST_CASE("bad bytes in the header section fail at once",
          "[protocols][parser]") {
  CHECK(request_error("GET / HTTP/1.1\r\nX: a\rb\r\n")
        == errc::invalid_line_ending);
  CHECK(request_error("GET / HTTP/1.1\nHost: h\n\n")
        == errc::invalid_line_ending);
  CHECK(request_error("GET / HTTP/1.1\r\nX: a\r\n  folded\r\n")
        == errc::obs_fold);
  CHECK(request_error("GET / HTTP/1.1\r\nBad Name: v\r\n")
        == errc::invalid_field_name);
  CHECK(request_error("GET / HTTP/1.1\r\nName : v\r\n")
        == errc::invalid_field_name);
  CHECK(request_error("GET / HTTP/1.1\r\nX: a\x01b\r\n")
        == errc::invalid_field_value);
  CHECK(request_error("G@T / HTTP/1.1\r\n") == errc::invalid_method);
  CHECK(request_error("GET /a\x7f HTTP/1.1\r\n") == errc::invalid_target);
  CHECK(request_error("GET / HTTP/2.0\r\n") == errc::invalid_version);
  CHECK(request_error("GET / HTTP/1.1 extra\r\n") == errc::invalid_version);
  // no line end yet: still detected
  CHECK(request_error("GET / HTTX") == errc::invalid_version);
  CHECK(request_error("GET / HTTP/1.1\r\n Host") == errc::obs_fold);
}

TEST_CASE("a response's folded header line is unfolded with a space",
          "[protocols][parser]") {
  std::string input = "HTTP/1.1 200 OK\r\nX-Long: first\r\n  second\r\n"
                      "\tthird \r\nContent-Length: 2\r\n\r\nok";
  // Every split gives the same head: the fold may arrive alone.
  for (std::size_t k = 0; k <= input.size(); ++k) {
    CAPTURE(k);
    parser p{parser::role::response};
    p.feed(std::string_view{input}.substr(0, k));
    auto first = p.next();
    p.feed(std::string_view{input}.substr(k));
    if (first == parser_event::need_more)
      first = p.next();
    REQUIRE(first == parser_event::head);
    REQUIRE(p.headers().find("X-Long"));
    CHECK(*p.headers().find("X-Long") == "first second third");
    CHECK(p.headers().size() == 2);
  }
  auto response_error = [](std::string_view in) {
    parser p{parser::role::response};
    return parse(p, in).error;
  };
  // Nothing to continue, or a framing field: still refused.
  CHECK(response_error("HTTP/1.1 200 OK\r\n folded\r\n") == errc::obs_fold);
  CHECK(response_error("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n 0\r\n")
        == errc::obs_fold);
  CHECK(response_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n"
                       " chunked\r\n")
        == errc::obs_fold);
  CHECK(response_error("HTTP/1.1 200 OK\r\nX: a\r\n b\x01\r\n")
        == errc::invalid_field_value);
}

TEST_CASE("limits, each with its own error", "[protocols][parser]") {
  gale::http::parser_limits small;
  small.max_start_line = 32;
  small.max_header_bytes = 128;
  small.max_fields = 3;
  small.max_body = 10;
  CHECK(request_error("GET /" + std::string(64, 'a') + " HTTP/1.1\r\n", small)
        == errc::start_line_too_long);
  CHECK(request_error("GET /" + std::string(64, 'a'), small)
        == errc::start_line_too_long); // before any line end arrives
  CHECK(request_error("GET / HTTP/1.1\r\nX: " + std::string(200, 'v') + "\r\n",
                      small)
        == errc::header_section_too_large);
  CHECK(
    request_error("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n", small)
    == errc::too_many_fields);
  CHECK(request_error("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", small)
        == errc::body_too_large);
  CHECK(request_error("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "6\r\nabcdef\r\n6\r\nabcdef\r\n",
                      small)
        == errc::body_too_large);
  CHECK(gale::http::parser_limits::for_requests().max_body == 1024 * 1024);
}

TEST_CASE("limit_body sets one message's body limit once its head is in",
          "[protocols][parser]") {
  auto head_of = [](parser& p, const std::string& bytes) {
    p.feed(bytes);
    return p.next();
  };
  SECTION("a declared length over it fails at once") {
    parser p{parser::role::request};
    REQUIRE(head_of(p, "POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n")
            == parser_event::head);
    CHECK(p.limit_body(10) == errc::body_too_large);
    CHECK(p.next() == parser_event::error);
  }
  SECTION("a chunked body fails as it grows past it") {
    parser p{parser::role::request};
    REQUIRE(head_of(p, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                       "\r\n6\r\nabcdef\r\n6\r\nabcdef\r\n")
            == parser_event::head);
    CHECK_FALSE(p.limit_body(10));
    CHECK(p.next() == parser_event::body);
    CHECK(p.next() == parser_event::error);
    CHECK(p.error() == errc::body_too_large);
  }
  SECTION("above the limits' own, for this message alone") {
    gale::http::parser_limits small;
    small.max_body = 4;
    parser p{parser::role::request, small};
    // The head's check uses the limits; a server that lets its handler
    // decide parses heads without one (max_body at its largest).
    small.max_body = UINT64_MAX;
    parser open{parser::role::request, small};
    REQUIRE(head_of(open, "POST / HTTP/1.1\r\nContent-Length: 8\r\n\r\n"
                          "abcdefgh"
                          "POST / HTTP/1.1\r\nContent-Length: 8\r\n\r\n")
            == parser_event::head);
    CHECK_FALSE(open.limit_body(8));
    CHECK(open.next() == parser_event::body);
    CHECK(open.next() == parser_event::end);
    REQUIRE(open.next() == parser_event::head);
    CHECK(open.limit_body(4) == errc::body_too_large); // the next: its own
    CHECK(head_of(p, "POST / HTTP/1.1\r\nContent-Length: 8\r\n\r\n")
          == parser_event::error);
  }
}

TEST_CASE("the end of the connection", "[protocols][parser]") {
  SECTION("inside a message: truncated") {
    parser p{parser::role::request};
    CHECK(
      parse(p, "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabc", true).error
      == errc::truncated_message);
    parser q{parser::role::request};
    CHECK(parse(q, "GET / HT", true).error == errc::truncated_message);
  }
  SECTION("between messages: clean") {
    parser p{parser::role::request};
    auto out = parse(p, "GET / HTTP/1.1\r\n\r\n", true);
    CHECK_FALSE(out.error);
    CHECK(out.heads.size() == 1);
  }
  SECTION("data after a message that closes the connection") {
    parser p{parser::role::request};
    auto out = parse(p, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n"
                        "GET /smuggled HTTP/1.1\r\n\r\n");
    CHECK(out.heads.size() == 1);
    CHECK(out.error == errc::data_after_close);
  }
}

TEST_CASE("a parse error's status, beside the error enum", "[http][parser]") {
  using gale::http::errc;
  using gale::http::status_for;
  CHECK(status_for(errc::body_too_large) == 413);
  CHECK(status_for(errc::header_section_too_large) == 431);
  CHECK(status_for(errc::too_many_fields) == 431);
  CHECK(status_for(errc::start_line_too_long) == 414);
  CHECK(status_for(errc::invalid_transfer_encoding) == 400);
  CHECK(status_for(errc::unsupported_transfer_coding) == 501);
  CHECK(status_for(errc::obs_fold) == 400);
  CHECK(status_for(errc::invalid_method) == 400);
}

TEST_CASE("the framing decision is a pure function of the head",
          "[http][parser][framing]") {
  using gale::http::body_framing;
  gale::http::fields h;
  gale::http::framing f;
  auto decide = [&](bool request, std::string_view method, int status,
                    std::optional<std::uint64_t> length = std::nullopt,
                    std::string_view request_method = "GET") {
    gale::http::message_head head{request, method,         status, 11,
                                  h,       request_method, length};
    return gale::http::decide_framing(head, 1000, f);
  };
  CHECK_FALSE(decide(true, "GET", 0));
  CHECK(f.body == body_framing::none);
  CHECK(f.keep_alive);
  CHECK_FALSE(decide(true, "POST", 0, 12));
  CHECK(f.body == body_framing::length);
  CHECK(f.length == 12);
  CHECK(decide(true, "POST", 0, 1001) == gale::http::errc::body_too_large);
  CHECK_FALSE(decide(false, "", 200));
  CHECK(f.body == body_framing::until_close);
  CHECK_FALSE(f.keep_alive);
  CHECK_FALSE(decide(false, "", 200, 5, "HEAD"));
  CHECK(f.body == body_framing::none);
  CHECK_FALSE(decide(false, "", 204, 5));
  CHECK(f.body == body_framing::none);
  CHECK_FALSE(decide(false, "", 200, std::nullopt, "CONNECT"));
  CHECK(f.upgrade);
  CHECK_FALSE(decide(false, "", 304, 7));
  CHECK(f.body == body_framing::none);
  h.add("Transfer-Encoding", "gzip, chunked");
  CHECK(decide(true, "POST", 0)
        == gale::http::errc::unsupported_transfer_coding);
  CHECK_FALSE(decide(false, "", 200));
  CHECK(f.body
        == body_framing::chunked); // a response's codings are decoded later
  h.set("Transfer-Encoding", "gzip");
  CHECK(decide(true, "POST", 0) == gale::http::errc::invalid_transfer_encoding);
  CHECK_FALSE(decide(false, "", 200));
  CHECK(f.body == body_framing::until_close);
  h.set("Transfer-Encoding", "chunked, chunked");
  CHECK(decide(true, "POST", 0) == gale::http::errc::invalid_transfer_encoding);
  h.set("Transfer-Encoding", "chunked");
  h.add("Transfer-Encoding", "chunked");
  CHECK(decide(true, "POST", 0) == gale::http::errc::invalid_transfer_encoding);
  h.set("Transfer-Encoding", "chunked");
  h.add("Connection", "close");
  CHECK_FALSE(decide(true, "POST", 0));
  CHECK_FALSE(f.keep_alive);
  h.clear();
  h.add("Connection", "Upgrade");
  h.add("Upgrade", "websocket");
  CHECK_FALSE(decide(true, "GET", 0));
  CHECK(f.upgrade);
}

TEST_CASE("limits default by role: 1 MiB request bodies, 8 MiB responses",
          "[http][parser]") {
  using gale::http::parser;
  using gale::http::parser_event;
  parser requests{parser::role::request};
  requests.feed(
    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1048577\r\n\r\n");
  CHECK(requests.next() == parser_event::error);
  CHECK(requests.error() == gale::http::errc::body_too_large);
  parser responses{parser::role::response};
  responses.feed("HTTP/1.1 200 OK\r\nContent-Length: 2097152\r\n\r\n");
  CHECK(responses.next() == parser_event::head);
}
