// gale's three log channels on spdlog.

#include "gale/io/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace gale::io::log {

namespace {

constexpr std::array<std::string_view, 3> channel_names{
  "gale.access", "gale.application", "gale.general"};

std::optional<level> level_named(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, level>, 8> names{{
    {"trace", level::trace},
    {"debug", level::debug},
    {"info", level::info},
    {"warning", level::warning},
    {"warn", level::warning},
    {"error", level::error},
    {"critical", level::critical},
    {"off", level::off},
  }};
  for (auto [n, l] : names)
    if (n == name)
      return l;
  return std::nullopt;
}

std::optional<channel> channel_named(std::string_view name) {
  if (name == "access")
    return channel::access;
  if (name == "application")
    return channel::application;
  if (name == "general")
    return channel::general;
  return std::nullopt;
}

spdlog::level::level_enum to_spdlog(level l) {
  return static_cast<spdlog::level::level_enum>(static_cast<int>(l));
}

/// One parsed item of a level list: a channel (or all) and its level.
struct setting {
  std::optional<channel> which;
  level to;
};

std::optional<std::vector<setting>> parse(std::string_view spec) {
  std::vector<setting> out;
  while (!spec.empty()) {
    auto comma = spec.find(',');
    auto item = spec.substr(0, comma);
    spec = comma == spec.npos ? std::string_view{} : spec.substr(comma + 1);
    if (item.empty())
      continue;
    setting s{};
    auto eq = item.find('=');
    if (eq != item.npos) {
      s.which = channel_named(item.substr(0, eq));
      if (!s.which)
        return std::nullopt;
      item = item.substr(eq + 1);
    }
    auto l = level_named(item);
    if (!l)
      return std::nullopt;
    s.to = *l;
    out.push_back(s);
  }
  return out;
}

/// The channels' loggers, made once: a logger of that name that the
/// application registered with spdlog first is used as it is.
class channels {
public:
  channels() {
    auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    for (std::size_t i = 0; i < loggers_.size(); ++i) {
      std::string name{channel_names[i]};
      if (auto existing = spdlog::get(name)) {
        loggers_[i] = existing;
        continue;
      }
      loggers_[i] = std::make_shared<spdlog::logger>(name, sink);
      loggers_[i]->set_level(spdlog::level::warn);
      spdlog::register_logger(loggers_[i]);
    }
    if (const char* env = std::getenv("GALE_LOG_LEVEL"))
      if (!apply(env))
        loggers_[2]->warn("GALE_LOG_LEVEL={} is not a level list (e.g. "
                          "\"info\" or \"warning,access=info\"): ignored",
                          env);
  }

  spdlog::logger& of(channel c) { return *loggers_[static_cast<int>(c)]; }
  std::shared_ptr<spdlog::logger> shared(channel c) {
    return loggers_[static_cast<int>(c)];
  }

  bool apply(std::string_view spec) {
    auto settings = parse(spec);
    if (!settings)
      return false;
    for (auto& s : *settings)
      for (std::size_t i = 0; i < loggers_.size(); ++i)
        if (!s.which || static_cast<std::size_t>(*s.which) == i)
          loggers_[i]->set_level(to_spdlog(s.to));
    return true;
  }

private:
  std::array<std::shared_ptr<spdlog::logger>, 3> loggers_;
};

channels& all() {
  // Made on first use; the loggers themselves are thread-safe.
  static channels instance;
  return instance;
}

} // namespace

std::shared_ptr<spdlog::logger> logger(channel c) {
  return all().shared(c);
}

void set_level(level l) {
  for (auto c : {channel::access, channel::application, channel::general})
    all().of(c).set_level(to_spdlog(l));
}

void set_level(channel c, level l) {
  all().of(c).set_level(to_spdlog(l));
}

bool set_levels(std::string_view spec) {
  return all().apply(spec);
}

bool enabled(channel c, level l) {
  return all().of(c).should_log(to_spdlog(l));
}

void write(channel c, level l, std::string_view message) {
  all().of(c).log(to_spdlog(l), "{}", message);
}

} // namespace gale::io::log
