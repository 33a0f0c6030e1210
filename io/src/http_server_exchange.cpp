#include "http_server_exchange.hpp"

#include "http_server_connection.hpp"

#include <gale/http/serializer.hpp>
#include <gale/io/log.hpp>
#include <gale/io/stream_error.hpp>
#include <gale/ws/handshake.hpp>

#include <asio/dispatch.hpp>

#include <cstdio>

namespace gale::io::detail {

std::shared_ptr<server_exchange>
server_exchange::failure(asio::any_io_executor ex, int status) {
  auto res = http::status_page(status);
  res.headers.set("Connection", "close");
  auto x = std::make_shared<server_exchange>(
    std::move(ex), std::weak_ptr<server_connection>{}, http::request{},
    std::string{}, false);
  http::serialize(res, x->out);
  x->started_ = x->finished_ = true;
  return x;
}

std::shared_ptr<server_exchange>
server_exchange::interim(asio::any_io_executor ex, std::string bytes) {
  auto x = std::make_shared<server_exchange>(
    std::move(ex), std::weak_ptr<server_connection>{}, http::request{},
    std::string{}, true);
  x->out = std::move(bytes);
  x->started_ = x->finished_ = true;
  return x;
}

template <class F>
void server_exchange::on_loop(F f, bool always) {
  auto run = [always](server_exchange& x, F& f) {
    if (x.gone_ && !always)
      return;
    f(x);
    if (auto c = x.conn_.lock())
      c->flush();
  };
  // A handler answering on the loop (the usual case) is served at once,
  // without wrapping the work in a function object for the executor.
  if (loop_ && loop_->running_in_this_thread())
    return run(*this, f);
  asio::dispatch(ex_, [self = shared_from_this(), f = std::move(f),
                       run]() mutable { run(*self, f); });
}

void server_exchange::respond(http::response res) {
  on_loop([res = std::move(res)](server_exchange& x) mutable {
    if (x.started_)
      return; // answered already: the first answer stands
    x.compress(res, false);
    x.prepare(res);
    x.finish();
  });
}

void server_exchange::begin(http::response head) {
  on_loop([head = std::move(head)](server_exchange& x) mutable {
    if (x.started_)
      return;
    x.streaming_ = true;
    x.compress(head, true); // drops a Content-Length when it compresses
    x.chunked_ = !head.headers.contains("Content-Length");
    if (x.chunked_ && x.req_.version == 10) {
      x.chunked_ = false; // HTTP/1.0 knows no chunks: end by closing
      x.keep_alive_ = false;
    } else if (x.chunked_) {
      head.headers.set("Transfer-Encoding", "chunked");
    }
    x.prepare(head, true);
  });
}

void server_exchange::write(std::string piece, std::function<void()> written) {
  on_loop(
    [piece = std::move(piece),
     written = std::move(written)](server_exchange& x) mutable {
      if (!x.streaming_ || x.finished_ || x.head_only_ || x.gone_) {
        if (written) // nothing will be sent: the producer goes on
          written();
        return;
      }
      x.body_bytes_ += piece.size();
      x.append_piece(piece, false);
      if (written)
        x.callbacks.push_back(std::move(written));
    },
    true);
}

void server_exchange::end() {
  on_loop([](server_exchange& x) {
    if (!x.streaming_ || x.finished_)
      return;
    if (!x.head_only_)
      x.append_piece({}, true);
    x.finish();
  });
}

void server_exchange::abort() {
  on_loop([](server_exchange& x) {
    if (x.finished_)
      return;
    if (auto c = x.conn_.lock())
      c->close();
  });
}

void server_exchange::read_body(body_reader got) {
  on_loop([got = std::move(got)](
            server_exchange& x) mutable { x.start_body_read(std::move(got)); },
          true);
}

void server_exchange::set_max_body_size(std::uint64_t max) {
  on_loop(
    [max](server_exchange& x) {
      if (!x.body_.reading)
        x.body_.max = max;
    },
    true);
}

void server_exchange::set_body_timeout(std::chrono::milliseconds timeout) {
  on_loop(
    [timeout](server_exchange& x) {
      if (!x.body_.reading)
        x.body_.timeout = timeout;
    },
    true);
}

void server_exchange::accept_websocket(websocket_handlers handlers,
                                       websocket_options options) {
  on_loop([handlers = std::move(handlers),
           options = std::move(options)](server_exchange& x) mutable {
    if (!x.started_)
      x.handshake(std::move(handlers), std::move(options));
  });
}

void server_exchange::on_connection_close(std::function<void()> f) {
  on_loop(
    [f = std::move(f)](server_exchange& x) mutable {
      if (x.gone_)
        return asio::post(x.ex_, std::move(f));
      if (!x.sent_)
        x.on_close_ = std::move(f);
    },
    true);
}

void server_exchange::abandon() {
  gone_ = true;
  out.clear();
  run_callbacks();
  if (body_.streamed && !body_.done) {
    body_.done = true;
    body_.error = make_error_code(stream_errc::closed);
    if (auto got = std::exchange(body_.waiting, nullptr))
      got(body_.error, {});
  }
  if (auto f = std::exchange(on_close_, nullptr))
    f();
}

void server_exchange::sent() {
  sent_ = true;
  on_close_ = nullptr; // the answer is out: the close is no news to it
}

void server_exchange::run_callbacks() {
  for (auto& cb : std::exchange(callbacks, {}))
    cb();
}

bool server_exchange::compress(http::response& res, bool streamed) {
  const auto* type = res.headers.find("Content-Type");
  if (!compression_.vary || !type || !http::is_compressible_type(*type))
    return false;
  // Caches must keep the two forms apart, whichever this one is.
  if (const auto* vary = res.headers.find("Vary"); !vary)
    res.headers.set("Vary", "Accept-Encoding");
  else if (!res.headers.has_token("Vary", "Accept-Encoding"))
    res.headers.set("Vary", *vary + ", Accept-Encoding");
  if (!compression_.gzip || req_.method == "HEAD" || res.status < 200
      || res.status == 204 || res.status == 304 || res.status == 206
      || res.headers.contains("Content-Range")
      || res.headers.contains("Content-Encoding")
      || (!streamed && res.body.size() < compression_.min_size))
    return false;
  res.headers.set("Content-Encoding", "gzip");
  res.headers.erase("Content-Length"); // the serializer sets the new one
  if (streamed)
    encoder_ = std::make_unique<http::gzip_encoder>(compression_.level);
  else
    res.body = http::gzip_encoder::compress(res.body, compression_.level);
  return true;
}

void server_exchange::append_piece(std::string_view piece, bool last) {
  std::string coded;
  if (encoder_) {
    // Flushed: each piece can be read as soon as it arrives (a stream of
    // events must not wait for zlib's window to fill).
    encoder_->encode(piece, coded, !piece.empty());
    if (last)
      encoder_->finish(coded);
    piece = coded;
  }
  if (!chunked_) {
    out += piece;
    return;
  }
  http::append_chunk(piece, out);
  if (last)
    http::append_last_chunk({}, out);
}

void server_exchange::prepare(http::response& res, bool head_only_body) {
  started_ = true;
  if (upgrade_request_)
    keep_alive_ = false; // an upgrade that was not accepted ends here
  if (body_.streamed && !body_.done)
    keep_alive_ = false; // the rest of the body is not read
  head_only_ = req_.method == "HEAD";
  if (auto c = conn_.lock(); c && c->last_before_shutdown(this))
    keep_alive_ = false; // the server is shutting down
  if (!keep_alive_)
    res.headers.set("Connection", "close");
  else if (req_.version == 10)
    res.headers.set("Connection", "keep-alive");
  status_ = res.status;
  if (!head_only_ && !head_only_body)
    body_bytes_ = res.body.size();
  std::error_code ec;
  if (head_only_ || head_only_body)
    ec = http::serialize_head(res, out);
  else
    ec = http::serialize(res, out);
  if (ec) { // a handler's bad header: the client gets a 500, not bytes
    http::response error;
    error.status = 500;
    error.headers.set("Connection", "close");
    out.clear();
    http::serialize(error, out);
    keep_alive_ = false;
    streaming_ = false;
    status_ = 500;
    body_bytes_ = 0;
    finish();
  }
}

// Tornado's line, with the body's size: "200 GET /x (10.0.0.1) 1.52ms
// 12B", at info, warning for 4xx, error for 5xx.
void server_exchange::finish() {
  if (std::exchange(finished_, true) || !access_log_)
    return;
  auto l = status_ < 400   ? log::level::info
           : status_ < 500 ? log::level::warning
                           : log::level::error;
  if (!log::enabled(log::channel::access, l))
    return;
  auto took = std::chrono::duration<double, std::milli>(
                std::chrono::steady_clock::now() - began_)
                .count();
  char ms[32];
  std::snprintf(ms, sizeof ms, "%.2fms", took);
  log::write(log::channel::access, l,
             std::to_string(status_) + " " + req_.method + " " + req_.target
               + " (" + remote_ip_ + ") " + ms + " "
               + std::to_string(body_bytes_) + "B");
}

void server_exchange::handshake(websocket_handlers handlers,
                                websocket_options options) {
  ws::server_policy policy{
    options.subprotocols,       options.allowed_origins,
    options.permessage_deflate, options.check_origin,
    options.select_subprotocol, options.response_headers};
  auto d = ws::accept_request(req_, policy);
  if (!d.accepted()) {
    prepare(d.response);
    finish();
    return;
  }
  started_ = true;
  status_ = d.response.status;
  finish();
  http::serialize_head(d.response, out);
  websocket_ = std::make_unique<websocket_setup>(
    websocket_setup{std::move(handlers), std::move(options),
                    d.agreed.subprotocol, d.agreed.deflate, req_.headers});
}

} // namespace gale::io::detail
