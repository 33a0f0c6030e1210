#pragma once

#include <memory>
#include <string_view>

namespace spdlog {
class logger;
}

/// gale's logging, on spdlog, in Tornado's three channels.
///
/// Nothing below `warning` is printed unless asked for: from code
/// (`set_level`, `set_levels`) or, read once when gale first logs, the
/// environment variable `GALE_LOG_LEVEL` in the syntax of `set_levels`
/// (`GALE_LOG_LEVEL=info`, `GALE_LOG_LEVEL=warning,access=info`). Output
/// goes to standard error through one spdlog sink shared by the channels;
/// `logger(c)` gives the spdlog logger itself, for sinks, patterns or
/// flushing of your own. All functions are thread-safe.
namespace gale::io::log {

/// The channels, as Tornado's `tornado.access`, `tornado.application` and
/// `tornado.general`; their spdlog names are "gale.access",
/// "gale.application" and "gale.general".
enum class channel {
  access,      ///< one line per HTTP request served (when enabled)
  application, ///< errors of user code: exceptions gale caught
  general,     ///< gale's own events: failures, limits, misconfiguration
};

enum class level { trace, debug, info, warning, error, critical, off };

/// The spdlog logger behind `c`.
std::shared_ptr<spdlog::logger> logger(channel c);

/// Sets the level of every channel, or of one.
void set_level(level l);
void set_level(channel c, level l);

/// Sets levels from a comma-separated list of `LEVEL` (every channel) and
/// `CHANNEL=LEVEL` items, applied in order: "info",
/// "warning,access=info". Levels: trace, debug, info, warning (or warn),
/// error, critical, off; channels: access, application, general. Returns
/// false, changing nothing, when the list has an item it cannot read.
bool set_levels(std::string_view spec);

/// True when `c` writes messages of `l` (to skip formatting them).
bool enabled(channel c, level l);

/// Writes `message` to `c` at `l`.
void write(channel c, level l, std::string_view message);

} // namespace gale::io::log
