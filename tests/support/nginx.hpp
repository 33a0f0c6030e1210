#pragma once

// Debian's nginx on loopback, started by a test: plain HTTP and TLS with a
// certificate made at start-up (openssl), a few static files, a redirect,
// gzip. Stopped (SIGQUIT, then SIGKILL) when the object goes.

#include "certificate.hpp"
#include "scripted_server.hpp"

#include <asio/connect.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

namespace gale::test {

class nginx_server {
public:
  /// The body of /index.html.
  static std::string index_body() { return "<html>hello from nginx</html>\n"; }

  /// The body of /big.txt: repetitive text, so gzip shrinks it a lot.
  static std::string big_body() {
    std::string s;
    for (int i = 0; i < 20000; ++i)
      s += "line " + std::to_string(i) + " of a large text body\n";
    return s;
  }

  nginx_server() {
    char pattern[] = "/tmp/gale-nginx-XXXXXX";
    if (!mkdtemp(pattern))
      throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    // nginx's workers drop root rights and must still read the files.
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all
                                         | std::filesystem::perms::group_read
                                         | std::filesystem::perms::group_exec
                                         | std::filesystem::perms::others_read
                                         | std::filesystem::perms::others_exec);
    http_port_ = closed_port();
    https_port_ = closed_port();
    mtls_port_ = closed_port();
    std::filesystem::create_directories(dir_ / "www" / "sub");
    write(dir_ / "www" / "index.html", index_body());
    write(dir_ / "www" / "big.txt", big_body());
    write(dir_ / "www" / "sub" / "page.txt", "sub page\n");
    write(dir_ / "www" / "slow.bin", std::string(slow_body_size, 'x'));
    make_certificate(dir_);
    make_certificate(dir_, "client-", "gale-client", "DNS:gale-client");
    write(dir_ / "nginx.conf", config());
    pid_ = fork();
    if (pid_ == 0) {
      auto conf = (dir_ / "nginx.conf").string();
      auto prefix = dir_.string() + "/";
      execl("/usr/sbin/nginx", "nginx", "-p", prefix.c_str(), "-c",
            conf.c_str(), "-g", "daemon off;", static_cast<char*>(nullptr));
      _exit(127);
    }
    wait_until_listening(http_port_);
    wait_until_listening(https_port_);
    wait_until_listening(mtls_port_);
  }

  ~nginx_server() {
    if (pid_ > 0) {
      kill(pid_, SIGQUIT);
      for (int i = 0; i < 50; ++i) {
        if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
          pid_ = 0;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{20});
      }
      if (pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
      }
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  nginx_server(const nginx_server&) = delete;
  nginx_server& operator=(const nginx_server&) = delete;

  std::uint16_t http_port() const { return http_port_; }
  std::uint16_t https_port() const { return https_port_; }

  std::string http_url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(http_port_) + path;
  }

  /// The certificate names "localhost" and 127.0.0.1.
  std::string https_url(const std::string& path = "/",
                        const std::string& host = "localhost") const {
    return "https://" + host + ":" + std::to_string(https_port_) + path;
  }

  /// Two virtual hosts, "a.test" and "b.test", on the plain port (map
  /// them to 127.0.0.1): `/slow.bin` is `slow_body_size` bytes sent at
  /// 128 KiB/s (nginx lets the first second's worth go at once, so
  /// about 250 ms); each answer has X-Host (the virtual host)
  /// and X-Connection (nginx's connection number).
  static constexpr std::size_t slow_body_size = 160 * 1024;
  std::string vhost_url(const std::string& host,
                        const std::string& path) const {
    return "http://" + host + ":" + std::to_string(http_port_) + path;
  }

  /// The PEM file that makes the server's certificate trusted.
  std::string ca_file() const { return (dir_ / "cert.pem").string(); }

  /// A TLS port that asks for a client certificate (mutual TLS), trusting
  /// `client_certificate()`'s alone; it answers with the client's subject
  /// ("CN=gale-client"), 400 without a certificate.
  std::string mtls_url(const std::string& path = "/") const {
    return "https://localhost:" + std::to_string(mtls_port_) + path;
  }
  certificate_files client_certificate() const {
    return {(dir_ / "client-cert.pem").string(),
            (dir_ / "client-key.pem").string()};
  }

private:
  static void write(const std::filesystem::path& p, const std::string& text) {
    std::ofstream out{p, std::ios::binary};
    out << text;
  }

  std::string config() const {
    auto d = dir_.string();
    return "worker_processes 1;\n"
           "pid "
           + d
           + "/nginx.pid;\n"
             "error_log "
           + d
           + "/error.log;\n"
             "events { worker_connections 1024; }\n"
             "http {\n"
             "  access_log off;\n"
             "  client_body_temp_path "
           + d
           + "/tmp_body;\n"
             "  proxy_temp_path "
           + d
           + "/tmp_proxy;\n"
             "  fastcgi_temp_path "
           + d
           + "/tmp_fcgi;\n"
             "  uwsgi_temp_path "
           + d
           + "/tmp_uwsgi;\n"
             "  scgi_temp_path "
           + d
           + "/tmp_scgi;\n"
             "  keepalive_requests 100000;\n"
             "  gzip on; gzip_types text/plain; gzip_min_length 100;\n"
             "  types { text/html html; text/plain txt; }\n"
             "  server {\n"
             "    listen 127.0.0.1:"
           + std::to_string(http_port_)
           + ";\n"
             "    listen 127.0.0.1:"
           + std::to_string(https_port_)
           + " ssl;\n"
             "    ssl_certificate "
           + d
           + "/cert.pem;\n"
             "    ssl_certificate_key "
           + d
           + "/key.pem;\n"
             "    root "
           + d
           + "/www;\n"
             "    location = /redirect { return 302 /sub/page.txt; }\n"
             "    location = /missing { return 404; }\n"
             "  }\n"
             "  server {\n" // two virtual hosts on the plain port
             "    listen 127.0.0.1:"
           + std::to_string(http_port_)
           + ";\n"
             "    server_name a.test b.test;\n"
             "    gzip off;\n"
             "    root "
           + d
           + "/www;\n"
             "    add_header X-Host $host;\n"
             "    add_header X-Connection $connection;\n"
             "    location = /slow.bin { limit_rate 128k; }\n"
             "  }\n"
             "  server {\n"
             "    listen 127.0.0.1:"
           + std::to_string(mtls_port_)
           + " ssl;\n"
             "    ssl_certificate "
           + d + "/cert.pem;\n    ssl_certificate_key " + d
           + "/key.pem;\n"
             "    ssl_verify_client on;\n"
             "    ssl_client_certificate "
           + d
           + "/client-cert.pem;\n"
             "    location / { return 200 \"$ssl_client_s_dn\\n\"; }\n"
             "  }\n"
             "}\n";
  }

  void wait_until_listening(std::uint16_t port) const {
    for (int i = 0; i < 250; ++i) {
      asio::io_context ctx;
      tcp::socket s{ctx};
      std::error_code ec;
      s.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
      if (!ec)
        return;
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_)
        throw std::runtime_error("nginx exited at start; see "
                                 + (dir_ / "error.log").string());
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    throw std::runtime_error("nginx did not start listening");
  }

  std::filesystem::path dir_;
  std::uint16_t http_port_ = 0;
  std::uint16_t https_port_ = 0;
  std::uint16_t mtls_port_ = 0;
  pid_t pid_ = -1;
};

} // namespace gale::test
