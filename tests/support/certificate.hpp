#pragma once

// A self-signed certificate for "localhost" and 127.0.0.1, made with the
// openssl command when a test starts: nothing secret lives in the tree.

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace gale::test {

struct certificate_files {
  std::string certificate; ///< PEM; also the CA file that trusts it
  std::string private_key; ///< PEM
};

inline certificate_files make_certificate(const std::filesystem::path& dir) {
  certificate_files files{(dir / "cert.pem").string(),
                          (dir / "key.pem").string()};
  auto cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "
             "/CN=localhost -addext "
             "subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "
             + files.private_key + " -out " + files.certificate
             + " 2>/dev/null";
  if (std::system(cmd.c_str()) != 0)
    throw std::runtime_error("openssl could not make a test certificate");
  return files;
}

} // namespace gale::test
