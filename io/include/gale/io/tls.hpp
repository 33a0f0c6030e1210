#pragma once

#include <map>
#include <memory>
#include <string>
#include <system_error>

namespace asio::ssl {
class context;
}

/// TLS settings for streams: both ends of a connection, one struct.
namespace gale::io {

/// How a stream speaks TLS. Build one with `tls_options::client` or
/// `tls_options::server`; every field may be changed afterwards.
struct tls_options {
  /// The server side of the handshake (else the client side).
  bool server = false;
  /// Client: the name sent as SNI (unless it is an IP address) and checked
  /// against the server's certificate.
  std::string server_name;
  /// Client: check the server's certificate chain and name. Server: ask for
  /// a client certificate and refuse a connection without a valid one
  /// (mutual TLS; needs `ca_file`).
  bool verify_peer = true;
  /// PEM file of trusted CAs; empty: the system's store.
  std::string ca_file;
  /// PEM certificate chain and private key: the server's own, or a client
  /// certificate for mutual TLS.
  std::string certificate_file;
  std::string private_key_file;
  /// An existing context (protocol versions, ciphers, anything OpenSSL
  /// allows); when set, the file fields above are not read.
  std::shared_ptr<asio::ssl::context> context;
  /// Server: SNI, a context per host name a client asks for (lower case;
  /// "*.example.com" stands for any one label in front of example.com),
  /// each with its own certificate (`make_tls_context` of a
  /// `server_with`). A client naming no host, or one not listed, gets the
  /// default certificate above. Client-certificate checks are this
  /// default's (`verify_peer`, `ca_file`) whichever certificate is chosen.
  std::map<std::string, std::shared_ptr<asio::ssl::context>> server_names;

  /// The client side for `server_name`, verifying it against the system's
  /// CAs.
  static tls_options client(std::string server_name) {
    tls_options o;
    o.server_name = std::move(server_name);
    return o;
  }

  /// The server side with a certificate chain and its key (no client
  /// certificates asked for).
  static tls_options server_with(std::string certificate_file,
                                 std::string private_key_file) {
    tls_options o;
    o.server = true;
    o.verify_peer = false;
    o.certificate_file = std::move(certificate_file);
    o.private_key_file = std::move(private_key_file);
    return o;
  }

  /// The server side with an existing context (its certificate, versions,
  /// ciphers); no client certificates asked for.
  static tls_options server_with(std::shared_ptr<asio::ssl::context> context) {
    tls_options o;
    o.server = true;
    o.verify_peer = false;
    o.context = std::move(context);
    return o;
  }
};

/// The OpenSSL context `options` describe: `options.context` when set,
/// else a new one loaded from the files (TLS 1.2 or later). Null with `ec`
/// set when a file cannot be loaded. A context may be shared by many
/// streams: make it once and keep it in `options.context`. With
/// `server_names`, the context (a given one too) switches to the named
/// host's certificate during the handshake.
std::shared_ptr<asio::ssl::context> make_tls_context(const tls_options& options,
                                                     std::error_code& ec);

} // namespace gale::io
