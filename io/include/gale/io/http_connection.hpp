#pragma once

#include <gale/http/message.hpp>
#include <gale/http/parser.hpp>
#include <gale/http/serializer.hpp>

#include <asio/buffer.hpp>
#include <asio/compose.hpp>
#include <asio/error.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/write.hpp>

#include <memory>
#include <string>
#include <system_error>
#include <utility>

namespace gale::io {

/// One HTTP/1.1 client connection: writes a request, reads its response
/// with the sans-I/O parser, and keeps the connection for the next request
/// while the server allows it. Runs on the stream's executor (the loop);
/// one exchange at a time.
///
/// Completion: `void(std::error_code, http::response)`. The error is an I/O
/// error (`asio::error::eof` when the server closed before answering), or a
/// `gale::http::errc` for a malformed response; either leaves the connection
/// unusable (`reusable()` false).
template <class Stream = asio::ip::tcp::socket>
class http_connection {
public:
  explicit http_connection(Stream stream, http::parser_limits limits = {})
    : state_(std::make_unique<state>(std::move(stream), limits)) {}

  /// Whether another request may be sent: the last response kept the
  /// connection alive and nothing failed.
  bool reusable() const noexcept { return state_ && state_->reusable; }

  Stream& stream() noexcept { return state_->stream; }

  template <class Token>
  auto async_exchange(http::request req, Token&& token) {
    return asio::async_compose<Token, void(std::error_code, http::response)>(
      exchange_op{*state_, std::move(req)}, token, state_->stream);
  }

private:
  struct state {
    state(Stream s, http::parser_limits l)
      : stream(std::move(s)), parser(http::parser::role::response, l) {}
    Stream stream;
    http::parser parser;
    std::string out;
    char in[16 * 1024];
    bool reusable = true;
  };

  struct exchange_op {
    state& st;
    http::request req;
    http::response res{};
    enum { writing, reading } phase = writing;
    bool eof = false;

    template <class Self>
    void operator()(Self& self) {
      st.out.clear();
      if (auto ec = http::serialize(req, st.out))
        return fail(self, ec); // nothing was sent
      st.parser.set_request_method(req.method);
      asio::async_write(st.stream, asio::buffer(st.out), std::move(self));
    }

    template <class Self>
    void operator()(Self& self, std::error_code ec, std::size_t n) {
      if (phase == writing) {
        if (ec)
          return fail(self, ec);
        phase = reading;
      } else if (ec == asio::error::eof) {
        eof = true;
        st.parser.feed_eof();
      } else if (ec) {
        return fail(self, ec);
      } else {
        st.parser.feed(std::string_view{st.in, n});
      }
      pump(self);
    }

    /// Drains parser events; reads more when the parser needs it.
    template <class Self>
    void pump(Self& self) {
      for (;;) {
        switch (st.parser.next()) {
        case http::parser_event::need_more:
          if (eof) // closed before a response began
            return fail(self, asio::error::eof);
          st.stream.async_read_some(asio::buffer(st.in), std::move(self));
          return;
        case http::parser_event::head:
          res.version = st.parser.version();
          res.status = st.parser.status();
          res.reason = st.parser.reason();
          res.headers = st.parser.headers();
          break;
        case http::parser_event::body: res.body += st.parser.body(); break;
        case http::parser_event::end:
          if (res.status / 100 == 1 && res.status != 101) {
            res = {}; // an interim response: the final one follows
            break;
          }
          st.reusable = st.parser.keep_alive() && !st.parser.upgrade();
          self.complete({}, std::move(res));
          return;
        case http::parser_event::error: return fail(self, st.parser.error());
        }
      }
    }

    template <class Self>
    void fail(Self& self, std::error_code ec) {
      st.reusable = false;
      self.complete(ec, http::response{});
    }
  };

  std::unique_ptr<state> state_;
};

} // namespace gale::io
