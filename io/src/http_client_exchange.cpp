// io::http_client: one exchange on a connection: the request out, the
// response in, decoded and handed on.

#include "http_client_core.hpp"

namespace gale::io {

using namespace detail;

namespace {

/// The head of `res` a line at a time, as Tornado's header_callback gets it.
void tell_head_lines(const http::response& res,
                     const std::function<void(std::string_view)>& tell) {
  std::string line = res.version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  line += std::to_string(res.status);
  line += ' ';
  line += res.reason;
  line += "\r\n";
  tell(line);
  for (const auto& [name, value] : res.headers) {
    line.assign(name);
    line += ": ";
    line += value;
    line += "\r\n";
    tell(line);
  }
  tell("\r\n");
}

} // namespace

void http_client::core::send(const fetch_ptr& f, connection_ptr conn) {
  f->conn = std::move(conn);
  f->parser.emplace(
    http::parser::role::response,
    http::parser_limits{.max_start_line = 8 * 1024,
                        .max_header_bytes = f->req.max_header_size,
                        .max_fields = 256,
                        .max_body = f->req.max_body_size});
  f->parser->set_request_method(f->req.method);
  f->decoder.reset();
  f->res = {};
  f->eof = false;
  f->response_began = false;
  f->discard_body = false;
  bool has_body_after_head = f->req.body_producer || f->req.expect_100_continue;
  f->awaiting_100 = f->req.expect_100_continue;
  f->body_unsent = has_body_after_head;
  f->writing = true;
  f->conn->write(f->out, [self = shared_from_this(), f](std::error_code ec) {
    if (f->done)
      return;
    f->writing = false;
    f->sent = fetch::clock::now();
    if (ec)
      return self->fail(f, ec);
    if (f->req.body_producer && !f->awaiting_100)
      self->produce(f); // may finish at once: a producer's error
    if (!f->done)
      self->read(f);
  });
}

void http_client::core::send_body_after_100(const fetch_ptr& f) {
  f->awaiting_100 = false;
  if (f->req.body_producer)
    return produce(f);
  f->writing = true;
  f->conn->write(f->req.body,
                 [self = shared_from_this(), f](std::error_code ec) {
                   if (f->done)
                     return;
                   f->writing = false;
                   f->sent = fetch::clock::now();
                   if (ec)
                     return self->fail(f, ec);
                   f->body_unsent = false;
                 });
}

void http_client::core::produce(const fetch_ptr& f) {
  bool chunked = !f->req.headers.contains("Content-Length");
  f->writing = true;
  f->req.body_producer([self = shared_from_this(), f,
                        chunked](std::error_code ec, std::string piece) {
    asio::dispatch(
      self->ex, [self, f, chunked, ec, piece = std::move(piece)]() mutable {
        if (f->done)
          return;
        if (ec)
          return self->finish(f, ec);
        bool last = piece.empty();
        std::string bytes;
        if (chunked) {
          if (last)
            http::append_last_chunk({}, bytes);
          else
            http::append_chunk(piece, bytes);
        } else {
          bytes = std::move(piece);
        }
        f->conn->write(std::move(bytes), [self, f, last](std::error_code ec) {
          if (f->done)
            return;
          f->writing = false;
          f->sent = fetch::clock::now();
          if (ec)
            return self->fail(f, ec);
          if (last)
            f->body_unsent = false;
          else
            self->produce(f);
        });
      });
  });
}

void http_client::core::read(const fetch_ptr& f) {
  f->conn->read_some(
    [self = shared_from_this(), f](std::error_code ec, std::string bytes) {
      if (f->done)
        return;
      if (ec == asio::ssl::error::stream_truncated
          && f->parser->body_until_close()) {
        // A body only the close delimits, cut by a plain TCP close with no
        // close_notify: an attacker could have cut it (RFC 9112 9.8).
        return self->fail(f, http::errc::tls_truncated);
      }
      if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
        // Elsewhere a TLS peer that closes without close_notify ends the
        // stream as a FIN does; truncation is the parser's to judge.
        f->eof = true;
        f->parser->feed_eof();
      } else if (ec) {
        return self->fail(f, ec);
      } else {
        if (!f->response_began)
          f->info.time.first_byte = f->since(f->sent);
        f->response_began = true;
        f->parser->feed(bytes);
      }
      self->pump(f);
    });
}

