// Streaming both ways: the request body comes from standard input piece by
// piece (a body producer), and the response body goes to standard output
// as it arrives (an asynchronous consumer), so neither is ever held whole.
//
// Usage: fetch_streaming URL            GET, body streamed to stdout
//        fetch_streaming --post URL     POST stdin (chunked), same output
#include <gale/io/http_client.hpp>
#include <gale/io/loop.hpp>

#include <cstdio>
#include <future>
#include <iostream>
#include <string>

// [streaming]
/// A producer that reads `in` a piece at a time; "" marks the end. (It
/// runs on the loop thread: fine for a file or a pipe in a small tool, but
/// a slow source should answer `next` from a thread of its own.)
gale::io::body_source read_pieces_of(std::FILE* in) {
  return [in](gale::io::body_piece_handler next) {
    std::string piece(16 * 1024, '\0');
    piece.resize(std::fread(piece.data(), 1, piece.size(), in));
    next({}, std::move(piece));
  };
}

/// A consumer that writes each piece out before asking for more.
void write_pieces_to(std::FILE* out, gale::io::http_request& req) {
  req.async_streaming_callback = [out](std::string_view piece,
                                       gale::io::resume_reading resume) {
    std::fwrite(piece.data(), 1, piece.size(), out);
    resume(); // may also be called later, from any thread
  };
}
// [end]

int main(int argc, char** argv) {
  bool post = argc == 3 && std::string{argv[1]} == "--post";
  if (argc != 2 && !post) {
    std::cerr << "usage: fetch_streaming [--post] URL\n";
    return 2;
  }
  gale::io::loop loop;
  loop.start();
  gale::io::http_client client{loop.executor()};
  gale::io::http_request req;
  req.url = argv[argc - 1];
  if (post) {
    req.method = "POST";
    req.body_producer = read_pieces_of(stdin);
  }
  write_pieces_to(stdout, req);
  std::promise<std::error_code> done;
  client.async_fetch(
    req, [&](std::error_code ec, gale::http::response) { done.set_value(ec); });
  auto ec = done.get_future().get();
  std::fflush(stdout);
  if (ec) {
    std::cerr << "error: " << ec.message() << "\n";
    return 1;
  }
}
