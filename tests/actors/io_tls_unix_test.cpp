// The I/O actor's connections over Unix domain sockets and with TLS started
// on an open connection, as messages: both ends on one I/O actor here, and
// the same messages work across processes.
#include "gale/io_client.hpp"

#include "../support/certificate.hpp"
#include "io_client_fixture.hpp"

#include <gale/io/stream_error.hpp>

#include <catch2/catch.hpp>

#include <cerrno>
#include <filesystem>

using namespace std::chrono_literals;
using gale::connection_id;
using gale::errc;
using gale::tls_settings;
using gale::test::code_of;

namespace {

using gale::test::temp_dir;

struct tls_fixture : gale::test::client_fixture {
  temp_dir dir;
  gale::test::certificate_files cert = gale::test::make_certificate(dir.path);

  tls_settings server_side() const {
    return tls_settings::server_with(cert.certificate, cert.private_key);
  }
  tls_settings client_side(const std::string& ca) const {
    auto s = tls_settings::client("localhost");
    s.ca_file = ca;
    return s;
  }

  /// Starts TLS on both ends of a connected pair; the client's outcome.
  std::error_code handshake(connection_id c, connection_id s,
                            const tls_settings& client_settings) {
    auto server = client.start_tls(s, server_side(), gale::use_future);
    auto ec = code_of(
      [&] { client.start_tls(c, client_settings, gale::use_blocking); });
    auto server_ec = code_of([&] { server.get(5s); });
    if (!ec)
      CHECK_FALSE(server_ec);
    return ec;
  }

  void round_trip(connection_id c, connection_id s) {
    client.write(c, "over tls\n", gale::use_blocking);
    CHECK(client.read_until(s, "\n", 0, gale::use_blocking) == "over tls\n");
    client.write(s, "and back\n", gale::use_blocking);
    CHECK(client.read_until(c, "\n", 0, gale::use_blocking) == "and back\n");
  }
};

} // namespace

TEST_CASE_METHOD(gale::test::client_fixture,
                 "connect and listen on a Unix domain socket",
                 "[actors][io_client][unix]") {
  temp_dir dir;
  auto path = (dir.path / "io.sock").string();
  auto l = client.listen("unix:" + path, 0, gale::use_blocking);
  CHECK(l.port == 0);
  CHECK(std::filesystem::exists(path));
  auto accepted = client.accept(l.id, gale::use_future);
  auto c = client.connect("unix:" + path, "", gale::use_blocking);
  auto s = accepted.get(5s);
  client.write(c, "local\n", gale::use_blocking);
  CHECK(client.read_until(s, "\n", 0, gale::use_blocking) == "local\n");
  client.unlisten(l.id, gale::use_blocking);
  CHECK_FALSE(std::filesystem::exists(path));
  CHECK(
    code_of([&] { client.connect("unix:" + path, "", gale::use_blocking); }));
}

TEST_CASE_METHOD(tls_fixture, "start_tls on both ends of a TCP connection",
                 "[actors][io_client][tls]") {
  auto [c, s] = connected_pair();
  // Plain text first, then TLS on the same connection (STARTTLS).
  client.write(c, "STARTTLS\n", gale::use_blocking);
  CHECK(client.read_until(s, "\n", 0, gale::use_blocking) == "STARTTLS\n");
  REQUIRE_FALSE(handshake(c, s, client_side(cert.certificate)));
  round_trip(c, s);
}

TEST_CASE_METHOD(tls_fixture, "start_tls over a Unix domain socket",
                 "[actors][io_client][tls][unix]") {
  auto path = (dir.path / "tls.sock").string();
  auto l = client.listen("unix:" + path, 0, gale::use_blocking);
  auto accepted = client.accept(l.id, gale::use_future);
  auto c = client.connect("unix:" + path, "", gale::use_blocking);
  auto s = accepted.get(5s);
  REQUIRE_FALSE(handshake(c, s, client_side(cert.certificate)));
  round_trip(c, s);
}

TEST_CASE_METHOD(tls_fixture, "a failed handshake closes that connection only",
                 "[actors][io_client][tls]") {
  auto [c, s] = connected_pair();
  auto [other_c, other_s] = connected_pair();
  temp_dir elsewhere;
  auto stranger = gale::test::make_certificate(elsewhere.path);
  auto ec = handshake(c, s, client_side(stranger.certificate));
  // OpenSSL's reasons cross as errc::io_error, their text kept.
  CHECK(ec == errc::io_error);
  CHECK(code_of([&] { client.read(c, 10, gale::use_blocking); }));
  // The other connection is not disturbed.
  client.write(other_c, "fine\n", gale::use_blocking);
  CHECK(client.read_until(other_s, "\n", 0, gale::use_blocking) == "fine\n");
}

TEST_CASE_METHOD(tls_fixture,
                 "start_tls: not while reading; a deadline; "
                 "an unknown connection",
                 "[actors][io_client][tls]") {
  auto [c, s] = connected_pair();
  SECTION("a read is pending: not_idle, and the read goes on") {
    auto reading = client.read(c, 10, gale::use_future);
    std::this_thread::sleep_for(50ms);
    CHECK(code_of([&] {
            client.start_tls(c, client_side(cert.certificate),
                             gale::use_blocking);
          })
          == gale::io::stream_errc::not_idle);
    client.write(s, "still", gale::use_blocking);
    CHECK(reading.get(5s) == "still");
  }
  SECTION("a peer that never answers: timed out, the connection closed") {
    auto limited = client.with_timeout(200ms);
    CHECK(code_of([&] {
            limited.start_tls(c, client_side(cert.certificate),
                              gale::use_blocking);
          })
          == errc::timed_out);
    CHECK(code_of([&] { client.read(c, 10, gale::use_blocking); }));
  }
  SECTION("a certificate file that is not there: an error at once, and "
          "the connection goes on as it was") {
    auto missing = tls_settings::server_with((dir.path / "none.pem").string(),
                                             (dir.path / "none.key").string());
    auto ec =
      code_of([&] { client.start_tls(s, missing, gale::use_blocking); });
    CHECK(ec == std::error_code{ENOENT, asio::error::get_system_category()});
    client.write(c, "plain still\n", gale::use_blocking);
    CHECK(client.read_until(s, "\n", 0, gale::use_blocking) == "plain still\n");
  }
  CHECK(code_of(
          [&] { client.start_tls(999'999, server_side(), gale::use_blocking); })
        == errc::unknown_connection);
}
