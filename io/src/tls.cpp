#include "gale/io/tls.hpp"

#include <asio/ssl/context.hpp>

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

} // namespace

std::shared_ptr<asio::ssl::context> make_tls_context(const tls_options& o,
                                                     std::error_code& ec) {
  ec.clear();
  if (o.context)
    return o.context;
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

} // namespace gale::io
