// One I/O operation — resolving a host name on the I/O actor's loop —
// written in every style gale offers, from blocking to fully asynchronous.
// docs/async-styles.md quotes the regions between the [name] markers; a test
// checks that the quotes stay identical to this file.
//
// Usage: async_styles [HOST]   (default: localhost)
#include <gale/actor_coroutine.hpp>
#include <gale/blocking.hpp>
#include <gale/future.hpp>
#include <gale/io_client.hpp>
#include <gale/queue.hpp>
#include <gale/to_actor.hpp>
#include <gale/type_ids.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <gale/requester.hpp>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>

#include <chrono>
#include <future>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using addresses = std::vector<std::string>;

std::string show(const addresses& xs) {
  std::string out;
  for (const auto& x : xs)
    out += (out.empty() ? "" : " ") + x;
  return out;
}

// [blocking]
// Synchronous: the calling thread waits; errors are exceptions.
addresses resolve_blocking(const gale::io_client& client,
                           const std::string& host) {
  return client.resolve(host, "http", gale::use_blocking);
}
// [end]

// [callback]
// A callback: it runs on the I/O actor's loop thread, so it must not block.
void resolve_with_callback(const gale::io_client& client,
                           const std::string& host,
                           std::function<void(addresses)> on_done) {
  client.resolve(host, "http", [on_done](std::error_code ec, addresses result) {
    if (ec)
      std::cerr << "resolve failed: " << ec.message() << "\n";
    on_done(std::move(result));
  });
}
// [end]

// [future]
// A future built from another one, as the guide's async_fetch_future does.
gale::future<std::size_t> count_addresses(const gale::io_client& client,
                                          const std::string& host) {
  gale::promise<std::size_t> counted;
  auto resolving = client.resolve(host, "http", gale::use_future);
  resolving.add_done_callback([counted](gale::future<addresses> f) {
    try {
      counted.set_result(f.get().size());
    } catch (...) {
      counted.set_exception(std::current_exception());
    }
  });
  return counted.get_future();
}
// [end]

// [coroutine]
// A coroutine: reads like the blocking version, blocks no thread.
asio::awaitable<addresses> resolve_coroutine(const gale::io_client& client,
                                             std::string host) {
  addresses result = co_await client.resolve(host, "http", asio::use_awaitable);
  co_return result;
}
// [end]

// [queue]
// Deliver to a queue: results pile up until this thread drains them.
std::size_t resolve_into_queue(const gale::io_client& client,
                               const std::vector<std::string>& hosts) {
  gale::queue<gale::result<addresses>> results;
  for (const auto& host : hosts)
    client.resolve(host, "http", gale::to_queue(results));
  std::size_t ok = 0;
  for (std::size_t i = 0; i < hosts.size(); ++i)
    if (auto r = results.pop(5s); r && r->ok())
      ++ok;
  return ok;
}
// [end]

