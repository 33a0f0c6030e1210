#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/message.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/response_promise.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

/// Pipelines: a source, stages that run on worker actors (local or in other
/// processes, reached through CAF's middleman), and a sink, with bounded
/// work in flight everywhere. See docs/pipelines.md.
namespace gale::pipeline {

/// A worker's message: `(run_atom, stage name, item)`; the answer is
/// `(done_atom, output)` (an empty output: the item is filtered out) or an
/// error.
using run_atom = caf::atom_constant<caf::atom("plrun")>;
/// A worker's answer, and an asynchronous stage finishing an item.
using done_atom = caf::atom_constant<caf::atom("pldone")>;
/// To a running pipeline: `(join_atom, worker, stage names)` adds a worker.
using join_atom = caf::atom_constant<caf::atom("pljoin")>;
/// To a running pipeline: answers with the current `progress`.
using progress_atom = caf::atom_constant<caf::atom("plprogress")>;

/// Ends an asynchronous stage's work on one item, from any thread, once.
class completion {
public:
  completion(caf::actor worker, std::uint64_t id)
    : worker_(std::move(worker)), id_(id) {}
  void operator()(caf::message output) const;
  void operator()(caf::error failure) const;

private:
  caf::actor worker_;
  std::uint64_t id_;
};

/// The stages one worker actor can run, by name.
class stage_registry {
public:
  using body = std::function<void(caf::message&, completion)>;

  /// A stage from `Out f(In)`; an exception from `f` is that item's error.
  template <class In, class F>
  stage_registry& map(std::string name, F f) {
    return add(std::move(name), [f](caf::message& m, completion done) {
      using out = std::invoke_result_t<F, In&>;
      if (!m.match_elements<In>())
        return done(unexpected(m));
      try {
        done(caf::make_message(out{f(m.get_mutable_as<In>(0))}));
      } catch (const std::exception& e) {
        done(failure(e.what()));
      }
    });
  }

  /// A stage that passes the items for which `keep(item)` is true.
  template <class T, class P>
  stage_registry& filter(std::string name, P keep) {
    return add(std::move(name), [keep](caf::message& m, completion done) {
      if (!m.match_elements<T>())
        return done(unexpected(m));
      done(keep(m.get_as<T>(0)) ? m : caf::message{});
    });
  }

  /// A stage that waits (on the network, say): `f(In, completion)` starts
  /// the work and calls the completion, from any thread, with a message
  /// holding the output (`caf::make_message(out)`) or a `caf::error`.
  template <class In, class F>
  stage_registry& async_map(std::string name, F f) {
    return add(std::move(name), [f](caf::message& m, completion done) {
      if (!m.match_elements<In>())
        return done(unexpected(m));
      f(std::move(m.get_mutable_as<In>(0)), std::move(done));
    });
  }

  stage_registry& add(std::string name, body b);
  const body* find(const std::string& name) const;

  /// An item's error with a text (category "gale.pipeline").
  static caf::error failure(std::string why);

private:
  static caf::error unexpected(const caf::message& m);
  std::map<std::string, body> stages_;
};

/// An actor that runs the registry's stages on request; publish it with
/// the middleman to serve a pipeline in another process.
caf::actor spawn_worker(caf::actor_system& sys, stage_registry stages);

/// Counts for one stage.
struct stage_progress {
  std::string name;
  std::uint64_t in = 0;       ///< items handed to the stage
  std::uint64_t out = 0;      ///< items it passed on
  std::uint64_t filtered = 0; ///< items it dropped on purpose
  std::uint64_t failed = 0;   ///< items it failed
  std::uint64_t retried = 0;  ///< items sent again after a worker died
  std::size_t in_flight = 0;  ///< items it holds now
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stage_progress& x) {
  return f(caf::meta::type_name("gale::pipeline::stage_progress"), x.name, x.in,
           x.out, x.filtered, x.failed, x.retried, x.in_flight);
}

/// A pipeline's counts, as `on_progress` and `on_done` get them and as
/// `(progress_atom)` answers them (also to an observer in another process).
struct progress {
  std::uint64_t pulled = 0;    ///< items taken from the source
  std::uint64_t delivered = 0; ///< items the sink got
  std::size_t workers = 0;     ///< live workers
  std::vector<stage_progress> stages;
  bool finished = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, progress& x) {
  return f(caf::meta::type_name("gale::pipeline::progress"), x.pulled,
           x.delivered, x.workers, x.stages, x.finished);
}

/// An item that failed: which one (its number from the source, from 0),
/// in which stage, why.
struct item_error {
  std::uint64_t item;
  std::string stage;
  caf::error why;
};

struct stage_spec {
  std::string name;
  /// Items this stage may have in flight on each of its workers.
  std::size_t parallelism = 8;
  /// The actors that run it (see `spawn_worker`); more may join later.
  std::vector<caf::actor> workers;
};

struct config {
  std::vector<stage_spec> stages;
  /// The source, asked for the next item whenever there is room. Nothing
  /// means "nothing now": the pipeline ends when the source has nothing
  /// and no item is in flight (so a sink may feed the source, as a crawl
  /// does with the links it finds).
  std::function<std::optional<caf::message>()> pull;
  /// The sink, in the pipeline actor (one item at a time): the item's
  /// number and the last stage's output.
  std::function<void(std::uint64_t, caf::message&)> sink;
  std::function<void(const item_error&)> on_error;
  /// After every change; cheap to ignore.
  std::function<void(const progress&)> on_progress;
  /// When the pipeline ends: its final progress, or why it stopped early
  /// (an item failed with `stop_on_error`, or a stage had no worker for
  /// `worker_wait`).
  std::function<void(const progress&, const caf::error&)> on_done;
  /// Items between the source and the sink at most: a slow stage or sink
  /// makes the source wait instead of letting queues grow.
  std::size_t max_in_flight = 256;
  /// Deliver to the sink in the source's order (a reorder buffer, within
  /// `max_in_flight`); otherwise as items finish.
  bool ordered = false;
  bool stop_on_error = false;
  /// How long a stage may be without any live worker before the pipeline
  /// gives up (workers may still join meanwhile).
  std::chrono::milliseconds worker_wait{10'000};
};

/// Starts a pipeline; it runs until the end of the stream, then calls
/// `on_done` and quits. The callbacks run in the pipeline's actor, one at a
/// time. Workers that die (a process killed, a network cut) are dropped
/// and their items in flight handed to the remaining workers: each item
/// reaches the sink at most once.
caf::actor spawn(caf::actor_system& sys, config cfg);

} // namespace gale::pipeline
