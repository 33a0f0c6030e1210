#pragma once

#include "gale/actor_coroutine.hpp"
#include "gale/future.hpp"

#include <asio/cancellation_type.hpp>

#include <caf/error.hpp>

#include <coroutine>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <ranges>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

/// Several asks at once inside an actor coroutine: Tornado's gen.multi
/// over requests. `co_await gale::when_all(asks)` sends every request at
/// once and resumes inside the actor when all are answered, as a response
/// counter written by hand would, but in one line:
///
///     auto sums = co_await gale::when_all(
///       items | std::views::transform([&](int x) {
///         return gale::ask<int>(self, worker, 1s, add_atom_v, x, 1);
///       }));
namespace gale {

namespace detail {

template <class A>
struct is_ask : std::false_type {};
template <class R, class Self, class Handle, class... Ts>
struct is_ask<ask_awaiter<R, Self, Handle, Ts...>> : std::true_type {};

template <class A>
concept an_ask = is_ask<std::remove_cvref_t<A>>::value;

template <class A>
using ask_result_t = typename std::remove_cvref_t<A>::result_type;

/// One request's answer, once it came.
template <class R>
struct ask_outcome {
  std::optional<stored_t<R>> value;
  caf::error err;

  /// A ready future of it, for the settled forms.
  future<R> as_future() {
    promise<R> p;
    if (err)
      p.set_exception(ask_failure<R>(err));
    else if constexpr (std::is_void_v<R>)
      p.set_result();
    else
      p.set_result(std::move(*value));
    return p.get_future();
  }
};

/// What the requests of one `when_all` share; touched on the actor's
/// thread only (every answer runs there). Its answers' handlers own it,
/// and it owns the suspended frame: if the actor dies before the last
/// answer, the frame goes with the handlers.
template <class Outcomes>
struct fan_state {
  frame_owner owner;
  Outcomes outcomes;
  std::size_t remaining;
  std::exception_ptr first_failure; // what the coroutine throws, unless settled

  fan_state(std::coroutine_handle<> h, Outcomes o, std::size_t n)
    : owner(h), outcomes(std::move(o)), remaining(n) {}

  void arrived() {
    if (--remaining == 0)
      owner.resume();
  }
};

/// Sends `ask` and records its answer in `slot`. Unless `Settled`, the
/// first error resumes the coroutine at once; later answers are kept but
/// change nothing. An ask made with a cancellation slot
/// (`ask_with_cancellation`) that is cancelled counts as failed with
/// `errc::cancelled`, and its reply, if one still comes, is dropped.
template <bool Settled, class Ask, class State, class Slot>
void send_one(Ask& ask, const std::shared_ptr<State>& st, Slot* slot) {
  using R = ask_result_t<Ask>;
  auto answered = [slot] { return slot->value || slot->err; };
  auto on_error = [st, slot, answered](caf::error& err) {
    if (answered())
      return; // cancelled before
    if (!Settled && !st->first_failure) {
      st->first_failure = ask_failure<R>(err);
      st->owner.resume();
    }
    slot->err = std::move(err);
    st->arrived();
  };
  if constexpr (std::is_void_v<R>)
    ask.send(
      [st, slot, answered] {
        if (answered())
          return;
        slot->value.emplace();
        st->arrived();
      },
      on_error);
  else
    ask.send(
      [st, slot, answered](R& v) {
        if (answered())
          return;
        slot->value.emplace(std::move(v));
        st->arrived();
      },
      on_error);
  if (ask.slot.is_connected())
    ask.slot.assign([on_error](asio::cancellation_type) {
      auto cancelled = make_error(errc::cancelled);
      on_error(cancelled);
    });
}

/// The awaitable of `when_all(range of asks)`.
template <bool Settled, class Ask>
class asks_awaiter {
public:
  using R = ask_result_t<Ask>;
  using outcomes = std::vector<ask_outcome<R>>;

  explicit asks_awaiter(std::vector<Ask> asks) : asks_(std::move(asks)) {}

  bool await_ready() const noexcept { return asks_.empty(); }

  void await_suspend(std::coroutine_handle<> h) {
    auto st = std::make_shared<fan_state<outcomes>>(h, outcomes(asks_.size()),
                                                    asks_.size());
    st_ = st.get(); // alive while the coroutine waits: its handlers own it
    // The outcomes are never resized: pointers into them stay valid.
    for (std::size_t i = 0; i < asks_.size(); ++i)
      send_one<Settled>(asks_[i], st, &st->outcomes[i]);
  }

