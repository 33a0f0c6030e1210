#include "http_client_connection.hpp"

#include <asio/ip/address_v4.hpp>
#include <asio/ssl/host_name_verification.hpp>

#include <openssl/ssl.h>

namespace gale::io::detail {

void client_connection::start_tls(asio::ssl::context& ctx,
                                  const std::string& host, bool send_sni,
                                  bool verify) {
  tls = std::make_unique<asio::ssl::stream<tcp::socket&>>(socket, ctx);
  if (send_sni)
    SSL_set_tlsext_host_name(tls->native_handle(), host.c_str());
  if (verify) {
    tls->set_verify_mode(asio::ssl::verify_peer);
    tls->set_verify_callback(asio::ssl::host_name_verification(host));
  } else {
    tls->set_verify_mode(asio::ssl::verify_none);
  }
}

asio::ssl::context* tls_contexts::get(bool verify, const std::string& ca_file,
                                      std::error_code& ec) {
  auto key = std::pair{verify, verify ? ca_file : std::string{}};
  if (auto it = contexts_.find(key); it != contexts_.end())
    return it->second.get();
  auto ctx =
    std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->set_options(asio::ssl::context::default_workarounds
                   | asio::ssl::context::no_sslv2
                   | asio::ssl::context::no_sslv3);
  if (verify) {
    if (ca_file.empty())
      ctx->set_default_verify_paths(ec);
    else
      ctx->load_verify_file(ca_file, ec);
    if (ec)
      return nullptr;
  }
  return contexts_.emplace(key, std::move(ctx)).first->second.get();
}

bool is_ipv4_literal(const std::string& host) {
  std::error_code ec;
  asio::ip::make_address_v4(host, ec);
  return !ec;
}

} // namespace gale::io::detail
