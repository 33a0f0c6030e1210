// gale's log channels: levels from code and from GALE_LOG_LEVEL.

#include "gale/io/log.hpp"

#include <catch2/catch.hpp>

#include <spdlog/logger.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace glog = gale::io::log;
using glog::channel;
using glog::level;

namespace {

/// Runs this test binary's hidden case "log child" with GALE_LOG_LEVEL
/// set to `env` (unset when null) and returns what it wrote to stderr.
std::string child_stderr(const char* env) {
  std::string cmd = env ? std::string{"GALE_LOG_LEVEL='"} + env + "' " : "";
  cmd +=
    "/proc/" + std::to_string(::getpid())
    + "/exe 'log child: a line per level on every channel' 2>&1 >/dev/null";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p);
  std::array<char, 4096> buf{};
  while (auto n = std::fread(buf.data(), 1, buf.size(), p))
    out.append(buf.data(), n);
  ::pclose(p);
  return out;
}

} // namespace

TEST_CASE("log child: a line per level on every channel", "[.]") {
  for (auto c : {channel::access, channel::application, channel::general})
    for (auto l : {level::debug, level::info, level::warning})
      glog::write(c, l,
                  "line " + std::to_string(static_cast<int>(c)) + "/"
                    + std::to_string(static_cast<int>(l)));
}

TEST_CASE("levels from a list: every channel, one channel, in order",
          "[io][log]") {
  CHECK(glog::logger(channel::access)->name() == "gale.access");
  CHECK(glog::logger(channel::application)->name() == "gale.application");
  CHECK(glog::logger(channel::general)->name() == "gale.general");

  REQUIRE(glog::set_levels("warning,access=info"));
  CHECK(glog::enabled(channel::access, level::info));
  CHECK_FALSE(glog::enabled(channel::general, level::info));
  CHECK(glog::enabled(channel::general, level::warning));
  REQUIRE(glog::set_levels("debug,general=off"));
  CHECK(glog::enabled(channel::application, level::debug));
  CHECK_FALSE(glog::enabled(channel::general, level::critical));
  // A list with one bad item changes nothing.
  CHECK_FALSE(glog::set_levels("info,nosuch=debug"));
  CHECK_FALSE(glog::set_levels("loud"));
  CHECK_FALSE(glog::set_levels("access=loud"));
  CHECK(glog::enabled(channel::application, level::debug));
  glog::set_level(level::warning);
  glog::set_level(channel::access, level::error);
  CHECK_FALSE(glog::enabled(channel::access, level::warning));
  CHECK(glog::enabled(channel::general, level::warning));
  glog::set_level(level::warning); // as the other tests expect
}

TEST_CASE("GALE_LOG_LEVEL: warning and above by default, else as it says",
          "[io][log]") {
  auto quiet = child_stderr(nullptr);
  CHECK(quiet.find("line 2/3") != std::string::npos); // general, warning
  CHECK(quiet.find("line 0/2") == std::string::npos); // access, info: no
  CHECK(quiet.find("[gale.general]") != std::string::npos);

  auto chatty = child_stderr("warning,access=info");
  CHECK(chatty.find("line 0/2") != std::string::npos);
  CHECK(chatty.find("line 0/1") == std::string::npos);
  CHECK(chatty.find("line 1/2") == std::string::npos);

  auto bad = child_stderr("shouting");
  CHECK(bad.find("GALE_LOG_LEVEL=shouting is not a level list")
        != std::string::npos);
  CHECK(bad.find("line 2/3") != std::string::npos); // the default stands
  CHECK(bad.find("line 2/2") == std::string::npos);
}
