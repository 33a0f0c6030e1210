// gale::io::stream's TLS: starting it on an open connection, and the
// close_notify a local close sends.

#include "stream_core.hpp"

#include <asio/ip/address.hpp>
#include <asio/ssl/host_name_verification.hpp>
#include <asio/steady_timer.hpp>

#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <chrono>

namespace gale::io::detail {

namespace {

template <class Socket>
void into_tls(transport& t, asio::ssl::context& ctx) {
  auto plain = std::move(std::get<Socket>(t));
  t.emplace<std::unique_ptr<asio::ssl::stream<Socket>>>(
    std::make_unique<asio::ssl::stream<Socket>>(std::move(plain), ctx));
}

bool is_ip_literal(const std::string& host) {
  std::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// SNI and the checks the client side makes of the server.
template <class Tls>
std::error_code configure_client(Tls& s, const tls_options& o) {
  if (!o.server_name.empty() && !is_ip_literal(o.server_name)
      && !SSL_set_tlsext_host_name(s.native_handle(), o.server_name.c_str()))
    return make_error_code(std::errc::invalid_argument);
  std::error_code ec;
  if (!o.verify_peer)
    s.set_verify_mode(asio::ssl::verify_none, ec);
  else if (s.set_verify_mode(asio::ssl::verify_peer, ec);
           !ec && !o.server_name.empty())
    s.set_verify_callback(asio::ssl::host_name_verification(o.server_name), ec);
  return ec;
}

template <class Tls>
std::error_code configure_server(Tls& s, const tls_options& o) {
  std::error_code ec;
  if (o.verify_peer)
    s.set_verify_mode(
      asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert, ec);
  return ec;
}

} // namespace

template <class F>
void stream_core::with_tls(F f) {
  using tcp_tls = std::unique_ptr<asio::ssl::stream<tcp_socket>>;
  using unix_tls = std::unique_ptr<asio::ssl::stream<unix_socket>>;
  if (auto* t = std::get_if<tcp_tls>(&transport_))
    f(**t);
  else if (auto* u = std::get_if<unix_tls>(&transport_))
    f(**u);
}

void stream_core::start_tls(tls_options options,
                            completion<std::error_code> done) {
  on_loop([options = std::move(options),
           done = std::move(done)](stream_core& s) mutable {
    if (s.closed())
      return done.complete_posted(s.error_);
    if (s.read_ || s.filling_ || !s.buffer_.empty() || s.writing_
        || !s.queued_.empty() || s.secure() || s.tls_handshaking_)
      return done.complete_posted(make_error_code(stream_errc::not_idle));
    std::error_code ec;
    s.tls_context_ = make_tls_context(options, ec);
    if (ec)
      return done.complete_posted(ec);
    if (std::holds_alternative<tcp_socket>(s.transport_))
      into_tls<tcp_socket>(s.transport_, *s.tls_context_);
    else
      into_tls<unix_socket>(s.transport_, *s.tls_context_);
    s.with_tls([&](auto& t) {
      ec = options.server ? configure_server(t, options)
                          : configure_client(t, options);
    });
    if (ec) {
      s.do_close(ec, true);
      return done.complete_posted(ec);
    }
    s.tls_handshaking_ = true;
    auto role = options.server ? asio::ssl::stream_base::server
                               : asio::ssl::stream_base::client;
    s.with_tls([&](auto& t) {
      t.async_handshake(
        role, core_handler{s.shared_from_this(),
                           [done = std::move(done)](
                             stream_core& self, std::error_code ec) mutable {
                             self.on_handshake(ec, std::move(done));
                           }});
    });
  });
}

std::string stream_core::peer_certificate_subject() const {
  SSL* ssl = nullptr;
  using tcp_tls = std::unique_ptr<asio::ssl::stream<tcp_socket>>;
  using unix_tls = std::unique_ptr<asio::ssl::stream<unix_socket>>;
  if (auto* t = std::get_if<tcp_tls>(&transport_))
    ssl = (*t)->native_handle();
  else if (auto* u = std::get_if<unix_tls>(&transport_))
    ssl = (*u)->native_handle();
  X509* cert = ssl ? SSL_get1_peer_certificate(ssl) : nullptr;
  if (!cert)
    return {};
  std::string subject;
  if (BIO* out = BIO_new(BIO_s_mem())) {
    X509_NAME_print_ex(out, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
    char* text = nullptr;
    auto n = BIO_get_mem_data(out, &text);
    subject.assign(text, static_cast<std::size_t>(n));
    BIO_free(out);
  }
  X509_free(cert);
  return subject;
}

void stream_core::on_handshake(std::error_code ec,
                               completion<std::error_code> done) {
  tls_handshaking_ = false;
  if (!ec && closed())
    ec = error_;
  if (ec) {
    do_close(ec, false);
    return done.complete(ec);
  }
  done.complete({});
  if (read_)
    satisfy_read(false);
  send_queued();
}

// A local close of a TLS stream sends close_notify (so the peer can tell a
// clean end from a cut), after the socket write under way if there is one,
// waiting at most a second in all for the peer's answer.
void stream_core::tls_goodbye() {
  auto& timer = goodbye_state().timer.emplace(executor());
  timer.expires_after(std::chrono::seconds{1});
  timer.async_wait([self = shared_from_this()](std::error_code ec) {
    if (ec || self->socket_closed_)
      return;
    self->goodbye_->error = asio::error::timed_out;
    self->close_socket();
  });
  if (!writing_)
    send_close_notify();
}

void stream_core::send_close_notify() {
  with_tls([&](auto& t) {
    t.async_shutdown(core_handler{shared_from_this(),
                                  [](stream_core& self, std::error_code ec) {
                                    if (!self.socket_closed_)
                                      self.goodbye_->error = ec;
                                    self.close_socket();
                                  }});
  });
}

} // namespace gale::io::detail
