#include "io_engine.hpp"

#include "gale/error.hpp"

#include <gale/http/error.hpp>
#include <gale/io/timers.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <caf/make_message.hpp>

#include <optional>

namespace gale::detail {

io_engine::io_engine(const asio::any_io_executor& ex,
                     io::http_client_options http_options)
  : ex_(ex), http_(ex, http_options) {}

io_engine::op_ptr io_engine::begin(op_ticket t, bool reply_at_once_on_stop) {
  auto op = std::make_shared<pending_op>();
  op->key = {std::move(t.requester), t.id};
  op->reply = std::move(t.reply);
  op->reply_at_once_on_stop = reply_at_once_on_stop;
  if (t.id != 0)
    ops_[op->key] = op;
  if (t.timeout > caf::timespan::zero()) {
    op->deadline.emplace(ex_, t.timeout);
    op->deadline->async_wait([self = shared_from_this(),
                              weak = std::weak_ptr{op}](std::error_code ec) {
      if (auto op = weak.lock(); op && !ec)
        self->stop(op, errc::timed_out);
    });
  }
  return op;
}

void io_engine::stop(const op_ptr& op, errc reason) {
  if (op->stopped_by || !op->reply.pending())
    return;
  op->stopped_by = reason;
  op->signal.emit(asio::cancellation_type::terminal);
  if (op->reply_at_once_on_stop) {
    forget(op);
    op->reply.deliver(make_error(reason));
  }
}

void io_engine::forget(const op_ptr& op) {
  if (op->key.second != 0) {
    auto i = ops_.find(op->key);
    if (i != ops_.end() && i->second.lock() == op)
      ops_.erase(i);
  }
  if (op->deadline)
    op->deadline->cancel();
}

void io_engine::finish(const op_ptr& op, std::error_code ec,
                       caf::message result) {
  forget(op);
  if (!op->reply.pending())
    return;
  if (ec && op->stopped_by)
    op->reply.deliver(make_error(*op->stopped_by));
  else if (ec)
    op->reply.deliver(to_caf_error(ec));
  else
    op->reply.deliver(std::move(result));
}

void io_engine::sleep(op_ticket t, caf::timespan duration) {
  auto op = begin(std::move(t), false);
  auto timer = std::make_shared<asio::steady_timer>(ex_, duration);
  timer->async_wait(asio::bind_cancellation_slot(
    op->slot(), [self = shared_from_this(), op, timer](std::error_code ec) {
      self->finish(op, ec, caf::make_message());
    }));
}

void io_engine::resolve(op_ticket t, std::string host, std::string service) {
  auto op = begin(std::move(t), true);
  io::async_resolve(
    ex_, std::move(host), std::move(service),
    asio::bind_cancellation_slot(
      op->slot(),
      [self = shared_from_this(), op](std::error_code ec, io::endpoints eps) {
        std::vector<std::string> addresses;
        for (const auto& ep : eps)
          addresses.push_back(ep.address().to_string());
        self->finish(op, ec, caf::make_message(std::move(addresses)));
      }));
}

void io_engine::cancel(const caf::actor_addr& requester, op_id id) {
  auto i = ops_.find({requester, id});
  if (i == ops_.end())
    return;
  if (auto op = i->second.lock())
    stop(op, errc::cancelled);
}

void io_engine::fetch(op_ticket t, io::http_request req) {
  auto op = begin(std::move(t), false);
  http_.async_fetch(
    std::move(req),
    asio::bind_cancellation_slot(
      op->slot(),
      [self = shared_from_this(), op](std::error_code ec, http::response res) {
        if (ec.category() == http::status_category() && !op->stopped_by) {
          self->forget(op);
          op->reply.deliver(to_caf_error(ec, std::move(res)));
          return;
        }
        if (ec == http::errc::client_closed) // the actor is going down
          ec = errc::actor_down;
        self->finish(op, ec, caf::make_message(std::move(res)));
      }));
}

void io_engine::serve(reply_slot reply, io::http_server_options options,
                      io::http_handler handler) {
  auto server = std::make_unique<io::http_server>(ex_, std::move(options),
                                                  std::move(handler));
  if (auto ec = server->listen()) {
    reply.deliver(to_caf_error(ec));
    return;
  }
  auto id = next_id_++;
  listener_info info{id, server->port()};
  servers_.emplace(id, std::move(server));
  reply.deliver(caf::make_message(info));
}

void io_engine::unserve(reply_slot reply, listener_id id, caf::timespan grace) {
  auto i = servers_.find(id);
  if (i == servers_.end()) {
    reply.deliver(make_error(errc::unknown_listener));
    return;
  }
  auto done = std::make_shared<reply_slot>(std::move(reply));
  i->second->shutdown(
    std::chrono::duration_cast<std::chrono::milliseconds>(grace),
    [self = shared_from_this(), id, done] {
      // Not destroyed inside its own callback: on the next turn.
      asio::post(self->ex_, [self, id, done] {
        self->servers_.erase(id);
        done->deliver(caf::make_message());
      });
    });
}

void io_engine::shutdown() {
  servers_.clear();
  http_.shutdown();
  for (auto& [id, s] : connections_)
    s.close();
  for (auto& [id, l] : listeners_)
    l->close();
  connections_.clear();
  listeners_.clear();
  ops_.clear();
}

} // namespace gale::detail
