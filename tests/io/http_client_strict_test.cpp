// The client against servers that bend RFC 9112: what a user agent must
// tolerate (folded headers, multi-member gzip) and what it must not (a
// body cut without close_notify, a body after 204 or 304).

#include "gale/io/http_client.hpp"

#include "../support/certificate.hpp"
#include "../support/scripted_server.hpp"
#include "http_client_fixture.hpp"

#include <gale/http/error.hpp>

#include <catch2/catch.hpp>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/ssl.hpp>
#include <asio/write.hpp>

#include <zlib.h>

#include <filesystem>
#include <thread>

#include <unistd.h>

using gale::io::http_request;
using gale::test::client_fixture;
using gale::test::peer;
using gale::test::reply_with;
using gale::test::scripted_server;

namespace {

std::string gzip_member(std::string_view text) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
               Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, text.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

/// A TLS server on its own thread that answers one request with `reply`
/// and then either sends close_notify or just drops the TCP connection.
class one_shot_tls_server {
public:
  one_shot_tls_server(std::string reply, bool close_notify)
    : dir_(std::filesystem::temp_directory_path()
           / ("gale-strict-" + std::to_string(::getpid()))),
      acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    std::filesystem::create_directories(dir_);
    files_ = gale::test::make_certificate(dir_);
    ctx_.use_certificate_chain_file(files_.certificate);
    ctx_.use_private_key_file(files_.private_key, asio::ssl::context::pem);
    thread_ = std::thread{[this, reply = std::move(reply), close_notify] {
      serve(reply, close_notify);
    }};
  }

  ~one_shot_tls_server() {
    thread_.join();
    std::filesystem::remove_all(dir_);
  }

  std::string url() const {
    return "https://localhost:"
           + std::to_string(acceptor_.local_endpoint().port()) + "/";
  }
  const std::string& ca_file() const { return files_.certificate; }

private:
  void serve(const std::string& reply, bool close_notify) {
    std::error_code ec;
    asio::ssl::stream<asio::ip::tcp::socket> s{io_, ctx_};
    acceptor_.accept(s.lowest_layer(), ec);
    if (ec || s.handshake(asio::ssl::stream_base::server, ec))
      return;
    std::string head;
    asio::read_until(s, asio::dynamic_buffer(head), "\r\n\r\n", ec);
    asio::write(s, asio::buffer(reply), ec);
    if (close_notify)
      s.shutdown(ec);
    s.lowest_layer().close(ec);
  }

  std::filesystem::path dir_;
  gale::test::certificate_files files_;
  asio::io_context io_;
  asio::ssl::context ctx_{asio::ssl::context::tls_server};
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

gale::test::outcome fetch_tls(const one_shot_tls_server& server) {
  client_fixture c;
  http_request req;
  req.url = server.url();
  req.ca_file = server.ca_file();
  return c.fetch(req);
}

} // namespace

TEST_CASE("a response header folded onto a continuation line is unfolded",
          "[io][http_client][strict]") {
  scripted_server server{gale::test::answer_always(
    "HTTP/1.1 200 OK\r\nX-Folded: one\r\n two\r\nContent-Length: 2\r\n\r\nok")};
  client_fixture c;
  auto [ec, res] = c.fetch(server.url());
  REQUIRE_FALSE(ec);
  CHECK(*res.headers.find("X-Folded") == "one two");
  CHECK(res.body == "ok");
}

TEST_CASE("a gzip body of two members is decoded whole",
          "[io][http_client][strict]") {
  auto body = gzip_member("first member, ") + gzip_member("second member");
  scripted_server server{gale::test::answer_always(
    "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: "
    + std::to_string(body.size()) + "\r\n\r\n" + body)};
  client_fixture c;
  auto [ec, res] = c.fetch(server.url());
  REQUIRE_FALSE(ec);
  CHECK(res.body == "first member, second member");
}

TEST_CASE("a 204 or 304 declaring a body: none is read, no reuse",
          "[io][http_client][strict]") {
  for (int status : {204, 304}) {
    CAPTURE(status);
    // The stray "stale" would be taken for the next response's start if
    // the connection were reused.
    std::string reply = "HTTP/1.1 " + std::to_string(status)
                        + " X\r\nContent-Length: 5\r\n\r\nstale";
    scripted_server server{[reply](peer& p) -> asio::awaitable<void> {
      while (auto req = co_await p.read_request()) {
        std::string answer =
          req->target == "/empty" ? reply : reply_with(200, "fresh");
        if (!co_await p.write(answer))
          co_return;
      }
    }};
    client_fixture c;
    auto [ec, res] = c.fetch(server.url("/empty"));
    if (status == 304) // not 2xx: an error that carries the response
      CHECK(ec == gale::http::make_status_error(304));
    else
      CHECK_FALSE(ec);
    CHECK(res.status == status);
    CHECK(res.body.empty());
    auto [ec2, res2] = c.fetch(server.url());
    REQUIRE_FALSE(ec2);
    CHECK(res2.body == "fresh");
    CHECK(server.connections() == 2);
  }
}

TEST_CASE("https: a body ended by a TCP close without close_notify is cut",
          "[io][http_client][strict][tls]") {
  SECTION("delimited by the close, no close_notify: tls_truncated") {
    one_shot_tls_server server{"HTTP/1.1 200 OK\r\n\r\npartial", false};
    auto [ec, res] = fetch_tls(server);
    CHECK(ec == gale::http::errc::tls_truncated);
  }
  SECTION("delimited by the close, with close_notify: whole") {
    one_shot_tls_server server{"HTTP/1.1 200 OK\r\n\r\nall of it", true};
    auto [ec, res] = fetch_tls(server);
    REQUIRE_FALSE(ec);
    CHECK(res.body == "all of it");
  }
  SECTION("a Content-Length body complete before the cut: whole") {
    one_shot_tls_server server{
      "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nwhol",
      false};
    auto [ec, res] = fetch_tls(server);
    REQUIRE_FALSE(ec);
    CHECK(res.body == "whol");
  }
  SECTION("a Content-Length body cut short: truncated_message") {
    one_shot_tls_server server{
      "HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\nshort", false};
    auto [ec, res] = fetch_tls(server);
    CHECK(ec == gale::http::errc::truncated_message);
  }
}
