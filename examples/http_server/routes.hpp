#pragma once

// What examples/http_server's routes answer, the same in every handler
// style: the route a request asks for, and the answers.

#include <gale/http/message.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>

namespace http_example {

enum class route { hello, echo, delay, stream, text, upload };

/// What a request asks for: a route with its parameters, or an answer
/// (404, 405, 400) that needs no handler.
struct decision {
  std::optional<route> what;
  gale::http::response answer; ///< when `what` is empty
  std::size_t ms = 0, chunks = 0, size = 0, kb = 0;
};

decision decide(const gale::http::request& req);

gale::http::response hello();
/// The request's body and Content-Type.
gale::http::response echo(const gale::http::request& req);
/// `kb` KiB of prose that compresses about 4:1.
gale::http::response some_text(std::size_t kb);
/// /upload's answer: "received N".
gale::http::response uploaded(std::uint64_t received);
/// The head of /stream's chunked answer.
gale::http::response stream_head();
/// Which request bodies stream to their handler instead of being buffered.
bool streams_body(const gale::http::request& head);

} // namespace http_example
