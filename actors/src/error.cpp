#include "gale/error.hpp"

#include "gale/http_messages.hpp"

#include <gale/http/error.hpp>
#include <gale/io/stream_error.hpp>

#include <caf/atom.hpp>
#include <caf/exit_reason.hpp>
#include <caf/make_message.hpp>
#include <caf/sec.hpp>

#include <asio/error.hpp>

namespace gale {

namespace {

class gale_category final : public std::error_category {
public:
  const char* name() const noexcept override { return "gale"; }

  std::string message(int code) const override {
    switch (static_cast<errc>(code)) {
    case errc::timed_out: return "timed out";
    case errc::cancelled: return "cancelled";
    case errc::actor_down: return "actor is down";
    case errc::unexpected_reply: return "unexpected reply type";
    case errc::invalid_handle: return "request sent to an invalid actor handle";
    case errc::unknown_connection: return "unknown connection";
    case errc::unknown_listener: return "unknown listener";
    case errc::would_block_loop:
      return "blocking call on an I/O loop thread would deadlock";
    case errc::invalid_argument: return "invalid argument";
    case errc::actor_error: return "actor error";
    case errc::io_error: return "I/O error";
    case errc::queue_full: return "queue full";
    }
    return "unknown gale error " + std::to_string(code);
  }
};

// Category atoms for the I/O layer's error codes (at most 10 characters).
constexpr auto gale_atom = caf::atom("gale");
constexpr auto system_atom = caf::atom("gale_sys");
constexpr auto netdb_atom = caf::atom("gale_netdb");
constexpr auto addrinfo_atom = caf::atom("gale_gai");
constexpr auto misc_atom = caf::atom("gale_misc");
constexpr auto http_atom = caf::atom("gale_http");
constexpr auto stream_atom = caf::atom("gale_strm");
// A status error's code is the status class (1-9, as caf::error codes are
// 8 bits); the context holds the status and, from a fetch, the response.
constexpr auto status_atom = caf::atom("gale_stat");

std::string context_text(const caf::error& err) {
  const auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return {};
}

} // namespace

const std::error_category& error_category() noexcept {
  static const gale_category instance;
  return instance;
}

caf::error make_error(errc e) {
  return caf::error{static_cast<uint8_t>(e), gale_atom};
}

caf::error make_error(errc e, std::string context) {
  return caf::error{static_cast<uint8_t>(e), gale_atom,
                    caf::make_message(std::move(context))};
}

caf::error to_caf_error(const std::error_code& ec) {
  if (!ec)
    return caf::error{};
  auto with_text = [&](caf::atom_value category, int code) {
    return caf::error{static_cast<uint8_t>(code), category,
                      caf::make_message(ec.message())};
  };
  const auto& cat = ec.category();
  int code = ec.value();
  if (cat == error_category())
    return make_error(static_cast<errc>(code));
  if (cat == http::error_category() && code > 0 && code < 256)
    return with_text(http_atom, code);
  if (cat == io::stream_category() && code > 0 && code < 256)
    return with_text(stream_atom, code);
  if (cat == http::status_category())
    return caf::error{static_cast<uint8_t>(code / 100), status_atom,
                      caf::make_message(code)};
  if ((cat == asio::error::get_system_category()
       || cat == std::system_category() || cat == std::generic_category())
      && code > 0 && code < 256)
    return with_text(system_atom, code);
  if (cat == asio::error::get_netdb_category() && code > 0 && code < 256)
    return with_text(netdb_atom, code);
  // getaddrinfo's EAI_* codes are small negative numbers.
  if (cat == asio::error::get_addrinfo_category() && code < 0 && code > -256)
    return with_text(addrinfo_atom, -code);
  if (cat == asio::error::get_misc_category() && code > 0 && code < 256)
    return with_text(misc_atom, code);
  return make_error(errc::io_error,
                    std::string{cat.name()} + ": " + ec.message());
}

std::error_code to_error_code(const caf::error& err) {
  if (!err)
    return {};
  auto category = err.category();
  int code = err.code();
  if (category == gale_atom)
    return {code, error_category()};
  // Asio's own system category, so that errors compare equal to
  // asio::error::* in every style, as they do on the loop itself.
  if (category == system_atom)
    return {code, asio::error::get_system_category()};
  if (category == netdb_atom)
    return {code, asio::error::get_netdb_category()};
  if (category == addrinfo_atom)
    return {-code, asio::error::get_addrinfo_category()};
  if (category == misc_atom)
    return {code, asio::error::get_misc_category()};
  if (category == http_atom)
    return {code, http::error_category()};
  if (category == stream_atom)
    return {code, io::stream_category()};
  if (category == status_atom) {
    const auto& ctx = err.context();
    if (ctx.size() >= 1 && ctx.match_element<int>(0))
      return http::make_status_error(ctx.get_as<int>(0));
    return errc::unexpected_reply;
  }
  if (category == caf::atom("system")) {
    switch (static_cast<caf::sec>(code)) {
    case caf::sec::request_timeout: return errc::timed_out;
    case caf::sec::request_receiver_down:
    case caf::sec::no_route_to_receiving_node:
    case caf::sec::cannot_forward_to_invalid_actor: return errc::actor_down;
    case caf::sec::unexpected_response:
    case caf::sec::unexpected_message: return errc::unexpected_reply;
    default: return errc::actor_error;
    }
  }
  if (category == caf::atom("exit"))
    return errc::actor_down;
  return errc::actor_error;
}

caf::error to_caf_error(const std::error_code& ec, http::response res) {
  if (ec.category() != http::status_category())
    return to_caf_error(ec);
  return caf::error{static_cast<uint8_t>(ec.value() / 100), status_atom,
                    caf::make_message(ec.value(), std::move(res))};
}

caf::error to_caf_error(std::exception_ptr failure) {
  try {
    std::rethrow_exception(std::move(failure));
  } catch (http::status_error& e) {
    return to_caf_error(e.code(), e.response());
  } catch (const std::system_error& e) {
    return to_caf_error(e.code());
  } catch (const std::exception& e) {
    return make_error(errc::actor_error, e.what());
  } catch (...) {
    return make_error(errc::actor_error, "an exception of unknown type");
  }
}

const std::vector<caf::atom_value>& error_categories() {
  static const std::vector<caf::atom_value> all{
    gale_atom, system_atom, netdb_atom,  addrinfo_atom,
    misc_atom, http_atom,   status_atom, stream_atom};
  return all;
}

std::string describe(const caf::error& err) {
  if (!err)
    return "no error";
  auto text = context_text(err);
  auto ec = to_error_code(err);
  if (ec == errc::actor_error || ec == errc::io_error
      || ec == errc::invalid_argument) {
    auto base = ec.message();
    if (!text.empty())
      return base + ": " + text;
    return base + " (" + caf::to_string(err.category()) + " "
           + std::to_string(err.code()) + ")";
  }
  // gale's own errors may say more (gale::make_error(e, context)).
  if (err.category() == gale_atom && !text.empty())
    return ec.message() + ": " + text;
  return ec.message();
}

} // namespace gale

namespace gale::http {

const response* response_of(const caf::error& err) {
  if (!err || err.category() != status_atom)
    return nullptr;
  const auto& ctx = err.context();
  if (ctx.size() != 2 || !ctx.match_element<response>(1))
    return nullptr;
  return &ctx.get_as<response>(1);
}

} // namespace gale::http
