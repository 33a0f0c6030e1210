#include "gale/http/blocking_client.hpp"

#include "gale/blocking.hpp"
#include "gale/http/client.hpp"
#include "gale/io_actor.hpp"
#include "gale/type_ids.hpp"

#include <gale/http/error.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include <future>
#include <optional>

namespace gale::http {

struct blocking_client::impl {
  // Only for a client of its own: declared first, destroyed last.
  std::optional<caf::actor_system_config> cfg;
  std::optional<caf::actor_system> sys;
  http_client_actor own_actor;
  std::optional<client> async;
};

blocking_client::blocking_client(io::http_client_options options)
  : impl_(std::make_unique<impl>()) {
  impl_->cfg.emplace();
  configure(*impl_->cfg);
  impl_->sys.emplace(*impl_->cfg);
  impl_->own_actor = spawn_http_client(*impl_->sys, options);
  impl_->async.emplace(*impl_->sys, impl_->own_actor);
}

blocking_client::blocking_client(caf::actor_system& sys,
                                 http_client_actor actor)
  : impl_(std::make_unique<impl>()) {
  impl_->async.emplace(sys, std::move(actor));
}

blocking_client::~blocking_client() {
  impl_->async.reset();
  if (impl_->own_actor)
    caf::anon_send_exit(impl_->own_actor, caf::exit_reason::user_shutdown);
}

http::response blocking_client::fetch(std::string url) const {
  io::http_request req;
  req.url = std::move(url);
  return fetch(std::move(req));
}

http::response blocking_client::fetch(io::http_request req) const {
  detail::check_may_block();
  std::promise<std::pair<std::error_code, http::response>> done;
  impl_->async->fetch(std::move(req),
                      [&done](std::error_code ec, http::response res) {
                        done.set_value({ec, std::move(res)});
                      });
  auto [ec, res] = done.get_future().get();
  if (ec)
    std::rethrow_exception(failure_of(ec, res));
  return std::move(res);
}

} // namespace gale::http
