// Must not compile: a bare `co_await` of a gale::future would resume the
// coroutine on whichever thread sets the result (in an actor coroutine,
// outside the actor). The test building this expects the static_assert's
// message, which names the two ways that do work.
#include "gale/actor_coroutine.hpp"
#include "gale/future.hpp"

gale::actor_task await_bare(gale::future<int> f) {
  int value = co_await f;
  (void)value;
}
