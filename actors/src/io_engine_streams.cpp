// The I/O actor's raw connections on its loop: connect (TCP with happy
// eyeballs, or a Unix socket), listen and accept, reads, writes, TLS on an
// open connection, close.

#include "io_engine.hpp"

#include "gale/error.hpp"

#include <gale/io/tcp_client.hpp>

#include <asio/bind_cancellation_slot.hpp>

#include <caf/make_message.hpp>

#include <charconv>
#include <optional>

#include <netdb.h>
#include <sys/stat.h>
#include <unistd.h>

namespace gale::detail {

namespace {

using local = asio::local::stream_protocol;

/// A port number, or a service name looked up in the services database.
std::optional<std::uint16_t> port_of(const std::string& service) {
  std::uint32_t port = 0;
  auto [end, ec] =
    std::from_chars(service.data(), service.data() + service.size(), port);
  if (ec == std::errc{} && end == service.data() + service.size())
    return port <= 65535 ? std::optional<std::uint16_t>(port) : std::nullopt;
  if (auto* entry = ::getservbyname(service.c_str(), "tcp"))
    return ntohs(static_cast<std::uint16_t>(entry->s_port));
  return std::nullopt;
}

/// "unix:/path" names a Unix domain socket: the path, else nothing.
std::optional<std::string> unix_path_of(const std::string& host) {
  constexpr std::string_view prefix = "unix:";
  if (host.size() > prefix.size() && host.starts_with(prefix))
    return host.substr(prefix.size());
  return std::nullopt;
}

io::tls_options options_of(const tls_settings& s) {
  io::tls_options o;
  o.server = s.server;
  o.server_name = s.server_name;
  o.verify_peer = s.verify_peer;
  o.ca_file = s.ca_file;
  o.certificate_file = s.certificate_file;
  o.private_key_file = s.private_key_file;
  return o;
}

} // namespace

void io_engine::listener::close() {
  std::error_code ignored;
  std::visit([&](auto& a) { a.close(ignored); }, acceptor);
  if (!unix_path.empty())
    ::unlink(unix_path.c_str());
}

void io_engine::connect(op_ticket t, std::string host, std::string service) {
  auto unix_path = unix_path_of(host);
  auto port = unix_path ? std::optional<std::uint16_t>{0} : port_of(service);
  if (!port) {
    t.reply.deliver(to_caf_error(asio::error::service_not_found));
    return;
  }
  auto op = begin(std::move(t), true);
  auto connected = asio::bind_cancellation_slot(
    op->slot(),
    [self = shared_from_this(), op](std::error_code ec, io::stream s) {
      if (ec || !op->reply.pending()) {
        self->finish(op, ec ? ec : asio::error::operation_aborted, {});
        return; // a late connection after a stop is dropped, closed
      }
      self->finish(op, {}, caf::make_message(self->adopt(std::move(s))));
    });
  if (unix_path)
    io::async_connect_unix(ex_, std::move(*unix_path), {},
                           std::move(connected));
  else
    io::async_connect_stream(ex_, std::move(host), *port, {},
                             std::move(connected));
}

connection_id io_engine::adopt(io::stream s) {
  s.set_nodelay(true);
  auto id = next_id_++;
  connections_.emplace(id, std::move(s));
  return id;
}

io::stream* io_engine::find(connection_id c, reply_slot& reply) {
  auto i = connections_.find(c);
  if (i != connections_.end())
    return &i->second;
  reply.deliver(make_error(errc::unknown_connection));
  return nullptr;
}

void io_engine::read(op_ticket t, connection_id c, std::uint32_t max) {
  auto* s = find(c, t.reply);
  if (!s)
    return;
  auto op = begin(std::move(t), false);
  // A partial read: the stream allocates what arrives, not `max` up front.
  s->async_read_bytes(
    max == 0 ? 1 : max, true,
    asio::bind_cancellation_slot(
      op->slot(),
      [self = shared_from_this(), op](std::error_code ec, std::string bytes) {
        self->finish(op, ec, caf::make_message(std::move(bytes)));
      }));
}

void io_engine::read_until(op_ticket t, connection_id c, std::string delimiter,
                           std::uint32_t max) {
  auto* s = find(c, t.reply);
  if (!s)
    return;
  auto op = begin(std::move(t), false);
  s->async_read_until(
    std::move(delimiter), max,
    asio::bind_cancellation_slot(
      op->slot(),
      [self = shared_from_this(), op](std::error_code ec, std::string line) {
        self->finish(op, ec, caf::make_message(std::move(line)));
      }));
}

void io_engine::write(op_ticket t, connection_id c, std::string bytes) {
  auto* s = find(c, t.reply);
  if (!s)
    return;
  auto op = begin(std::move(t), false);
  auto n = static_cast<std::uint64_t>(bytes.size());
  s->async_write(
    std::move(bytes),
    asio::bind_cancellation_slot(
      op->slot(), [self = shared_from_this(), op, n](std::error_code ec) {
        self->finish(op, ec, caf::make_message(n));
      }));
}

void io_engine::start_tls(op_ticket t, connection_id c, tls_settings settings) {
  auto* s = find(c, t.reply);
  if (!s)
    return;
  auto op = begin(std::move(t), false);
  // A handshake cannot be paused: a stop (timeout, cancel) closes the
  // connection, which ends it with the stop's reason.
  op->slot().assign([stream = *s](asio::cancellation_type) mutable {
    stream.close(asio::error::operation_aborted);
  });
  s->async_start_tls(options_of(settings),
                     [self = shared_from_this(), op](std::error_code ec) {
                       self->finish(op, ec, caf::make_message());
                     });
}

void io_engine::accept(op_ticket t, listener_id l) {
  auto i = listeners_.find(l);
  if (i == listeners_.end()) {
    t.reply.deliver(make_error(errc::unknown_listener));
    return;
  }
  auto op = begin(std::move(t), false);
  std::visit(
    [&](auto& acceptor) {
      acceptor.async_accept(asio::bind_cancellation_slot(
        op->slot(), [self = shared_from_this(), op,
                     keep = i->second](std::error_code ec, auto socket) {
          if (ec)
            return self->finish(op, ec, {});
          auto id = self->adopt(io::stream{std::move(socket)});
          self->finish(op, {}, caf::make_message(id));
        }));
    },
    i->second->acceptor);
}

void io_engine::close(reply_slot reply, connection_id c) {
  auto* s = find(c, reply);
  if (!s)
    return;
  s->close();
  connections_.erase(c);
  reply.deliver(caf::make_message());
}

void io_engine::listen(reply_slot reply, const std::string& host,
                       std::uint16_t port) {
  if (auto path = unix_path_of(host))
    return listen_unix(std::move(reply), *path);
  std::error_code ec;
  auto acceptor = io::listen(ex_, host, port, ec);
  if (ec) {
    reply.deliver(to_caf_error(ec));
    return;
  }
  auto bound = acceptor.local_endpoint(ec).port();
  auto id = next_id_++;
  listeners_.emplace(
    id, std::make_shared<listener>(listener{std::move(acceptor), {}}));
  reply.deliver(caf::make_message(listener_info{id, bound}));
}

void io_engine::listen_unix(reply_slot reply, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
    ::unlink(path.c_str()); // a stale socket of an earlier run
  std::error_code ec;
  local::acceptor acceptor{ex_};
  acceptor.open(local{}, ec);
  if (!ec)
    acceptor.bind(local::endpoint{path}, ec);
  if (!ec)
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    reply.deliver(to_caf_error(ec));
    return;
  }
  auto id = next_id_++;
  listeners_.emplace(
    id, std::make_shared<listener>(listener{std::move(acceptor), path}));
  reply.deliver(caf::make_message(listener_info{id, 0}));
}

void io_engine::unlisten(reply_slot reply, listener_id l) {
  auto i = listeners_.find(l);
  if (i == listeners_.end()) {
    reply.deliver(make_error(errc::unknown_listener));
    return;
  }
  i->second->close(); // pending accepts fail: operation aborted
  listeners_.erase(i);
  reply.deliver(caf::make_message());
}

} // namespace gale::detail
