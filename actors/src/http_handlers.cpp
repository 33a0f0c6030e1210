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

/// Writes the pieces from `next` on, each once the one before left, then
/// runs `then` (also when the connection is gone: nothing more is sent).
void write_then(io::exchange_ptr x,
                std::shared_ptr<std::vector<std::string>> pieces,
                std::size_t next, std::function<void()> then) {
  if (next == pieces->size() || x->closed())
    return then();
  auto piece = std::move((*pieces)[next]);
  x->write(std::move(piece), [x, pieces, next, then = std::move(then)] {
    write_then(x, pieces, next + 1, std::move(then));
  });
}

void write_then(io::exchange_ptr x, std::vector<std::string> pieces,
                std::function<void()> then) {
  write_then(std::move(x),
             std::make_shared<std::vector<std::string>>(std::move(pieces)), 0,
             std::move(then));
}

/// A handler actor's answer that goes on (`streamed_response::more`): its
/// pieces are written, then the actor is asked for more, until a reply
/// says `last`. Its state is only touched on the server's loop.
struct answer_relay : std::enable_shared_from_this<answer_relay> {
  answer_relay(std::shared_ptr<requester> r, caf::strong_actor_ptr d,
               io::exchange_ptr e, std::uint64_t i)
    : req(std::move(r)), dest(std::move(d)), x(std::move(e)), id(i) {}

  void start(std::vector<std::string> pieces) {
    // Cleared by the exchange once the answer is out or the client gone.
    x->on_connection_close([self = shared_from_this()] { self->tell_gone(); });
    write(std::move(pieces), false);
  }

  void write(std::vector<std::string> pieces, bool last) {
    write_then(x, std::move(pieces), [self = shared_from_this(), last] {
      last ? self->x->end() : self->ask();
    });
  }

  void ask() {
    if (x->closed())
      return tell_gone();
    req->send(
      dest, caf::infinite, caf::make_message(response_pieces_wanted{id, false}),
      [self = shared_from_this()](caf::error err, caf::message reply) {
        asio::post(self->x->executor(), [self, err = std::move(err),
                                         reply = std::move(reply)]() mutable {
          self->on_reply(err, reply);
        });
      });
  }

  void on_reply(const caf::error& err, caf::message& reply) {
    if (!err && reply.match_elements<response_pieces>()) {
      auto& more = reply.get_mutable_as<response_pieces>(0);
      return write(std::move(more.pieces), more.last);
    }
    // The actor failed midway: the client must not take the body for
    // whole. (Cutting the connection tells the actor it is gone.)
    if (x->closed())
      tell_gone();
    else
      x->abort();
  }

  void tell_gone() {
    if (!std::exchange(told_gone, true))
      req->tell(dest, caf::make_message(response_pieces_wanted{id, true}));
  }

  std::shared_ptr<requester> req;
  caf::strong_actor_ptr dest;
  io::exchange_ptr x;
  std::uint64_t id;
  bool told_gone = false;
};

int status_for_handler_error(std::error_code ec) {
  if (ec == gale::errc::actor_down)
    return 503;
  if (ec == gale::errc::timed_out || ec == gale::errc::cancelled)
    return 504; // cancelled: by the deadline, the only one who does
  return 500;
}

/// Answers `x` with the handler actor's (`dest`'s) reply.
auto answer_with_reply(io::exchange_ptr x,
                       std::shared_ptr<asio::steady_timer> deadline,
                       std::shared_ptr<requester> req,
                       caf::strong_actor_ptr dest) {
  return [x, deadline, req, dest](caf::error err, caf::message reply) {
    asio::post(x->executor(), [deadline] { deadline->cancel(); });
    if (!err && reply.match_elements<response>()) {
      x->respond(std::move(reply.get_mutable_as<response>(0)));
    } else if (!err && reply.match_elements<streamed_response>()) {
      auto& s = reply.get_mutable_as<streamed_response>(0);
      x->begin(std::move(s.head));
      if (!s.more)
        return write_pieces(x, std::move(s.pieces));
      auto relay = std::make_shared<answer_relay>(req, dest, x, s.more);
      asio::post(x->executor(),
                 [relay, pieces = std::move(s.pieces)]() mutable {
                   relay->start(std::move(pieces));
                 });
    } else {
      if (!err && reply.match_elements<caf::error>())
        err = reply.get_as<caf::error>(0);
      auto ec = err ? to_error_code(err)
                    : make_error_code(gale::errc::unexpected_reply);
      x->respond(status_page(status_for_handler_error(ec)));
    }
  };
}

