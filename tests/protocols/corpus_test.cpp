// The HTTP/1.1 parser against the shared corpus (../shared/corpus/http1,
// converted from llhttp's and http-parser's tests; see its README): every
// record fed whole, split at every byte boundary, and one byte at a time.
#include "gale/http/parser.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <vector>

using json = nlohmann::json;

namespace {

struct message {
  std::string method, url, reason, version;
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers, trailers;
  std::string body;
  bool keep_alive = false, upgrade = false, complete = false;
  bool operator==(const message&) const = default;
};

struct outcome {
  std::vector<message> messages;
  bool error = false;
  std::optional<std::uint64_t> upgrade_offset;
  bool operator==(const outcome&) const = default;
};

std::string base64_decode(const std::string& in) {
  static const std::string chars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned value = 0;
  int bits = -8;
  for (char c : in) {
    auto pos = chars.find(c);
    if (pos == std::string::npos)
      continue; // padding
    value = (value << 6) | static_cast<unsigned>(pos);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((value >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>>
pairs(const gale::http::fields& fs) {
  return {fs.begin(), fs.end()};
}

/// Feeds `pieces` (then EOF if `eof`) and records what the parser reports.
outcome run(gale::http::parser::role role,
            const std::vector<std::string_view>& pieces, bool eof) {
  gale::http::parser p{role};
  outcome out;
  auto drain = [&] {
    for (;;) {
      switch (p.next()) {
      case gale::http::parser_event::need_more: return;
      case gale::http::parser_event::head: {
        message m;
        m.method = p.method();
        m.url = p.target();
        m.status = p.status();
        m.reason = p.reason();
        m.version = p.version() == 10 ? "1.0" : "1.1";
        m.headers = pairs(p.headers());
        m.keep_alive = p.keep_alive();
        m.upgrade = p.upgrade();
        out.messages.push_back(m);
        break;
      }
      case gale::http::parser_event::body:
        out.messages.back().body += p.body();
        break;
      case gale::http::parser_event::end:
        out.messages.back().complete = true;
        out.messages.back().trailers = pairs(p.trailers());
        out.messages.back().keep_alive = p.keep_alive();
        if (p.upgrade())
          out.upgrade_offset = p.consumed();
        break;
      case gale::http::parser_event::error: out.error = true; return;
      }
    }
  };
  for (auto piece : pieces) {
    p.feed(piece);
    drain();
    if (out.error || out.upgrade_offset)
      return out;
  }
  if (eof) {
    p.feed_eof();
    drain();
  }
  return out;
}

message expected_message(const json& j) {
  message m;
  m.method = j.value("method", "");
  m.url = j.value("url", "");
  m.status = j.value("status", 0);
  m.reason = j.value("reason", "");
  m.version = j.value("version", "");
  for (const auto& h : j.value("headers", json::array()))
    m.headers.emplace_back(h[0], h[1]);
  for (const auto& h : j.value("trailers", json::array()))
    m.trailers.emplace_back(h[0], h[1]);
  m.body = base64_decode(j.value("body_b64", ""));
  m.keep_alive = j.value("keep_alive", false);
  m.upgrade = j.value("upgrade", false);
  m.complete = j.value("complete", false);
  return m;
}

std::vector<json> load(const std::string& file) {
  std::ifstream in{std::string{GALE_CORPUS_DIR} + "/http1/" + file};
  REQUIRE(in.good());
  std::vector<json> records;
  for (std::string line; std::getline(in, line);)
    if (!line.empty())
      records.push_back(json::parse(line));
  return records;
}

/// Records where gale's parser deliberately differs from the corpus's
/// source parser: policy, not bugs. Each is named with the reason.
const std::set<std::string>& policy_differences() {
  static const std::set<std::string> ids = {
    // Any token is a method (RFC 9110 9.1); llhttp knows a fixed list.
    "test/request/invalid.md#HTTP protocol and ANNOUNCE method",
    "test/request/invalid.md#Invalid method",
    // HTTP/0.9 request and status lines are not HTTP/1.1 (RFC 9112).
    "test/request/sample.md#No HTTP version",
    "test.c#requests[request with no http version]",
    "test/response/sample.md#HTTP version 0.9",
    "test.c#responses[http version 0.9]",
    // ICE/1.0 is not HTTP.
    "test.c#requests[source request] (line 1221)",
    // obs-fold is refused (RFC 9112 5.2 lets a server reject it; smuggling).
    "test.c#requests[line folding in header value]",
    "test.c#requests[line folding in header value] (line 965)",
    "test.c#requests[multiple connection header values with folding]",
    "test.c#requests[multiple connection header values with folding and "
    "lws] (line 1066)",
    "test.c#requests[post - multi line coding transfer-encoding chunked "
    "body]",
    "test.c#test_simple@line4424",
    // A transfer coding before the final chunked is one the server cannot
    // decode: refused (501, unsupported_transfer_coding), not passed on.
    "test.c#requests[post - multi coding transfer-encoding chunked body]",
    "test/request/transfer-encoding.md#POST with `chunked` as last "
    "transfer-encoding",
    "test/request/transfer-encoding.md#POST with `chunked` as last "
    "transfer-encoding (multiple headers)",
    // http-parser's leniencies that llhttp's strict mode (and gale) refuse:
    // whitespace after a chunk size, bare LF line endings.
    "test.c#responses[200 trailing space on chunked body]",
    "test.c#responses[no carriage ret]",
    // A 101 response has no body (RFC 9112 6.3); http-parser reads one.
    "test.c#responses[HTTP 101 response with Upgrade and Content-Length "
    "header]",
    "test.c#responses[HTTP 101 response with Upgrade and Transfer-Encoding "
    "header]",
  };
  return ids;
}

/// Runs record `r` whole, split and byte by byte; with `compare`, also
/// checks the outcome against the record's expectation.
void check_record(const json& r, bool compare) {
  auto id = r["id"].get<std::string>();
  INFO(id);
  auto role = r["type"] == "request" ? gale::http::parser::role::request
                                     : gale::http::parser::role::response;
  auto input = base64_decode(r["input_b64"]);
  const auto& expect = r["expect"];
  bool test_eof = expect.contains("on_eof");
  auto whole = run(role, {input}, test_eof);

  // Every split gives what feeding it whole gives.
  for (std::size_t k = 1; k < input.size(); ++k) {
    std::string_view all{input};
    auto split = run(role, {all.substr(0, k), all.substr(k)}, test_eof);
    INFO("split at " << k);
    CHECK(split == whole);
    if (!(split == whole))
      break; // one report per record is enough
  }
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < input.size(); ++i)
    bytes.push_back(std::string_view{input}.substr(i, 1));
  CHECK(run(role, bytes, test_eof) == whole);
  if (!compare)
    return;

  if (!expect["ok"].get<bool>()) {
    CHECK(whole.error);
    std::vector<message> before;
    for (const auto& m : expect.value("messages_before_error", json::array()))
      before.push_back(expected_message(m));
    std::vector<message> completed;
    for (const auto& m : whole.messages)
      if (m.complete)
        completed.push_back(m);
    CHECK(completed == before);
    return;
  }
  if (test_eof) {
    auto on_eof = expect["on_eof"].get<std::string>();
    CHECK(whole.error == (on_eof == "error"));
  } else {
    CHECK_FALSE(whole.error);
  }
  if (!expect.contains("messages"))
    return;
  std::vector<message> wanted;
  for (const auto& m : expect["messages"])
    if (m.value("headers_complete", false))
      wanted.push_back(expected_message(m));
  if (test_eof && expect["on_eof"] == "completes_message" && !wanted.empty())
    wanted.back().complete = true;
  CHECK(whole.messages == wanted);
  if (expect.contains("upgrade_data_offset"))
    CHECK(whole.upgrade_offset
          == expect["upgrade_data_offset"].get<std::uint64_t>());
}

void check_file(const std::string& file) {
  int compared = 0, policy = 0, loose = 0;
  for (const auto& r : load(file)) {
    if (r["mode"] == "loose") {
      ++loose; // needs a leniency gale does not offer
      continue;
    }
    bool differs = policy_differences().count(r["id"]) > 0;
    (differs ? policy : compared) += 1;
    check_record(r, !differs);
  }
  INFO(compared << " records compared, " << policy
                << " split-checked only (policy), " << loose
                << " loose skipped");
  CHECK(compared > 0);
}

} // namespace

TEST_CASE("the request corpus, whole and split at every byte",
          "[protocols][parser][corpus]") {
  check_file("requests.jsonl");
}

TEST_CASE("the response corpus, whole and split at every byte",
          "[protocols][parser][corpus]") {
  check_file("responses.jsonl");
}
