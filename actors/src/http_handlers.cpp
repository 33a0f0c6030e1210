#include "gale/http/server.hpp"

#include <gale/io/unhandled.hpp>

#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <caf/actor_cast.hpp>
#include <caf/make_message.hpp>

namespace gale::http {

io::http_handler from_coroutine(coroutine_handler handler) {
  return [handler = std::move(handler)](io::exchange_ptr x) {
    asio::co_spawn(
      x->executor(), handler(x), [x](std::exception_ptr failure, response res) {
        if (failure)
          io::report_unhandled(failure, "an HTTP coroutine for "
                                          + x->request().method + " "
                                          + x->request().target);
        // A coroutine that streamed has answered already; a
        // second answer is ignored.
        x->respond(failure ? status_page(500) : std::move(res));
      });
  };
}

namespace {

void write_from(io::exchange_ptr x,
                std::shared_ptr<std::vector<std::string>> pieces,
                std::size_t next) {
  if (next == pieces->size() || x->closed())
    return x->end();
  auto piece = std::move((*pieces)[next]);
  x->write(std::move(piece),
           [x, pieces, next] { write_from(x, pieces, next + 1); });
}

int status_for_handler_error(std::error_code ec) {
  if (ec == gale::errc::actor_down)
    return 503;
  if (ec == gale::errc::timed_out || ec == gale::errc::cancelled)
    return 504; // cancelled: by the deadline, the only one who does
  return 500;
}

} // namespace

void write_pieces(io::exchange_ptr x, std::vector<std::string> pieces) {
  write_from(std::move(x),
             std::make_shared<std::vector<std::string>>(std::move(pieces)), 0);
}

io::http_handler from_actor(std::shared_ptr<requester> req,
                            caf::actor handler_actor,
                            std::chrono::milliseconds timeout) {
  auto dest = caf::actor_cast<caf::strong_actor_ptr>(handler_actor);
  return [req = std::move(req), dest, timeout](io::exchange_ptr x) {
    // The deadline is a timer on the server's loop, not the requester's:
    // a requester deadline wakes CAF's clock thread for every request.
    auto deadline = std::make_shared<asio::steady_timer>(x->executor());
    auto id = req->send(
      dest, caf::infinite, caf::make_message(x->request()),
      [x, deadline](caf::error err, caf::message reply) {
        asio::post(x->executor(), [deadline] { deadline->cancel(); });
        if (!err && reply.match_elements<response>()) {
          x->respond(std::move(reply.get_mutable_as<response>(0)));
        } else if (!err && reply.match_elements<streamed_response>()) {
          auto& s = reply.get_mutable_as<streamed_response>(0);
          x->begin(std::move(s.head));
          write_pieces(x, std::move(s.pieces));
        } else {
          if (!err && reply.match_elements<caf::error>())
            err = reply.get_as<caf::error>(0);
          auto ec = err ? to_error_code(err)
                        : make_error_code(gale::errc::unexpected_reply);
          x->respond(status_page(status_for_handler_error(ec)));
        }
      });
    deadline->expires_after(timeout);
    deadline->async_wait(
      [x, id, weak = std::weak_ptr<requester>{req}](std::error_code ec) {
        if (ec)
          return; // answered in time
        if (auto r = weak.lock())
          r->cancel(id); // its handler answers 504
      });
  };
}

} // namespace gale::http
