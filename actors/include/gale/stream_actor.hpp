#pragma once

#include <gale/io/stream.hpp>
#include <gale/io/tcp_server.hpp>

#include <caf/actor_system.hpp>

#include <utility>

namespace gale {

/// A `tcp_server` handler that spawns an actor for each connection:
/// `sys.spawn(fn, stream)`, so `fn` is any function-based actor taking the
/// stream as its argument, e.g.
/// `caf::behavior session(caf::event_based_actor* self, io::stream s)`.
///
/// The actor starts operations on the stream with `gale::to_actor(self,
/// tag)` and gets their outcomes as messages, `(tag, value)` or `(tag,
/// caf::error)`; the connection lives as long as some copy of the stream
/// does, so an actor that keeps it in its state closes it by quitting.
/// Local only: a stream cannot cross a process boundary.
template <class Fn>
io::stream_handler actor_per_stream(caf::actor_system& sys, Fn fn) {
  return
    [&sys, fn = std::move(fn)](io::stream s) { sys.spawn(fn, std::move(s)); };
}

} // namespace gale
