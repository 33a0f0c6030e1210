// The HTTP server's TLS settings (mutual TLS, a certificate per host name,
// an existing context) and the client's own certificate and context, with
// gale's client and curl as the peers.

#include "http_client_fixture.hpp"
#include "http_server_fixture.hpp"

#include <gale/io/websocket_client.hpp>

#include "../support/certificate.hpp"
#include "../support/child_process.hpp"

#include <asio/ssl/context.hpp>

#include <openssl/ssl.h>

#include <chrono>
#include <future>
#include <string>

using namespace std::chrono_literals;
using gale::io::exchange_ptr;
using gale::io::http_server_options;
using gale::io::tls_options;
using gale::test::certificate_files;
using gale::test::client_fixture;
using gale::test::make_certificate;
using gale::test::server_fixture;

namespace {

/// Answers with the subject of the client's certificate ("-" for none).
void who_is_it(exchange_ptr x) {
  gale::http::response res;
  auto subject = x->client_certificate_subject();
  res.body = subject.empty() ? "-" : subject;
  x->respond(std::move(res));
}

// [context-of]
std::shared_ptr<asio::ssl::context> context_of(const certificate_files& f) {
  std::error_code ec;
  auto ctx = gale::io::make_tls_context(
    tls_options::server_with(f.certificate, f.private_key), ec);
  REQUIRE_FALSE(ec);
  return ctx;
}
// [end]

// [mutual-tls]
/// A server with its own certificate that asks each client for one that
/// `ca` signed.
http_server_options mutual_tls(const certificate_files& own,
                               const certificate_files& ca) {
  http_server_options opts;
  opts.tls = tls_options::server_with(own.certificate, own.private_key);
  opts.tls->verify_peer = true;
  opts.tls->ca_file = ca.certificate;
  return opts;
}
// [end]

/// A client that sends every name below to 127.0.0.1.
gale::io::http_client_options mapped_client() {
  gale::io::http_client_options o;
  for (auto name : {"alpha.test", "ALPHA.test", "x.beta.test", "y.x.beta.test",
                    "other.test"})
    o.hostname_mapping[name] = {{asio::ip::make_address("127.0.0.1"), 0}};
  return o;
}

} // namespace

TEST_CASE("mutual TLS: the server asks for a client certificate",
          "[io][http_server][tls]") {
  gale::test::temp_dir dir;
  auto server_files = make_certificate(dir.path);
  auto alice = make_certificate(dir.path, "alice-", "alice", "DNS:alice");
  auto mallory = make_certificate(dir.path, "mallory-", "mallory", "DNS:m");
  auto opts = mutual_tls(server_files, alice); // alice: the one client
  server_fixture srv{who_is_it, opts};
  auto url = "https://localhost:" + std::to_string(srv.port()) + "/";
  client_fixture c;

  // [client-certificate]
  gale::io::http_request req;
  req.url = url;
  req.ca_file = server_files.certificate;
  req.client_certificate_file = alice.certificate;
  req.client_key_file = alice.private_key;
  // [end]
  auto [ec, res] = c.fetch(req);
  REQUIRE_FALSE(ec);
  CHECK(res.body == "CN=alice");
  // A new connection: its TLS handshake is timed in the metadata.
  CHECK(res.fetch.time.tls > std::chrono::microseconds{0});

  auto anonymous = req;
  anonymous.client_certificate_file.clear();
  anonymous.client_key_file.clear();
  CHECK(c.fetch(anonymous).first); // no certificate: no handshake

  auto stranger = req;
  stranger.client_certificate_file = mallory.certificate;
  stranger.client_key_file = mallory.private_key;
  CHECK(c.fetch(stranger).first); // not signed by a trusted CA

  auto missing = req;
  missing.client_certificate_file = "/nonexistent.pem";
  CHECK(c.fetch(missing).first); // the client's own files must load

  CHECK(c.fetch(req).second.body == "CN=alice"); // the server goes on

  // curl as the client, with and without the certificate.
  gale::test::child_process curl{
    {"/usr/bin/curl", "-sS", "--cacert", server_files.certificate, "--cert",
     alice.certificate, "--key", alice.private_key, "-w", "\n", url}};
  CHECK(curl.read_line(10s) == "CN=alice");
  gale::test::child_process refused{{"/usr/bin/curl", "-s", "--cacert",
                                     server_files.certificate, "-w",
                                     "%{http_code}\n", url}};
  CHECK(refused.read_line(10s) == "000");
}

