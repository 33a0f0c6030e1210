#include "gale/error.hpp"

#include <catch2/catch.hpp>

#include <asio/error.hpp>

#include <caf/exit_reason.hpp>
#include <caf/sec.hpp>

#include <future>

TEST_CASE("gale errors round-trip through caf::error", "[actors][error]") {
  for (auto e :
       {gale::errc::timed_out, gale::errc::cancelled, gale::errc::actor_down,
        gale::errc::unknown_connection, gale::errc::io_error}) {
    std::error_code ec = e;
    CHECK(gale::to_error_code(gale::to_caf_error(ec)) == e);
    CHECK(gale::to_error_code(gale::make_error(e)) == e);
  }
  CHECK(std::string{gale::error_category().name()} == "gale");
  CHECK(std::error_code{gale::errc::timed_out}.message() == "timed out");
  CHECK_FALSE(gale::to_error_code(caf::error{}));
  CHECK_FALSE(gale::to_caf_error(std::error_code{}));
}

TEST_CASE("I/O errors keep their codes across the actor boundary",
          "[actors][error]") {
  for (std::error_code ec : {std::error_code{asio::error::connection_refused},
                             std::error_code{asio::error::connection_reset},
                             std::error_code{asio::error::host_not_found},
                             std::error_code{asio::error::eof},
                             std::error_code{asio::error::service_not_found},
                             std::error_code{asio::error::operation_aborted}}) {
    auto back = gale::to_error_code(gale::to_caf_error(ec));
    CHECK(back == ec);
    CHECK(back.message() == ec.message());
  }
  std::error_code std_refused =
    std::make_error_code(std::errc::connection_refused);
  CHECK(gale::to_error_code(gale::to_caf_error(std_refused))
        == asio::error::connection_refused);
  auto other =
    gale::to_caf_error(std::make_error_code(std::future_errc::no_state));
  CHECK(gale::to_error_code(other) == gale::errc::io_error);
  CHECK(gale::describe(other).find("future") != std::string::npos);
}

TEST_CASE("CAF's own errors map to gale's", "[actors][error]") {
  CHECK(gale::to_error_code(caf::sec::request_timeout)
        == gale::errc::timed_out);
  CHECK(gale::to_error_code(caf::sec::request_receiver_down)
        == gale::errc::actor_down);
  CHECK(gale::to_error_code(caf::sec::unexpected_response)
        == gale::errc::unexpected_reply);
  CHECK(gale::to_error_code(caf::exit_reason::kill) == gale::errc::actor_down);
  CHECK(gale::to_error_code(caf::sec::invalid_argument)
        == gale::errc::actor_error);
}
