#include "gale/testing/http_test_server.hpp"

#include "gale/blocking.hpp"
#include "gale/io_client.hpp"
#include "gale/type_ids.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include <optional>

namespace gale::testing {

struct http_test_server::impl {
  // In order of construction; destroyed in reverse, after the I/O actor
  // was told to exit.
  caf::actor_system_config cfg;
  std::optional<caf::actor_system> sys;
  io_actor io;
  std::optional<io_client> control;
  std::optional<http::client> http;
  listener_info server;
};

http_test_server::http_test_server(io::http_handler handler,
                                   io::http_server_options options)
  : impl_(std::make_unique<impl>()) {
  configure(impl_->cfg);
  impl_->sys.emplace(impl_->cfg);
  impl_->io = spawn_io_actor(*impl_->sys);
  impl_->control.emplace(*impl_->sys, impl_->io);
  impl_->http.emplace(std::make_shared<requester>(*impl_->sys), impl_->io);
  options.host = "127.0.0.1";
  options.port = 0;
  impl_->server =
    impl_->control->serve(std::move(options), std::move(handler), use_blocking);
}

http_test_server::~http_test_server() {
  try {
    impl_->control->stop_serving(impl_->server.id, std::chrono::seconds{1},
                                 use_blocking);
  } catch (const std::exception&) {
    // the I/O actor is gone already: nothing left to stop
  }
  impl_->http.reset();
  impl_->control.reset();
  caf::anon_send_exit(impl_->io, caf::exit_reason::user_shutdown);
}

caf::actor_system& http_test_server::system() noexcept {
  return *impl_->sys;
}
const io_actor& http_test_server::io() const noexcept {
  return impl_->io;
}
std::uint16_t http_test_server::port() const noexcept {
  return impl_->server.port;
}

std::string http_test_server::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port()) + std::string{path};
}

const http::client& http_test_server::client() const noexcept {
  return *impl_->http;
}

http::response
http_test_server::fetch(std::string_view path,
                        std::chrono::milliseconds deadline) const {
  io::http_request req;
  req.url = std::string{path};
  return fetch(std::move(req), deadline);
}

http::response
http_test_server::fetch(io::http_request req,
                        std::chrono::milliseconds deadline) const {
  if (req.url.empty() || req.url.front() == '/')
    req.url = url(req.url.empty() ? "/" : req.url);
  req.raise_error = false;
  req.request_timeout = deadline;
  req.connect_timeout = deadline;
  return impl_->http->fetch(std::move(req), use_blocking);
}

} // namespace gale::testing
