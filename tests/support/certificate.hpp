#pragma once

// Self-signed certificates (by default for "localhost" and 127.0.0.1),
// made with the openssl command when a test starts: nothing secret lives in
// the tree.

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

#include <stdlib.h>

namespace gale::test {

/// A directory of its own under /tmp, removed with the object.
struct temp_dir {
  temp_dir() {
    char name[] = "/tmp/gale-test-XXXXXX";
    if (!::mkdtemp(name))
      throw std::runtime_error("mkdtemp failed");
    path = name;
  }
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  std::filesystem::path path;
};

struct certificate_files {
  std::string certificate; ///< PEM; also the CA file that trusts it
  std::string private_key; ///< PEM
};

/// A self-signed certificate in `dir` (files `<stem>cert.pem`,
/// `<stem>key.pem`) for `common_name`, valid for `alt_names` (openssl's
/// subjectAltName syntax).
inline certificate_files
make_certificate(const std::filesystem::path& dir, const std::string& stem = "",
                 const std::string& common_name = "localhost",
                 const std::string& alt_names = "DNS:localhost,IP:127.0.0.1") {
  certificate_files files{(dir / (stem + "cert.pem")).string(),
                          (dir / (stem + "key.pem")).string()};
  auto cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN="
             + common_name + "' -addext 'subjectAltName=" + alt_names
             + "' -keyout " + files.private_key + " -out " + files.certificate
             + " 2>/dev/null";
  if (std::system(cmd.c_str()) != 0)
    throw std::runtime_error("openssl could not make a test certificate");
  return files;
}

} // namespace gale::test