void http_client::core::pump(const fetch_ptr& f) {
  auto& p = *f->parser;
  for (;;) {
    switch (p.next()) {
    case http::parser_event::need_more:
      if (f->eof)
        return fail(f, http::errc::connection_closed);
      return read(f);
    case http::parser_event::head:
      if (p.status() / 100 == 1 && p.status() != 101) {
        if (p.status() == 100 && f->awaiting_100)
          send_body_after_100(f);
        if (f->done)
          return;
        break; // the parser reports the interim message's end next
      }
      if (auto ec = on_head(f))
        return finish(f, ec);
      break;
    case http::parser_event::body:
      if (f->discard_body)
        break;
      if (f->coding != http::content_decoder::coding::identity) {
        // Made here, not at the head: a HEAD answer or an empty body
        // has nothing to decode.
        if (!f->decoder)
          f->decoder.emplace(f->coding, f->req.max_body_size);
        std::string decoded;
        if (auto ec = f->decoder->decode(p.body(), decoded))
          return finish(f, ec);
        if (deliver(f, decoded))
          return;
      } else if (deliver(f, p.body())) {
        return;
      }
      break;
    case http::parser_event::end:
      if (p.status() / 100 == 1 && p.status() != 101)
        break; // the end of an interim response
      return on_end(f);
    case http::parser_event::error: return finish(f, p.error());
    }
  }
}

std::error_code http_client::core::on_head(const fetch_ptr& f) {
  auto& p = *f->parser;
  auto& res = f->res;
  res.version = p.version();
  res.status = p.status();
  res.reason = p.reason();
  res.headers = p.headers();
  if (f->attempting)
    f->info.time.attempts.back().status = res.status;
  if (f->awaiting_100) // a final answer before 100: never send the body
    f->awaiting_100 = false;
  f->discard_body = f->req.follow_redirects && is_redirect(res.status)
                    && res.headers.contains("Location")
                    && f->redirects < f->req.max_redirects;
  if (f->discard_body)
    return {};
  if (f->req.header_line_callback)
    tell_head_lines(res, f->req.header_line_callback);
  f->coding = http::content_decoder::coding::identity;
  if (f->req.decompress_response)
    if (const auto* coding = res.headers.find("Content-Encoding")) {
      auto c = http::content_decoder::from_header(*coding);
      if (c && *c != http::content_decoder::coding::identity) {
        f->coding = *c; // the decoder is made for the first body piece
        res.headers.set("X-Consumed-Content-Encoding", *coding);
        res.headers.erase("Content-Encoding");
      }
    }
  if (f->req.header_callback)
    f->req.header_callback(res);
  return {};
}

bool http_client::core::deliver(const fetch_ptr& f, std::string_view piece) {
  if (piece.empty())
    return false;
  if (f->req.async_streaming_callback) {
    f->req.async_streaming_callback(piece,
                                    [self = shared_from_this(), f]() mutable {
                                      asio::post(self->ex, [self, f] {
                                        if (!f->done)
                                          self->pump(f);
                                      });
                                    });
    return true;
  }
  if (f->req.streaming_callback)
    f->req.streaming_callback(piece);
  else
    f->res.body.append(piece);
  return false;
}

void http_client::core::on_end(const fetch_ptr& f) {
  if (f->decoder)
    if (auto ec = f->decoder->finish())
      return finish(f, ec);
  release(f);
  if (f->discard_body) {
    end_attempt(f, {});
    return redirect(f);
  }
  std::error_code ec;
  if (f->req.follow_redirects && is_redirect(f->res.status)
      && f->res.headers.contains("Location"))
    ec = http::errc::too_many_redirects;
  else if (f->req.raise_error && f->res.status / 100 != 2)
    ec = http::make_status_error(f->res.status);
  finish(f, ec, std::move(f->res));
}

} // namespace gale::io
