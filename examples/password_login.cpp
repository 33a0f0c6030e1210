// password_login: the slow part of a login service, hashing passwords,
// run on a thread pool so that the loop keeps answering everyone else
// (Tornado's run_in_executor, and its guide's warning that CPU work blocks
// a loop as surely as I/O).
//
// Usage: password_login --port P [--host H]
//
//   POST /hash?salt=S  the password as the body (at most 1 KiB): 200, the
//                      lowercase hex of scrypt(password, S, N=32768, r=8,
//                      p=1, 32 bytes), computed on the pool
//   GET  /             200 "Hello, world", from the loop
//   no salt (or an empty one), a body over 1 KiB: 400; a body over 1 MiB:
//   413; another path 404, another method 405
//
// Prints "listening on H:P" once it accepts connections; SIGINT or SIGTERM
// stop it with exit status 0.
#include <gale/http/router.hpp>
#include <gale/http/url.hpp>
#include <gale/io/executor.hpp>
#include <gale/io/http_server.hpp>
#include <gale/io/loop.hpp>
#include <gale/io/signals.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <csignal>
#include <cstdlib>
#include <future>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>

namespace io = gale::io;
using gale::http::response;

namespace {

constexpr std::size_t max_password = 1024;

/// scrypt(password, salt, N=32768, r=8, p=1) as 64 hex digits. Some 80 ms of
/// CPU: it must not run on the loop.
std::string scrypt_hex(const std::string& password, const std::string& salt) {
  unsigned char key[32];
  // N * r * 128 bytes = 32 MiB of work memory, over OpenSSL's default limit.
  constexpr std::uint64_t max_memory = 64 * 1024 * 1024;
  if (EVP_PBE_scrypt(password.data(), password.size(),
                     reinterpret_cast<const unsigned char*>(salt.data()),
                     salt.size(), 32768, 8, 1, max_memory, key, sizeof key)
      != 1)
    throw std::runtime_error("scrypt failed");
  // OpenSSL keeps per-thread state (its error queue) for each thread that
  // hashed; a pool thread lives as long as the program, so give it back
  // now rather than when the thread ends.
  OPENSSL_thread_stop();
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char byte : key) {
    hex += digits[byte >> 4];
    hex += digits[byte & 15];
  }
  return hex;
}

response text(int status, std::string body) {
  response res;
  res.status = status;
  res.headers.set("Content-Type", "text/plain");
  res.body = std::move(body);
  return res;
}

std::optional<std::string> salt_of(const gale::http::request& req) {
  auto [path, query] = gale::http::split_target(req.target);
  for (auto& [key, value] : gale::http::parse_query(query))
    if (key == "salt" && !value.empty())
      return value;
  return std::nullopt;
}

// [hash]
// The handler runs on the loop; the hash runs on the pool, and its answer
// is sent from there (an exchange may be answered from any thread).
void hash(const io::exchange_ptr& ex) {
  auto salt = salt_of(ex->request());
  if (!salt)
    return ex->respond(text(400, "a non-empty salt parameter is needed\n"));
  if (ex->request().body.size() > max_password)
    return ex->respond(text(400, "the password is over 1 KiB\n"));
  io::run_in_executor([password = ex->request().body,
                       salt = *salt] { return scrypt_hex(password, salt); },
                      [ex](std::exception_ptr failure, std::string hex) {
                        if (failure)
                          return ex->respond(text(500, "hashing failed\n"));
                        ex->respond(text(200, hex + "\n"));
                      });
}
// [end]

enum class route { hello, hash };

void handle(const io::exchange_ptr& ex) {
  static const auto routes = [] {
    gale::http::router<route> r;
    r.add("GET", "/", route::hello).add("POST", "/hash", route::hash);
    return r;
  }();
  auto [path, query] = gale::http::split_target(ex->request().target);
  auto found = routes.find(ex->request().method, path);
  if (!found.target) {
    if (found.allowed.empty())
      return ex->respond(text(404, "not found\n"));
    auto res = text(405, "method not allowed\n");
    std::string allow;
    for (auto& m : found.allowed)
      allow += (allow.empty() ? "" : ", ") + m;
    res.headers.set("Allow", allow);
    return ex->respond(std::move(res));
  }
  if (*found.target == route::hello)
    return ex->respond(text(200, "Hello, world"));
  hash(ex);
}

int usage(int status) {
  (status ? std::cerr : std::cout)
    << "usage: password_login --port P [--host H]\n";
  return status;
}

} // namespace

int main(int argc, char** argv) {
  io::http_server_options options;
  bool have_port = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help")
      return usage(0);
    if (i + 1 >= argc)
      return usage(2);
    if (arg == "--port") {
      char* end = nullptr;
      long port = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || port < 0 || port > 65535)
        return usage(2);
      options.port = static_cast<std::uint16_t>(port);
      have_port = true;
    } else if (arg == "--host") {
      options.host = argv[++i];
    } else {
      return usage(2);
    }
  }
  if (!have_port)
    return usage(2);

  io::loop loop;
  loop.start();
  // The server lives on its loop: made, listening and shut down there.
  std::optional<io::http_server> server;
  auto on_loop = [&loop](auto f) {
    std::promise<void> done;
    loop.post([&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  };
  std::error_code failed;
  std::uint16_t port = 0;
  on_loop([&] {
    server.emplace(loop.executor(), options, handle);
    failed = server->listen();
    port = server->port();
  });
  if (failed) {
    std::cerr << "password_login: cannot listen on " << options.host << ":"
              << options.port << ": " << failed.message() << "\n";
    return 1;
  }
  io::signal_waiter stop{loop.executor(), {SIGINT, SIGTERM}};
  std::cout << "listening on " << options.host << ":" << port << std::endl;
  stop.wait();
  // Hashes under way finish (up to 5 s), then the server goes.
  std::promise<void> drained;
  on_loop([&] {
    server->shutdown(std::chrono::seconds{5}, [&] { drained.set_value(); });
  });
  drained.get_future().wait();
  on_loop([&] { server.reset(); });
  return 0;
}
