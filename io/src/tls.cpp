#include "gale/io/tls.hpp"

#include <asio/ssl/context.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace gale::io {

namespace {

std::error_code load_identity(asio::ssl::context& ctx, const tls_options& o) {
  std::error_code ec;
  if (o.certificate_file.empty() != o.private_key_file.empty())
    return make_error_code(std::errc::invalid_argument);
  if (o.certificate_file.empty())
    return ec;
  ctx.use_certificate_chain_file(o.certificate_file, ec);
  if (!ec)
    ctx.use_private_key_file(o.private_key_file, asio::ssl::context::pem, ec);
  return ec;
}

std::error_code load_trust(asio::ssl::context& ctx, const tls_options& o) {
  std::error_code ec;
  if (!o.ca_file.empty())
    ctx.load_verify_file(o.ca_file, ec);
  else
    ctx.set_default_verify_paths(ec);
  return ec;
}

using name_map = std::map<std::string, std::shared_ptr<asio::ssl::context>>;

// The SNI table lives in the context itself (OpenSSL's ex_data, freed with
// the context), so a handshake finds it however long its stream outlives
// whatever installed it.
void free_names(void*, void* table, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<name_map*>(table);
}

int names_index() {
  static const int index =
    SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, free_names);
  return index;
}

const std::shared_ptr<asio::ssl::context>* find_name(const name_map& names,
                                                     std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (auto it = names.find(name); it != names.end())
    return &it->second;
  if (auto dot = name.find('.'); dot != std::string::npos) {
    std::string wildcard(1, '*');
    wildcard.append(name, dot);
    if (auto it = names.find(wildcard); it != names.end())
      return &it->second;
  }
  return nullptr;
}

int on_server_name(SSL* ssl, int*, void* arg) {
  auto* by_default = static_cast<SSL_CTX*>(arg);
  const auto* names = static_cast<const name_map*>(
    SSL_CTX_get_ex_data(by_default, names_index()));
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (names && name)
    if (auto* ctx = find_name(*names, name)) {
      SSL_set_SSL_CTX(ssl, (*ctx)->native_handle());
      // Client certificates are still checked against the default's CAs
      // (the named context's store would be the one used otherwise).
      if (SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER)
        SSL_set1_verify_cert_store(ssl, SSL_CTX_get_cert_store(by_default));
    }
  return SSL_TLSEXT_ERR_OK; // unknown names get the default certificate
}

void install_names(asio::ssl::context& ctx, const name_map& names) {
  auto* handle = ctx.native_handle();
  auto* old =
    static_cast<name_map*>(SSL_CTX_get_ex_data(handle, names_index()));
  if (old && *old == names)
    return; // already there: no write under handshakes running elsewhere
  SSL_CTX_set_ex_data(handle, names_index(), new name_map(names));
  delete old;
  SSL_CTX_set_tlsext_servername_callback(handle, on_server_name);
  SSL_CTX_set_tlsext_servername_arg(handle, handle);
}

std::shared_ptr<asio::ssl::context> make_new_context(const tls_options& o,
                                                     std::error_code& ec) {
  auto method =
    o.server ? asio::ssl::context::tls_server : asio::ssl::context::tls_client;
  auto ctx = std::make_shared<asio::ssl::context>(method);
  ctx->set_options(
    asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2
      | asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1
      | asio::ssl::context::no_tlsv1_1,
    ec);
  if (!ec && o.server && o.certificate_file.empty())
    ec = make_error_code(std::errc::invalid_argument); // a server needs one
  if (!ec)
    ec = load_identity(*ctx, o);
  if (!ec && o.verify_peer)
    ec = load_trust(*ctx, o);
  if (ec)
    return nullptr;
  return ctx;
}

} // namespace

std::shared_ptr<asio::ssl::context> make_tls_context(const tls_options& o,
                                                     std::error_code& ec) {
  ec.clear();
  auto ctx = o.context ? o.context : make_new_context(o, ec);
  if (ctx && o.server && !o.server_names.empty()) {
    for (const auto& [name, named] : o.server_names)
      if (!named)
        return ec = make_error_code(std::errc::invalid_argument), nullptr;
    install_names(*ctx, o.server_names);
  }
  return ctx;
}

} // namespace gale::io
