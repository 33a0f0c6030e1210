#include "gale/pipeline.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/sec.hpp>
#include <caf/stateful_actor.hpp>

#include <deque>
#include <set>
#include <unordered_map>

namespace gale::pipeline {

namespace {

using check_atom = caf::atom_constant<caf::atom("plcheck")>;
using lost_atom = caf::atom_constant<caf::atom("pllost")>;

const caf::atom_value category = caf::atom("pipeline");

} // namespace

// -- workers ------------------------------------------------------------------

void completion::operator()(caf::message output) const {
  caf::anon_send(worker_, done_atom::value, id_, std::move(output));
}

void completion::operator()(caf::error failure) const {
  caf::anon_send(worker_, done_atom::value, id_, std::move(failure));
}

stage_registry& stage_registry::add(std::string name, body b) {
  stages_[std::move(name)] = std::move(b);
  return *this;
}

const stage_registry::body*
stage_registry::find(const std::string& name) const {
  auto i = stages_.find(name);
  return i == stages_.end() ? nullptr : &i->second;
}

caf::error stage_registry::failure(std::string why) {
  return caf::error{1, category, caf::make_message(std::move(why))};
}

caf::error stage_registry::unexpected(const caf::message& m) {
  return failure("unexpected item " + caf::to_string(m));
}

namespace {

struct worker_state {
  stage_registry stages;
  std::unordered_map<std::uint64_t, caf::response_promise> pending;
  std::uint64_t next = 0;
  static inline const char* name = "gale.pipeline.worker";
};

caf::behavior worker(caf::stateful_actor<worker_state>* self,
                     stage_registry stages) {
  self->state.stages = std::move(stages);
  return {
    [=](run_atom, const std::string& stage, caf::message& item) {
      auto rp = self->make_response_promise();
      const auto* body = self->state.stages.find(stage);
      if (!body) {
        rp.deliver(stage_registry::failure("no stage named " + stage));
        return rp;
      }
      auto id = self->state.next++;
      self->state.pending.emplace(id, rp);
      (*body)(item, completion{caf::actor_cast<caf::actor>(self), id});
      return rp;
    },
    [=](done_atom, std::uint64_t id, caf::message& output) {
      if (auto i = self->state.pending.find(id);
          i != self->state.pending.end()) {
        // In an envelope: a message delivered bare would become the reply.
        i->second.deliver(done_atom::value, std::move(output));
        self->state.pending.erase(i);
      }
    },
    [=](done_atom, std::uint64_t id, caf::error& failure) {
      if (auto i = self->state.pending.find(id);
          i != self->state.pending.end()) {
        i->second.deliver(std::move(failure));
        self->state.pending.erase(i);
      }
    },
  };
}

} // namespace

caf::actor spawn_worker(caf::actor_system& sys, stage_registry stages) {
  return sys.spawn(worker, std::move(stages));
}

// -- the pipeline
// ---------------------------------------------------------------

namespace {

struct item {
  std::uint64_t seq;
  std::size_t stage = 0; ///< where it is (or waits)
  caf::message value;
  caf::actor at;             ///< the worker running it, if any
  std::uint64_t attempt = 0; ///< answers of earlier attempts are ignored
};

struct driver_state {
  config cfg;
  progress prog;
  std::unordered_map<std::uint64_t, item> items; ///< in flight
  std::vector<std::deque<std::uint64_t>> ready;  ///< waiting, per stage
  /// Live workers per stage, with the items each runs now.
  std::vector<std::map<caf::actor, std::size_t>> workers;
  /// Finished items not yet delivered (ordered mode): output, or nothing
  /// for an item that failed or was filtered.
  std::map<std::uint64_t, std::optional<caf::message>> reorder;
  std::uint64_t next_seq = 0;      ///< the next to pull
  std::uint64_t next_delivery = 0; ///< ordered mode
  bool source_dry = false;
  bool done = false;
  /// The pipeline keeps itself alive until its stream ends: a running
  /// pipeline whose handle nobody kept would otherwise become unreachable,
  /// and notices addressed to it (a worker's death) would be dropped.
  caf::actor keep_alive;
  std::optional<std::chrono::steady_clock::time_point> starved_since;
  static inline const char* name = "gale.pipeline";
};

using driver = caf::stateful_actor<driver_state>;

void pump(driver* self);

void finish(driver* self, caf::error why) {
  auto& st = self->state;
  if (st.done)
    return;
  st.done = true;
  st.prog.finished = true;
  st.keep_alive = nullptr;
  if (st.cfg.on_progress)
    st.cfg.on_progress(st.prog);
  if (st.cfg.on_done)
    st.cfg.on_done(st.prog, why);
  self->quit();
}

/// Every live worker, of any stage.
std::set<caf::actor> all_workers(driver* self) {
  std::set<caf::actor> all;
  for (auto& per_stage : self->state.workers)
    for (auto& [w, n] : per_stage)
      all.insert(w);
  return all;
}

void count_workers(driver* self) {
  self->state.prog.workers = all_workers(self).size();
}

void deliver(driver* self, std::uint64_t seq, caf::message& value) {
  auto& st = self->state;
  ++st.prog.delivered;
  if (st.cfg.sink)
    st.cfg.sink(seq, value);
}

/// An item left the stages: delivered, filtered or failed.
void retire(driver* self, std::uint64_t seq,
            std::optional<caf::message> output) {
  auto& st = self->state;
  st.items.erase(seq);
  if (!st.cfg.ordered) {
    if (output)
      deliver(self, seq, *output);
    return;
  }
  st.reorder.emplace(seq, std::move(output));
  while (!st.reorder.empty() && st.reorder.begin()->first == st.next_delivery) {
    auto node = st.reorder.extract(st.reorder.begin());
    if (node.mapped())
      deliver(self, node.key(), *node.mapped());
    ++st.next_delivery;
  }
}

void on_output(driver* self, std::uint64_t seq, std::uint64_t attempt,
               caf::message& output) {
  auto& st = self->state;
  auto i = st.items.find(seq);
  if (st.done || i == st.items.end() || i->second.attempt != attempt)
    return; // an answer from a worker given up on
  auto& it = i->second;
  auto& sp = st.prog.stages[it.stage];
  --sp.in_flight;
  if (auto w = st.workers[it.stage].find(it.at);
      w != st.workers[it.stage].end())
    --w->second;
  it.at = nullptr;
  if (output.empty()) {
    ++sp.filtered;
    retire(self, seq, std::nullopt);
  } else if (++sp.out, it.stage + 1 == st.cfg.stages.size()) {
    retire(self, seq, std::move(output));
  } else {
    it.value = std::move(output);
    ++it.stage;
    st.ready[it.stage].push_back(seq);
  }
  pump(self);
}

void on_failure(driver* self, std::uint64_t seq, std::uint64_t attempt,
                caf::error& why) {
  auto& st = self->state;
  auto i = st.items.find(seq);
  if (st.done || i == st.items.end() || i->second.attempt != attempt)
    return;
  auto& it = i->second;
  auto stage = it.stage;
  bool worker_gone =
    !st.workers[stage].count(it.at) || why == caf::sec::request_receiver_down;
  if (worker_gone) { // not the item's fault: it runs again elsewhere
    st.workers[stage].erase(it.at);
    --st.prog.stages[stage].in_flight;
    ++st.prog.stages[stage].retried;
    ++it.attempt;
    it.at = nullptr;
    st.ready[stage].push_front(seq);
    count_workers(self);
    return pump(self);
  }
  auto& sp = st.prog.stages[stage];
  --sp.in_flight;
  ++sp.failed;
  if (auto w = st.workers[stage].find(it.at); w != st.workers[stage].end())
    --w->second;
  if (st.cfg.on_error)
    st.cfg.on_error(item_error{seq, sp.name, why});
  retire(self, seq, std::nullopt);
  if (st.cfg.stop_on_error)
    return finish(self, why);
  pump(self);
}

/// A worker died: its items go back to the front of their stage's queue.
void drop_worker(driver* self, const caf::actor_addr& gone) {
  auto& st = self->state;
  for (auto& per_stage : st.workers)
    for (auto w = per_stage.begin(); w != per_stage.end();)
      w = w->first.address() == gone ? per_stage.erase(w) : std::next(w);
  for (auto& [seq, it] : st.items) {
    if (!it.at || it.at.address() != gone)
      continue;
    auto& sp = st.prog.stages[it.stage];
    --sp.in_flight;
    ++sp.retried;
    ++it.attempt;
    it.at = nullptr;
    st.ready[it.stage].push_front(seq);
  }
  count_workers(self);
}

/// The live worker of `stage` with the fewest items, if one has room.
std::optional<caf::actor> pick(driver* self, std::size_t stage) {
  auto& st = self->state;
  std::optional<caf::actor> best;
  std::size_t least = st.cfg.stages[stage].parallelism;
  for (auto& [w, n] : st.workers[stage])
    if (n < least) {
      least = n;
      best = w;
    }
  return best;
}

void dispatch(driver* self, std::size_t stage, caf::actor w,
              std::uint64_t seq) {
  auto& st = self->state;
  auto& it = st.items.at(seq);
  it.at = w;
  ++st.workers[stage][w];
  auto& sp = st.prog.stages[stage];
  ++sp.in;
  ++sp.in_flight;
  auto attempt = it.attempt;
  self
    ->request(w, caf::infinite, run_atom::value, st.cfg.stages[stage].name,
              it.value)
    .then(
      [=](done_atom, caf::message& out) { on_output(self, seq, attempt, out); },
      [=](caf::error& why) { on_failure(self, seq, attempt, why); });
}

void pump(driver* self) {
  auto& st = self->state;
  if (st.done)
    return;
  // Later stages first: finishing items frees room for new ones.
  for (auto stage = st.ready.size(); stage-- > 0;) {
    auto& queue = st.ready[stage];
    while (!queue.empty()) {
      auto w = pick(self, stage);
      if (!w)
        break;
      auto seq = queue.front();
      queue.pop_front();
      dispatch(self, stage, *w, seq);
    }
  }
  while (st.items.size() + st.reorder.size() < st.cfg.max_in_flight) {
    auto next = st.cfg.pull ? st.cfg.pull() : std::nullopt;
    if (!next) {
      st.source_dry = true;
      break;
    }
    st.source_dry = false;
    auto seq = st.next_seq++;
    ++st.prog.pulled;
    if (st.cfg.stages.empty()) {
      retire(self, seq, std::move(*next));
      continue;
    }
    st.items.emplace(seq, item{seq, 0, std::move(*next), nullptr, 0});
    if (auto w = pick(self, 0))
      dispatch(self, 0, *w, seq);
    else
      st.ready[0].push_back(seq);
  }
  if (st.cfg.on_progress)
    st.cfg.on_progress(st.prog);
  if (st.source_dry && st.items.empty() && st.reorder.empty())
    return finish(self, caf::error{});
  // A stage with work and no worker at all: wait for one to join.
  bool starved = false;
  for (std::size_t s = 0; s < st.ready.size(); ++s)
    starved |= !st.ready[s].empty() && st.workers[s].empty();
  if (!starved) {
    st.starved_since.reset();
  } else if (!st.starved_since) {
    st.starved_since = std::chrono::steady_clock::now();
    self->delayed_send(self, st.cfg.worker_wait, check_atom::value);
  }
}

/// Tells the pipeline when worker `w` terminates (a remote one: when its
/// process or the connection to it dies), as the requester watches
/// receivers.
void watch(driver* self, const caf::actor& w) {
  auto me = self->address();
  auto addr = w.address();
  w->attach_functor([me, addr] {
    if (auto pipeline = caf::actor_cast<caf::actor>(me))
      caf::anon_send(pipeline, lost_atom::value, addr);
  });
}

caf::behavior run(driver* self, config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.keep_alive = caf::actor_cast<caf::actor>(self);
  st.ready.resize(st.cfg.stages.size());
  st.workers.resize(st.cfg.stages.size());
  for (std::size_t s = 0; s < st.cfg.stages.size(); ++s) {
    st.prog.stages.push_back(stage_progress{st.cfg.stages[s].name});
    if (st.cfg.stages[s].parallelism == 0)
      st.cfg.stages[s].parallelism = 1;
    for (auto& w : st.cfg.stages[s].workers)
      st.workers[s].emplace(w, 0);
  }
  if (st.cfg.max_in_flight == 0)
    st.cfg.max_in_flight = 1;
  count_workers(self);
  // Watch the workers, and start, in the actor's context.
  self->send(self, join_atom::value);
  return {
    [=](join_atom) {
      for (auto& w : all_workers(self))
        watch(self, w);
      pump(self);
    },
    [=](lost_atom, const caf::actor_addr& gone) {
      drop_worker(self, gone);
      pump(self);
    },
    [=](check_atom) {
      auto& st = self->state;
      if (st.starved_since
          && std::chrono::steady_clock::now() - *st.starved_since
               >= st.cfg.worker_wait) {
        std::string stages;
        for (std::size_t s = 0; s < st.ready.size(); ++s)
          if (!st.ready[s].empty() && st.workers[s].empty())
            stages += (stages.empty() ? "" : ", ") + st.cfg.stages[s].name;
        return finish(self,
                      stage_registry::failure("no worker left for " + stages));
      }
      pump(self);
    },
    [=](join_atom, caf::actor w, const std::vector<std::string>& stages) {
      auto& st = self->state;
      bool added = false;
      for (std::size_t s = 0; s < st.cfg.stages.size(); ++s)
        if (std::find(stages.begin(), stages.end(), st.cfg.stages[s].name)
              != stages.end()
            && st.workers[s].emplace(w, 0).second)
          added = true;
      if (added)
        watch(self, w);
      count_workers(self);
      pump(self);
    },
    [=](progress_atom) { return self->state.prog; },
  };
}

} // namespace

caf::actor spawn(caf::actor_system& sys, config cfg) {
  return sys.spawn(run, std::move(cfg));
}

} // namespace gale::pipeline
