#pragma once

#include <caf/atom.hpp>

/// The atoms that name gale's messages (CAF 0.17 atoms: at most 10 chars).
namespace gale {

using ping_atom = caf::atom_constant<caf::atom("ping")>;
using pong_atom = caf::atom_constant<caf::atom("pong")>;
using sleep_atom = caf::atom_constant<caf::atom("sleep")>;
using resolve_atom = caf::atom_constant<caf::atom("resolve")>;
using connect_atom = caf::atom_constant<caf::atom("connect")>;
using read_atom = caf::atom_constant<caf::atom("read")>;
using read_until_atom = caf::atom_constant<caf::atom("read_until")>;
using write_atom = caf::atom_constant<caf::atom("write")>;
using close_atom = caf::atom_constant<caf::atom("close")>;
using listen_atom = caf::atom_constant<caf::atom("listen")>;
using unlisten_atom = caf::atom_constant<caf::atom("unlisten")>;
using accept_atom = caf::atom_constant<caf::atom("accept")>;
using start_tls_atom = caf::atom_constant<caf::atom("start_tls")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using signal_atom = caf::atom_constant<caf::atom("signal")>;
using unsignal_atom = caf::atom_constant<caf::atom("unsignal")>;
using fetch_atom = caf::atom_constant<caf::atom("fetch")>;
using serve_atom = caf::atom_constant<caf::atom("serve")>;
using unserve_atom = caf::atom_constant<caf::atom("unserve")>;

constexpr ping_atom ping_atom_v{};
constexpr pong_atom pong_atom_v{};
constexpr sleep_atom sleep_atom_v{};
constexpr resolve_atom resolve_atom_v{};
constexpr connect_atom connect_atom_v{};
constexpr read_atom read_atom_v{};
constexpr read_until_atom read_until_atom_v{};
constexpr write_atom write_atom_v{};
constexpr close_atom close_atom_v{};
constexpr listen_atom listen_atom_v{};
constexpr unlisten_atom unlisten_atom_v{};
constexpr accept_atom accept_atom_v{};
constexpr start_tls_atom start_tls_atom_v{};
constexpr cancel_atom cancel_atom_v{};
constexpr signal_atom signal_atom_v{};
constexpr unsignal_atom unsignal_atom_v{};
constexpr fetch_atom fetch_atom_v{};
constexpr serve_atom serve_atom_v{};
constexpr unserve_atom unserve_atom_v{};

} // namespace gale
