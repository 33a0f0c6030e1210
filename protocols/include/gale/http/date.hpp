#pragma once

#include <chrono>
#include <string>

namespace gale::http {

/// An HTTP-date (RFC 9110 5.6.7, IMF-fixdate): "Sun, 06 Nov 1994 08:49:37
/// GMT", to the second.
std::string format_http_date(std::chrono::system_clock::time_point t);

} // namespace gale::http
