#pragma once

#include <string>
#include <string_view>

namespace gale::http {

/// Standard base64 (RFC 4648 section 4) with padding.
std::string base64_encode(std::string_view bytes);

/// The value of an Authorization header for HTTP Basic authentication
/// (RFC 7617): "Basic " + base64(user ":" password).
std::string basic_authorization(std::string_view user,
                                std::string_view password);

} // namespace gale::http