// [message]
// Messages: an actor asks the I/O actor; the reply is a message to it.
caf::behavior resolver_actor(caf::event_based_actor* self, gale::io_actor io) {
  return {
    [=](const std::string& host) -> caf::result<addresses> {
      auto rp = self->make_response_promise<addresses>();
      self
        ->request(io, 5s, gale::resolve_atom_v, gale::op_id{0},
                  caf::timespan{0}, host, std::string{"http"})
        .then(
          [rp](addresses& result) mutable { rp.deliver(std::move(result)); },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
  };
}
// [end]

// [to-actor]
// Any initiating function can answer with a message to an actor:
// (tag, value) on success, (tag, caf::error) on failure.
using resolved_atom = caf::atom_constant<caf::atom("resolved")>;

struct resolver_state {
  caf::response_promise pending; // one resolve at a time, for brevity
};

caf::behavior resolve_via_messages(caf::stateful_actor<resolver_state>* self,
                                   gale::io_client client) {
  return {
    [=](const std::string& host) {
      self->state.pending = self->make_response_promise();
      client.resolve(host, "http",
                     gale::to_actor(caf::actor_cast<caf::actor>(self),
                                    resolved_atom::value));
    },
    [=](resolved_atom, addresses& result) {
      self->state.pending.deliver(std::move(result));
    },
    [=](resolved_atom, caf::error& err) {
      self->state.pending.deliver(std::move(err));
    },
  };
}
// [end]

// [actor-coroutine]
// A coroutine inside an actor: resumes on the actor's own thread.
caf::behavior coroutine_actor(caf::event_based_actor* self, gale::io_actor io) {
  return {
    [=](const std::string& host) -> caf::result<addresses> {
      auto rp = self->make_response_promise<addresses>();
      [](caf::event_based_actor* self, gale::io_actor io, std::string host,
         caf::response_promise rp) -> gale::actor_task {
        try {
          rp.deliver(co_await gale::ask<addresses>(
            self, io, 5s, gale::resolve_atom_v, gale::op_id{0},
            caf::timespan{0}, host, std::string{"http"}));
        } catch (const gale::error& e) {
          rp.deliver(gale::make_error(gale::errc::actor_error, e.what()));
        }
      }(self, io, host, rp);
      return rp;
    },
  };
}
// [end]

// [any-actor]
// The same adapters serve a request to any actor, here one that adds.
int add_with_any_actor(caf::actor_system& sys) {
  auto adder = sys.spawn(
    []() -> caf::behavior { return {[](int x, int y) { return x + y; }}; });
  gale::requester req{sys};
  int sum = req.async_request<int>(adder, 1s, caf::make_message(1, 2),
                                   gale::use_blocking);
  caf::anon_send_exit(adder, caf::exit_reason::user_shutdown);
  return sum;
}
// [end]

int main(int argc, char** argv) {
  std::string host = argc > 1 ? argv[1] : "localhost";
  // [setup]
  caf::actor_system_config cfg;
  gale::configure(cfg); // gale's message types and errors
  caf::actor_system sys{cfg};
  auto io = gale::spawn_io_actor(sys); // one I/O actor: one loop thread
                                       // [end]
  int failures = 0;
  auto report = [&](const char* style,
                    const std::function<std::string()>& run) {
    try {
      std::cout << std::left << std::setw(16) << style << run() << std::endl;
    } catch (const std::exception& e) {
      ++failures;
      std::cout << std::left << std::setw(16) << style << "error: " << e.what()
                << std::endl;
    }
  };
  {
    gale::io_client client{sys, io};
    report("blocking", [&] { return show(resolve_blocking(client, host)); });
    report("any actor", [&] {
      return "1 + 2 = " + std::to_string(add_with_any_actor(sys));
    });
    report("callback", [&] {
      std::promise<addresses> got;
      resolve_with_callback(client, host,
                            [&](addresses xs) { got.set_value(xs); });
      return show(got.get_future().get());
    });
    report("future", [&] {
      return std::to_string(count_addresses(client, host).get(5s))
             + " address(es)";
    });
    report("coroutine", [&] {
      asio::io_context ctx;
      auto f =
        asio::co_spawn(ctx, resolve_coroutine(client, host), asio::use_future);
      ctx.run();
      return show(f.get());
    });
    report("queue", [&] {
      return std::to_string(resolve_into_queue(client, {host, host, host}))
             + " of 3 resolved";
    });
    for (auto [style, actor] :
         {std::pair{"message", sys.spawn(resolver_actor, io)},
          std::pair{"to_actor",
                    caf::actor{sys.spawn(resolve_via_messages, client)}},
          std::pair{"actor coroutine", sys.spawn(coroutine_actor, io)}}) {
      report(style, [&, actor = actor] {
        return show(client.get_requester().async_request<addresses>(
          actor, 5s, caf::make_message(host), gale::use_blocking));
      });
      caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
    }
  }
  // [teardown]
  // The I/O actor must exit before the actor system is destroyed.
  caf::anon_send_exit(io, caf::exit_reason::user_shutdown);
  // [end]
  return failures == 0 ? 0 : 1;
}