/// Request `id` not answered within `timeout` is cancelled (its answer:
/// 504). The timer is on the server's loop, not the requester's: a
/// requester deadline wakes CAF's clock thread for every request.
void arm_deadline(const std::shared_ptr<asio::steady_timer>& deadline,
                  std::chrono::milliseconds timeout,
                  const std::shared_ptr<requester>& req, std::uint64_t id) {
  deadline->expires_after(timeout);
  deadline->async_wait(
    [deadline, id, weak = std::weak_ptr<requester>{req}](std::error_code ec) {
      if (ec)
        return; // answered in time
      if (auto r = weak.lock())
        r->cancel(id);
    });
}

/// A streamed body to the handler actor, piece by piece: the next piece is
/// read once the actor replied to the one before.
struct body_relay : std::enable_shared_from_this<body_relay> {
  body_relay(std::shared_ptr<requester> r, caf::strong_actor_ptr d,
             io::exchange_ptr e, std::uint64_t i, std::function<void()> f)
    : req(std::move(r)), dest(std::move(d)), x(std::move(e)), id(i),
      on_end(std::move(f)) {}

  void next() {
    x->read_body(
      [self = shared_from_this()](std::error_code ec, std::string piece) {
        self->forward(ec, std::move(piece));
      });
  }

  void forward(std::error_code ec, std::string piece) {
    bool last = ec || piece.empty();
    // Pieces gathered up to a batch: a message per network read would
    // cost a round trip through the actor's mailbox each.
    if (batch.empty())
      batch = std::move(piece);
    else
      batch += piece;
    if (!last && batch.size() < batch_size)
      return next();
    request_body_piece msg{id, std::exchange(batch, {}), last,
                           ec ? ec.message() : std::string{}};
    req->send(dest, caf::infinite, caf::make_message(std::move(msg)),
              [self = shared_from_this(), last](caf::error err, caf::message) {
                if (!err && !last)
                  self->next();
              });
    if (last)
      on_end();
  }

  std::shared_ptr<requester> req;
  caf::strong_actor_ptr dest;
  io::exchange_ptr x;
  std::uint64_t id;
  std::function<void()> on_end;
  std::string batch;
  static constexpr std::size_t batch_size = 256 * 1024;
};

} // namespace

void write_pieces(io::exchange_ptr x, std::vector<std::string> pieces) {
  write_then(x, std::move(pieces), [x] { x->end(); });
}

io::http_handler from_actor(std::shared_ptr<requester> req,
                            caf::actor handler_actor,
                            std::chrono::milliseconds timeout) {
  auto dest = caf::actor_cast<caf::strong_actor_ptr>(handler_actor);
  auto ids = std::make_shared<std::atomic<std::uint64_t>>(0);
  return [req = std::move(req), dest, timeout, ids](io::exchange_ptr x) {
    auto deadline = std::make_shared<asio::steady_timer>(x->executor());
    if (!x->body_streamed()) {
      auto id = req->send(dest, caf::infinite, caf::make_message(x->request()),
                          answer_with_reply(x, deadline, req, dest));
      return arm_deadline(deadline, timeout, req, id);
    }
    // The head first, then the pieces (CAF keeps one sender's messages in
    // order); the deadline runs from the body's end.
    auto stream_id = ids->fetch_add(1) + 1;
    auto id =
      req->send(dest, caf::infinite,
                caf::make_message(streamed_request{stream_id, x->request()}),
                answer_with_reply(x, deadline, req, dest));
    auto start_deadline = [x, deadline, timeout, req, id] {
      asio::post(x->executor(),
                 [=] { arm_deadline(deadline, timeout, req, id); });
    };
    std::make_shared<body_relay>(req, dest, x, stream_id,
                                 std::move(start_deadline))
      ->next();
  };
}

} // namespace gale::http
