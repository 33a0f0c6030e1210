// The other process of the middleman tests, each actor published on an
// ephemeral loopback port: an I/O actor ("port P"), a pipeline that waits
// for a worker, its first items pulled and none done ("pipeline Q"), and
// an HTTP handler actor answering "handled TARGET" ("handler R"). Serves
// until its stdin closes (the test ended or died) or it is killed.
#include "gale/io_actor.hpp"
#include "gale/pipeline.hpp"
#include "gale/type_ids.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <unistd.h>

#include <iostream>
#include <optional>

int main() {
  caf::actor_system_config cfg;
  gale::configure(cfg);
  cfg.load<caf::io::middleman>();
  cfg.set("logger.console", caf::atom("none"));
  caf::actor_system sys{cfg};
  auto io = gale::spawn_io_actor(sys);
  auto port = sys.middleman().publish(io, 0, "127.0.0.1", true);
  if (!port) {
    std::cerr << "publish: " << sys.render(port.error()) << "\n";
    return 1;
  }
  std::cout << "port " << *port << std::endl;
  gale::pipeline::config waiting;
  waiting.stages = {{"stage", 1, {}}};
  waiting.max_in_flight = 3;
  waiting.worker_wait = std::chrono::hours{1};
  waiting.pull = [n = 0]() mutable -> std::optional<caf::message> {
    return n < 10 ? std::optional{caf::make_message(n++)} : std::nullopt;
  };
  auto pipeline = gale::pipeline::spawn(sys, std::move(waiting));
  auto pipeline_port = sys.middleman().publish(pipeline, 0, "127.0.0.1", true);
  if (!pipeline_port) {
    std::cerr << "publish: " << sys.render(pipeline_port.error()) << "\n";
    return 1;
  }
  std::cout << "pipeline " << *pipeline_port << std::endl;
  auto handler = sys.spawn([] {
    return caf::behavior{[](gale::http::request& req) {
      gale::http::response res;
      res.status = 200;
      res.headers.set("Content-Type", "text/plain");
      res.body = "handled " + req.target;
      return res;
    }};
  });
  auto handler_port = sys.middleman().publish(handler, 0, "127.0.0.1", true);
  if (!handler_port) {
    std::cerr << "publish: " << sys.render(handler_port.error()) << "\n";
    return 1;
  }
  std::cout << "handler " << *handler_port << std::endl;
  char byte;
  while (read(STDIN_FILENO, &byte, 1) > 0) {
  }
  caf::anon_send_exit(handler, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(pipeline, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(io, caf::exit_reason::user_shutdown);
  return 0;
}
