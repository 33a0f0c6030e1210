#include "gale/requester.hpp"

#include <caf/actor_clock.hpp>
#include <caf/actor_system.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/make_actor.hpp>
#include <caf/message_id.hpp>
#include <caf/monitorable_actor.hpp>

#include "gale/detail/spin_mutex.hpp"

#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace gale::detail {

/// Keeps the pending requests of one `requester`, keyed by request id.
///
/// Theory of operation: `send` registers a handler, then enqueues the request
/// into the receiver's mailbox with the reply sink as sender. Whoever removes
/// an entry from `pending_` first (the reply, CAF's timeout, the receiver's
/// death, `cancel`, `close`) calls its handler, outside the lock; the others
/// find nothing. So every request completes exactly once.
class requester_core : public std::enable_shared_from_this<requester_core> {
public:
  explicit requester_core(caf::actor_system& sys) : sys_(sys) {}

  void init();
  std::uint64_t send(caf::strong_actor_ptr dest, timeout t, caf::message msg,
                     reply_handler handler);
  void tell(const caf::strong_actor_ptr& dest, caf::message msg);
  bool cancel(std::uint64_t id);
  void on_message(caf::mailbox_element_ptr ptr);
  void on_down(caf::actor_id dead);
  void close();

  caf::actor_system& system() const noexcept { return sys_; }
  std::uint64_t next_op_id() noexcept { return next_op_id_++; }

private:
  struct entry {
    reply_handler handler;
    caf::actor_id receiver;
    bool has_timeout;
  };

  /// Removes entry `id`; empty when it already completed.
  std::optional<entry> take(std::uint64_t id);

  caf::actor_system& sys_;
  caf::strong_actor_ptr sink_;
  spin_mutex mutex_; // held for a map insert or erase only
  std::unordered_map<std::uint64_t, entry> pending_;
  std::unordered_set<caf::actor_id> watched_; // receivers we get down news of
  bool closed_ = false;
  std::atomic<std::uint64_t> next_request_id_{1};
  std::atomic<std::uint64_t> next_op_id_{1};
};

namespace {

/// The requester's address in the actor world: a minimal actor without a
/// mailbox or a thread, which hands every message it receives to the core
/// on the sender's thread.
class reply_sink final : public caf::monitorable_actor {
public:
  reply_sink(caf::actor_config& cfg, std::weak_ptr<requester_core> core)
    : caf::monitorable_actor(cfg), core_(std::move(core)) {}

  void enqueue(caf::mailbox_element_ptr ptr, caf::execution_unit*) override {
    if (auto core = core_.lock())
      core->on_message(std::move(ptr));
  }

  const char* name() const override { return "gale.requester"; }

private:
  std::weak_ptr<requester_core> core_;
};

} // namespace

void requester_core::init() {
  caf::actor_config cfg;
  sink_ = caf::make_actor<reply_sink, caf::strong_actor_ptr>(
    sys_.next_actor_id(), sys_.node(), &sys_, cfg, weak_from_this());
}

std::uint64_t requester_core::send(caf::strong_actor_ptr dest, timeout t,
                                   caf::message msg, reply_handler handler) {
  auto id = next_request_id_++;
  if (!dest) {
    handler(make_error(errc::invalid_handle), caf::message{});
    return id;
  }
  auto mid = caf::make_message_id(id);
  bool registered = false;
  bool watch = false;
  {
    std::lock_guard guard{mutex_};
    if (!closed_) {
      pending_.emplace(id,
                       entry{std::move(handler), dest->id(), !t.infinite()});
      watch = watched_.insert(dest->id()).second;
      registered = true;
    }
  }
  if (!registered) { // the requester is closing; answer outside the lock
    handler(make_error(errc::cancelled), caf::message{});
    return id;
  }
  if (watch) {
    // Called at once when the receiver is already dead.
    dest->get()->attach_functor(
      [weak = weak_from_this(), aid = dest->id()](const caf::error&) {
        if (auto core = weak.lock())
          core->on_down(aid);
      });
  }
  if (!t.infinite())
    sys_.clock().set_request_timeout(sys_.clock().now() + t.value(),
                                     sink_->get(), mid.response_id());
  dest->enqueue(caf::make_mailbox_element(sink_, mid, {}, std::move(msg)),
                nullptr);
  return id;
}

void requester_core::tell(const caf::strong_actor_ptr& dest, caf::message msg) {
  if (dest)
    dest->enqueue(caf::make_mailbox_element(sink_, caf::make_message_id(), {},
                                            std::move(msg)),
                  nullptr);
}

std::optional<requester_core::entry> requester_core::take(std::uint64_t id) {
  std::lock_guard guard{mutex_};
  auto i = pending_.find(id);
  if (i == pending_.end())
    return std::nullopt;
  auto result = std::move(i->second);
  pending_.erase(i);
  return result;
}

bool requester_core::cancel(std::uint64_t id) {
  auto e = take(id);
  if (!e)
    return false;
  if (e->has_timeout)
    sys_.clock().cancel_request_timeout(sink_->get(),
                                        caf::make_message_id(id).response_id());
  e->handler(make_error(errc::cancelled), caf::message{});
  return true;
}

void requester_core::on_message(caf::mailbox_element_ptr ptr) {
  if (!ptr->mid.is_response())
    return; // ordinary messages to a requester have no reader
  auto id = ptr->mid.request_id().integer_value();
  auto e = take(id);
  if (!e)
    return; // late: it timed out, was cancelled, or its receiver died
  if (e->has_timeout)
    sys_.clock().cancel_request_timeout(sink_->get(), ptr->mid);
  e->handler(caf::error{}, ptr->move_content_to_message());
}

void requester_core::on_down(caf::actor_id dead) {
  std::vector<entry> failed;
  {
    std::lock_guard guard{mutex_};
    watched_.erase(dead);
    for (auto i = pending_.begin(); i != pending_.end();) {
      if (i->second.receiver == dead) {
        failed.push_back(std::move(i->second));
        i = pending_.erase(i);
      } else {
        ++i;
      }
    }
  }
  // Timeouts left registered for these fire into an empty table.
  for (auto& e : failed)
    e.handler(make_error(errc::actor_down), caf::message{});
}

void requester_core::close() {
  std::unordered_map<std::uint64_t, entry> failed;
  {
    std::lock_guard guard{mutex_};
    closed_ = true;
    failed.swap(pending_);
  }
  for (auto& [id, e] : failed) {
    if (e.has_timeout)
      sys_.clock().cancel_request_timeout(
        sink_->get(), caf::make_message_id(id).response_id());
    e.handler(make_error(errc::cancelled), caf::message{});
  }
}

} // namespace gale::detail

namespace gale {

requester::requester(caf::actor_system& sys)
  : core_(std::make_shared<detail::requester_core>(sys)) {
  core_->init();
}

requester::~requester() {
  core_->close();
}

void requester::tell(const caf::strong_actor_ptr& dest, caf::message msg) {
  core_->tell(dest, std::move(msg));
}

std::uint64_t requester::send(caf::strong_actor_ptr dest, timeout t,
                              caf::message msg, detail::reply_handler handler) {
  return core_->send(std::move(dest), t, std::move(msg), std::move(handler));
}

bool requester::cancel(std::uint64_t id) {
  return core_->cancel(id);
}

void requester::cancel_in(detail::requester_core& core, std::uint64_t id) {
  core.cancel(id);
}

std::uint64_t requester::next_op_id() noexcept {
  return core_->next_op_id();
}

caf::actor_system& requester::system() const noexcept {
  return core_->system();
}

} // namespace gale
