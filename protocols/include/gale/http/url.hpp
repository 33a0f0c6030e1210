#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace gale::http {

/// An absolute URI split into its RFC 3986 components.
///
/// Components keep their percent-encoding as given, except that `scheme`
/// and a registered-name `host` are lower-cased (both are case-insensitive)
/// and an IPv6 host is stored without its brackets. Use `percent_decode`
/// for decoded values.
struct url {
  std::string scheme;
  std::string userinfo; ///< "user:password", empty when absent
  std::string host;     ///< empty for URIs without authority ("mailto:x")
  bool host_is_ipv6 = false;
  std::optional<std::uint16_t> port;
  std::string path; ///< as given; may be empty
  std::optional<std::string> query;
  std::optional<std::string> fragment;
  bool has_authority = false; ///< the URI had "//"

  /// `port`, or the scheme's default (http/ws 80, https/wss 443, else 0).
  std::uint16_t effective_port() const noexcept;

  /// host[:port], with brackets around an IPv6 host: the Host header.
  std::string authority() const;

  /// The origin-form request target: path (or "/") plus "?query".
  std::string target() const;

  /// The URI again; parse(to_string()) gives an equal url.
  std::string to_string() const;

  friend bool operator==(const url&, const url&) = default;
};

/// Parses an absolute URI. Returns an error value for anything RFC 3986
/// rejects: characters outside the URI set (spaces, controls, non-ASCII),
/// bad percent-encoding, a malformed IPv6 literal or port. Never throws.
std::error_code parse_url(std::string_view text, url& out);

/// Resolves `reference` (absolute, "//host/x", "/x", "x", "?q" or "#f")
/// against `base` as RFC 3986 section 5.2 says, dot segments removed: how
/// a redirect's Location header is read.
std::error_code resolve_url(const url& base, std::string_view reference,
                            url& out);

/// Decodes %HH escapes; with `plus_as_space`, '+' becomes ' ' (form data).
/// Returns an error for a '%' without two hex digits.
std::error_code percent_decode(std::string_view in, std::string& out,
                               bool plus_as_space = false);

/// Encodes every byte outside RFC 3986's unreserved set as %HH.
std::string percent_encode(std::string_view in);

/// Splits a request target ("/a/b?x=1") into its path and query (without
/// the '?'; empty when there is none).
std::pair<std::string_view, std::string_view>
split_target(std::string_view target) noexcept;

/// Parses an application/x-www-form-urlencoded query ("a=1&b=x+y") into
/// decoded name/value pairs, in order. Malformed escapes are kept as given.
std::vector<std::pair<std::string, std::string>>
parse_query(std::string_view query);

/// Builds an application/x-www-form-urlencoded query string ("a=1&b=x%20y").
std::string
build_query(const std::vector<std::pair<std::string, std::string>>& fields);

} // namespace gale::http