  auto await_resume() {
    outcomes none;
    auto& outs = st_ ? st_->outcomes : none;
    if constexpr (Settled) {
      std::vector<future<R>> all;
      all.reserve(outs.size());
      for (auto& o : outs)
        all.push_back(o.as_future());
      return all;
    } else {
      if (st_ && st_->first_failure)
        std::rethrow_exception(st_->first_failure);
      if constexpr (!std::is_void_v<R>) {
        std::vector<R> all;
        all.reserve(outs.size());
        for (auto& o : outs)
          all.push_back(std::move(*o.value));
        return all;
      }
    }
  }

private:
  std::vector<Ask> asks_;
  fan_state<outcomes>* st_ = nullptr;
};

/// The awaitable of `when_all(ask, ask, ...)` of different types.
template <bool Settled, class... Asks>
class ask_tuple_awaiter {
public:
  using outcomes = std::tuple<ask_outcome<ask_result_t<Asks>>...>;

  explicit ask_tuple_awaiter(Asks... asks) : asks_(std::move(asks)...) {}

  bool await_ready() const noexcept { return false; }

  void await_suspend(std::coroutine_handle<> h) {
    auto st =
      std::make_shared<fan_state<outcomes>>(h, outcomes{}, sizeof...(Asks));
    st_ = st.get();
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (send_one<Settled>(std::get<I>(asks_), st, &std::get<I>(st->outcomes)),
       ...);
    }
    (std::index_sequence_for<Asks...>{});
  }

  auto await_resume() {
    auto& outs = st_->outcomes;
    if constexpr (Settled) {
      return std::apply([](auto&... o) { return std::tuple{o.as_future()...}; },
                        outs);
    } else {
      if (st_->first_failure)
        std::rethrow_exception(st_->first_failure);
      return std::apply(
        [](auto&... o) { return std::tuple{std::move(*o.value)...}; }, outs);
    }
  }

private:
  std::tuple<Asks...> asks_;
  fan_state<outcomes>* st_ = nullptr;
};

template <class Range>
concept ask_range =
  std::ranges::input_range<Range> && an_ask<std::ranges::range_value_t<Range>>;

/// The asks of `asks` as a vector: a vector given as an rvalue is taken
/// over, the elements of anything else copied (an lvalue) or moved (a
/// view's prvalues).
template <class Range>
auto collect_asks(Range&& asks) {
  using ask = std::ranges::range_value_t<Range>;
  if constexpr (std::is_same_v<
                  std::remove_cvref_t<Range>,
                  std::vector<ask>> && !std::is_lvalue_reference_v<Range>) {
    return std::vector<ask>(std::move(asks));
  } else {
    std::vector<ask> all;
    for (auto&& a : asks)
      all.push_back(std::forward<decltype(a)>(a));
    return all;
  }
}

} // namespace detail

/// Awaitable in an actor coroutine: sends every request of `asks` (a
/// vector or any range of `gale::ask<R>(...)` or
/// `gale::ask_with_cancellation<R>(...)`; a vector given by name is
/// copied, and may be awaited again) at once and resumes inside
/// the actor with every reply, in the order of `asks` (a
/// `std::vector<R>`; nothing for `R = void`). The first error resumes it
/// at once with that error thrown, as `ask` throws it; the replies still
/// due are dropped when they come. An empty range resumes at once.
template <class Range>
requires detail::ask_range<Range>
auto when_all(Range&& asks) {
  return detail::asks_awaiter<false, std::ranges::range_value_t<Range>>{
    detail::collect_asks(std::forward<Range>(asks))};
}

/// As above, waiting for every reply and never throwing: a vector of
/// ready `gale::future<R>`, each the reply or its error (Tornado's multi
/// with quiet_exceptions).
template <class Range>
requires detail::ask_range<Range>
auto when_all_settled(Range&& asks) {
  return detail::asks_awaiter<true, std::ranges::range_value_t<Range>>{
    detail::collect_asks(std::forward<Range>(asks))};
}

/// Asks of different reply types: `auto [n, s] = co_await
/// gale::when_all(gale::ask<int>(...), gale::ask<std::string>(...))`, a
/// `std::tuple` (`std::monostate` for a `void` reply); the first error
/// throws, as above.
template <class... Asks>
requires(sizeof...(Asks) > 0
         && (detail::an_ask<Asks> && ...)) auto when_all(Asks... asks) {
  return detail::ask_tuple_awaiter<false, Asks...>{std::move(asks)...};
}

/// Asks of different reply types, every outcome: a tuple of ready futures.
template <class... Asks>
requires(sizeof...(Asks) > 0
         && (detail::an_ask<Asks> && ...)) auto when_all_settled(Asks... asks) {
  return detail::ask_tuple_awaiter<true, Asks...>{std::move(asks)...};
}

} // namespace gale
