#include "gale/io_actor.hpp"

#include "gale/detail/local_http_client.hpp"
#include "gale/error.hpp"
#include "io_engine.hpp"

#include <gale/io/loop.hpp>
#include <gale/io/signals.hpp>

#include <caf/actor_system.hpp>
#include <caf/make_message.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace gale {

namespace {

struct io_actor_state {
  // Declared first, destroyed last: the engine's sockets and the handlers
  // pending on the loop must go while its io_context still exists.
  io::loop loop;
  std::shared_ptr<detail::io_engine> engine;
  std::unique_ptr<io::signal_registry> signals;
  // Made with the state, before spawn returns, so that other threads may
  // read the pointer without racing the actor's initialization.
  const std::shared_ptr<detail::local_http_client> local_http =
    std::make_shared<detail::local_http_client>();

  static inline const char* name = "gale.io_actor";

  ~io_actor_state() {
    {
      // No direct fetch starts once the loop begins to go away.
      std::unique_lock lock{local_http->mutex};
      local_http->client = nullptr;
    }
    // The loop thread is gone after stop(): the engine may be touched here.
    loop.stop();
    if (engine)
      engine->shutdown();
    signals.reset();
    engine.reset();
  }
};

using self_pointer = io_actor::stateful_pointer<io_actor_state>;

/// Starts a loop-side operation for the current request: the reply comes
/// from the loop thread through a reply slot, never from this actor.
template <class F>
void start(self_pointer self, op_id id, caf::timespan timeout, F&& run) {
  detail::op_ticket ticket{
    caf::actor_cast<caf::actor_addr>(self->current_sender()), id, timeout,
    detail::reply_slot::for_current_message(self)};
  self->state.loop.post([engine = self->state.engine,
                         ticket = std::move(ticket),
                         run = std::forward<F>(run)]() mutable {
    run(*engine, std::move(ticket));
  });
}

template <class F>
void start_simple(self_pointer self, F&& run) {
  self->state.loop.post(
    [engine = self->state.engine,
     reply = detail::reply_slot::for_current_message(self),
     run = std::forward<F>(run)]() mutable { run(*engine, std::move(reply)); });
}

/// Registers `cb` and answers the current request with its id once the
/// registration is active on the loop, so that a signal raised right after
/// the reply is not missed.
caf::result<signal_subscription> watch_signal(self_pointer self, int number,
                                              signal_callback cb) {
  auto reply = std::make_shared<detail::reply_slot>(
    detail::reply_slot::for_current_message(self));
  try {
    self->state.signals->on(number, std::move(cb),
                            [reply](signal_subscription id) {
                              reply->deliver(caf::make_message(id));
                            });
  } catch (const std::invalid_argument& e) {
    reply->deliver(make_error(errc::invalid_argument, e.what()));
  }
  return caf::delegated<signal_subscription>{};
}

io_actor::behavior_type io_actor_impl(self_pointer self,
                                      io::http_client_options http_options) {
  auto& st = self->state;
  st.loop.start();
  st.engine =
    std::make_shared<detail::io_engine>(st.loop.executor(), http_options);
  st.signals = std::make_unique<io::signal_registry>(st.loop.executor());
  {
    std::unique_lock lock{st.local_http->mutex};
    st.local_http->client = &st.engine->http();
  }
  return {
    [](ping_atom) { return pong_atom_v; },
    [self](sleep_atom, op_id id,
           caf::timespan duration) -> caf::delegated<void> {
      start(self, id, caf::timespan::zero(),
            [duration](auto& e, auto t) { e.sleep(std::move(t), duration); });
      return {};
    },
    [self](resolve_atom, op_id id, caf::timespan timeout, std::string& host,
           std::string& service) -> caf::delegated<std::vector<std::string>> {
      start(
        self, id, timeout,
        [h = std::move(host), s = std::move(service)](auto& e, auto t) mutable {
          e.resolve(std::move(t), std::move(h), std::move(s));
        });
      return {};
    },
    [self](connect_atom, op_id id, caf::timespan timeout, std::string& host,
           std::string& service) -> caf::delegated<connection_id> {
      start(
        self, id, timeout,
        [h = std::move(host), s = std::move(service)](auto& e, auto t) mutable {
          e.connect(std::move(t), std::move(h), std::move(s));
        });
      return {};
    },
    [self](read_atom, op_id id, caf::timespan timeout, connection_id c,
           std::uint32_t max) -> caf::delegated<std::string> {
      start(self, id, timeout,
            [c, max](auto& e, auto t) { e.read(std::move(t), c, max); });
      return {};
    },
    [self](read_until_atom, op_id id, caf::timespan timeout, connection_id c,
           std::string& delimiter,
           std::uint32_t max) -> caf::delegated<std::string> {
      start(self, id, timeout,
            [c, d = std::move(delimiter), max](auto& e, auto t) mutable {
              e.read_until(std::move(t), c, std::move(d), max);
            });
      return {};
    },
    [self](write_atom, op_id id, caf::timespan timeout, connection_id c,
           std::string& bytes) -> caf::delegated<std::uint64_t> {
      start(self, id, timeout,
            [c, b = std::move(bytes)](auto& e, auto t) mutable {
              e.write(std::move(t), c, std::move(b));
            });
      return {};
    },
    [self](close_atom, connection_id c) -> caf::delegated<void> {
      start_simple(self, [c](auto& e, auto r) { e.close(std::move(r), c); });
      return {};
    },
    [self](listen_atom, std::string& host,
           std::uint16_t port) -> caf::delegated<listener_info> {
      start_simple(self, [h = std::move(host), port](auto& e, auto r) {
        e.listen(std::move(r), h, port);
      });
      return {};
    },
    [self](unlisten_atom, listener_id l) -> caf::delegated<void> {
      start_simple(self, [l](auto& e, auto r) { e.unlisten(std::move(r), l); });
      return {};
    },
    [self](accept_atom, op_id id, caf::timespan timeout,
           listener_id l) -> caf::delegated<connection_id> {
      start(self, id, timeout,
            [l](auto& e, auto t) { e.accept(std::move(t), l); });
      return {};
    },
    [self](start_tls_atom, op_id id, caf::timespan timeout, connection_id c,
           tls_settings& settings) -> caf::delegated<void> {
      start(self, id, timeout,
            [c, s = std::move(settings)](auto& e, auto t) mutable {
              e.start_tls(std::move(t), c, std::move(s));
            });
      return {};
    },
    [self](cancel_atom, op_id id) {
      self->state.loop.post(
        [engine = self->state.engine,
         requester = caf::actor_cast<caf::actor_addr>(self->current_sender()),
         id] { engine->cancel(requester, id); });
    },
    [self](signal_atom, int number,
           caf::actor& subscriber) -> caf::result<signal_subscription> {
      // anon_send is the loop thread's safe way into the actor world.
      return watch_signal(self, number, [subscriber](int n) {
        caf::anon_send(subscriber, signal_atom_v, n);
      });
    },
    [self](signal_atom, int number,
           signal_callback& cb) -> caf::result<signal_subscription> {
      return watch_signal(self, number, std::move(cb));
    },
    [self](unsignal_atom, signal_subscription id) {
      self->state.signals->remove(id);
    },
    [self](serve_atom, io::http_server_options& options,
           io::http_handler& handler) -> caf::delegated<listener_info> {
      start_simple(self, [o = std::move(options),
                          h = std::move(handler)](auto& e, auto r) mutable {
        e.serve(std::move(r), std::move(o), std::move(h));
      });
      return {};
    },
    [self](unserve_atom, listener_id id,
           caf::timespan grace) -> caf::delegated<void> {
      start_simple(self, [id, grace](auto& e, auto r) {
        e.unserve(std::move(r), id, grace);
      });
      return {};
    },
    [self](fetch_atom, op_id id,
           io::http_request& req) -> caf::delegated<http::response> {
      // The request carries its own timeouts, enforced by the client.
      start(self, id, caf::timespan::zero(),
            [r = std::move(req)](auto& e, auto t) mutable {
              e.fetch(std::move(t), std::move(r));
            });
      return {};
    },
  };
}

} // namespace

namespace detail {

std::shared_ptr<local_http_client>
local_http_client_of(const http_client_actor& actor) {
  using io_actor_type = std::remove_pointer_t<self_pointer>;
  auto* ptr = caf::actor_cast<caf::abstract_actor*>(actor);
  if (auto* self = dynamic_cast<io_actor_type*>(ptr))
    return self->state.local_http;
  return nullptr; // a remote actor (a proxy), or another implementation
}

} // namespace detail

io_actor spawn_io_actor(caf::actor_system& sys) {
  return sys.spawn(io_actor_impl, io::http_client_options{});
}

io_actor spawn_io_actor(caf::actor_system& sys,
                        io::http_client_options http_options) {
  return sys.spawn(io_actor_impl, http_options);
}

} // namespace gale