TEST_CASE("SNI: a certificate per host name, the default for the rest",
          "[io][http_server][tls]") {
  gale::test::temp_dir dir;
  auto fallback = make_certificate(dir.path);
  auto alpha =
    make_certificate(dir.path, "alpha-", "alpha.test", "DNS:alpha.test");
  auto beta =
    make_certificate(dir.path, "beta-", "*.beta.test", "DNS:*.beta.test");
  // [sni]
  http_server_options opts;
  opts.tls =
    tls_options::server_with(fallback.certificate, fallback.private_key);
  opts.tls->server_names = {{"alpha.test", context_of(alpha)},
                            {"*.beta.test", context_of(beta)}};
  // [end]
  server_fixture srv{who_is_it, opts};
  client_fixture c{mapped_client()};
  auto fetch = [&](const std::string& host, const certificate_files& trust) {
    gale::io::http_request req;
    req.url = "https://" + host + ":" + std::to_string(srv.port()) + "/";
    req.ca_file = trust.certificate; // succeeds only with that certificate
    return c.fetch(req).first;
  };
  CHECK_FALSE(fetch("alpha.test", alpha));
  CHECK_FALSE(fetch("ALPHA.test", alpha)); // names are case-insensitive
  CHECK_FALSE(fetch("x.beta.test", beta));
  CHECK(fetch("y.x.beta.test", beta));       // a wildcard covers one label
  CHECK(fetch("other.test", alpha));         // the default certificate...
  CHECK_FALSE(fetch("localhost", fallback)); // ...is the fallback's
  CHECK(fetch("alpha.test", fallback));

  // With client certificates asked for, a named host checks them against
  // the default's CAs (the named context has none).
  auto alice = make_certificate(dir.path, "alice-", "alice", "DNS:alice");
  http_server_options strict = opts;
  strict.tls->verify_peer = true;
  strict.tls->ca_file = alice.certificate;
  server_fixture guarded{who_is_it, strict};
  gale::io::http_request req;
  req.url = "https://alpha.test:" + std::to_string(guarded.port()) + "/";
  req.ca_file = alpha.certificate;
  CHECK(c.fetch(req).first);
  req.client_certificate_file = alice.certificate;
  req.client_key_file = alice.private_key;
  auto [ec, res] = c.fetch(req);
  CHECK_FALSE(ec);
  CHECK(res.body == "CN=alice");

  http_server_options broken = opts;
  broken.tls->server_names["gamma.test"] = nullptr;
  CHECK(gale::test::listen_error(broken) == std::errc::invalid_argument);
}

TEST_CASE("TLS: an existing context on the server and on the client",
          "[io][http_server][http_client][tls]") {
  gale::test::temp_dir dir;
  auto files = make_certificate(dir.path);
  // The server's own context: TLS 1.3 only.
  auto server_ctx = context_of(files);
  SSL_CTX_set_min_proto_version(server_ctx->native_handle(), TLS1_3_VERSION);
  http_server_options opts;
  opts.tls = tls_options::server_with(server_ctx);
  server_fixture srv{who_is_it, opts};
  auto url = "https://localhost:" + std::to_string(srv.port()) + "/";

  gale::io::http_request req;
  req.url = url;
  req.ca_file = files.certificate;
  client_fixture plain;
  CHECK_FALSE(plain.fetch(req).first);

  // A client context that stops at TLS 1.2 cannot meet it.
  auto old_ctx =
    std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  old_ctx->load_verify_file(files.certificate);
  SSL_CTX_set_max_proto_version(old_ctx->native_handle(), TLS1_2_VERSION);
  gale::io::http_client_options old_opts;
  old_opts.tls_context = old_ctx;
  client_fixture old{old_opts};
  gale::io::http_request no_ca = req;
  no_ca.ca_file.clear(); // the context's CAs are the ones used
  CHECK(old.fetch(no_ca).first);

  // The same context allowed TLS 1.3 trusts the server with its own CAs.
  SSL_CTX_set_max_proto_version(old_ctx->native_handle(), 0);
  client_fixture current{old_opts};
  auto [ec, res] = current.fetch(no_ca);
  CHECK_FALSE(ec);
  CHECK(res.body == "-");
}

TEST_CASE("the WebSocket client shows a certificate to a server that asks",
          "[io][http_server][ws_client][tls]") {
  gale::test::temp_dir dir;
  auto server_files = make_certificate(dir.path);
  auto alice = make_certificate(dir.path, "alice-", "alice", "DNS:alice");
  auto opts = mutual_tls(server_files, alice);
  server_fixture srv{[](exchange_ptr x) { x->accept_websocket({}); }, opts};
  gale::io::loop loop;
  loop.start();
  auto connect = [&](gale::io::websocket_client_options o) {
    std::promise<std::error_code> opened;
    gale::io::connect_websocket(
      loop.executor(), "wss://localhost:" + std::to_string(srv.port()) + "/",
      std::move(o), {}, [&](std::error_code ec, gale::io::websocket_ptr ws) {
        if (ws)
          ws->close();
        opened.set_value(ec);
      });
    return opened.get_future().get();
  };
  gale::io::websocket_client_options o;
  o.ca_file = server_files.certificate;
  CHECK(connect(o)); // none shown: refused
  o.client_certificate_file = alice.certificate;
  o.client_key_file = alice.private_key;
  CHECK_FALSE(connect(o));

  // The same in a context of the caller's making.
  auto ctx =
    std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->load_verify_file(server_files.certificate);
  ctx->use_certificate_chain_file(alice.certificate);
  ctx->use_private_key_file(alice.private_key, asio::ssl::context::pem);
  gale::io::websocket_client_options with_ctx;
  with_ctx.tls_context = ctx;
  CHECK_FALSE(connect(with_ctx));
  loop.stop();
}
