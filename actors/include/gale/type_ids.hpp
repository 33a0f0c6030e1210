#pragma once

#include "gale/http_messages.hpp"
#include "gale/io_actor.hpp"

#include <caf/type_id.hpp>

namespace gale::pipeline {
struct progress;
struct stage_progress;
} // namespace gale::pipeline

// Type ids for every gale message type that may cross a process boundary.
// Register them on both ends with `gale::configure(cfg)`.
CAF_BEGIN_TYPE_ID_BLOCK(gale, caf::first_custom_type_id)
CAF_ADD_TYPE_ID(gale, (gale::listener_info))
CAF_ADD_TYPE_ID(gale, (gale::http::response))
CAF_ADD_TYPE_ID(gale, (gale::io::http_request))
CAF_ADD_TYPE_ID(gale, (gale::http::request))
CAF_ADD_TYPE_ID(gale, (gale::http::streamed_response))
CAF_ADD_TYPE_ID(gale, (gale::pipeline::progress))
CAF_ADD_TYPE_ID(gale, (gale::pipeline::stage_progress))
CAF_ADD_TYPE_ID(gale, (gale::tls_settings))
CAF_ADD_TYPE_ID(gale, (gale::http::streamed_request))
CAF_ADD_TYPE_ID(gale, (gale::http::request_body_piece))
CAF_ADD_TYPE_ID(gale, (gale::http::response_pieces_wanted))
CAF_ADD_TYPE_ID(gale, (gale::http::response_pieces))
CAF_END_TYPE_ID_BLOCK(gale)

namespace gale {

/// Registers gale's message types and error rendering with a CAF
/// configuration, tunes CAF's scheduler for work that arrives from
/// non-CAF threads (`work-stealing.moderate-poll-attempts` = 0), and, for
/// the middleman if it is loaded, declares a peer process lost after 10 s
/// without a message (`middleman.heartbeat-interval` = 1 s,
/// `middleman.connection-timeout` = 10 s). Override any of these after
/// this call if you must. Call it before creating the actor system, in
/// every process that exchanges gale messages.
void configure(caf::actor_system_config& cfg);

} // namespace gale
