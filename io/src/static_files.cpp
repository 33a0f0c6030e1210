#include "gale/io/static_files.hpp"

#include <gale/http/date.hpp>
#include <gale/http/url.hpp>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>

namespace gale::io {

namespace {

namespace fs = std::filesystem;

http::response status(int code) {
  http::response res;
  res.status = code;
  res.headers.set("Content-Type", "text/plain; charset=utf-8");
  res.body = std::string{http::reason_phrase(code)} + "\n";
  return res;
}

/// An HTTP-date (RFC 9110 5.6.7) for a file time.
std::string http_date(fs::file_time_type t) {
  return http::format_http_date(
    std::chrono::time_point_cast<std::chrono::system_clock::duration>(
      std::chrono::file_clock::to_sys(t)));
}

/// The file a URL path names inside `root`, or nothing when it would
/// leave it.
std::optional<fs::path> resolve(const fs::path& root, std::string_view prefix,
                                std::string_view target,
                                const std::string& index) {
  auto path = http::split_target(target).first;
  if (!path.starts_with(prefix))
    return std::nullopt;
  path.remove_prefix(prefix.size());
  std::string decoded;
  if (http::percent_decode(path, decoded))
    return std::nullopt;
  fs::path relative = fs::path{decoded}.relative_path().lexically_normal();
  if (!relative.empty() && *relative.begin() == "..")
    return std::nullopt;
  if (decoded.find('\0') != std::string::npos)
    return std::nullopt;
  std::error_code ec;
  auto file = fs::weakly_canonical(root / relative, ec);
  if (ec)
    return std::nullopt;
  // Symlinks may point anywhere: the file must still be under root.
  auto base = fs::weakly_canonical(root, ec);
  auto [r, f] =
    std::mismatch(base.begin(), base.end(), file.begin(), file.end());
  if (r != base.end())
    return std::nullopt;
  if (fs::is_directory(file, ec))
    file /= index;
  return file;
}

struct byte_range {
  std::uint64_t first, last; // inclusive
};

/// Parses "bytes=a-b", "bytes=a-" or "bytes=-n" for a file of `size`;
/// nothing for anything else (several ranges included: served whole).
std::optional<byte_range> parse_range(std::string_view value,
                                      std::uint64_t size, bool& unsatisfiable) {
  unsatisfiable = false;
  if (!value.starts_with("bytes=") || value.find(',') != value.npos)
    return std::nullopt;
  value.remove_prefix(6);
  auto dash = value.find('-');
  if (dash == value.npos)
    return std::nullopt;
  auto number = [](std::string_view s) -> std::optional<std::uint64_t> {
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size())
      return std::nullopt;
    return n;
  };
  auto a = value.substr(0, dash), b = value.substr(dash + 1);
  if (a.empty()) { // the last n bytes
    auto n = number(b);
    if (!n)
      return std::nullopt;
    if (*n == 0 || size == 0) {
      unsatisfiable = true;
      return std::nullopt;
    }
    return byte_range{size - std::min(*n, size), size - 1};
  }
  auto first = number(a);
  auto last = b.empty() ? std::optional{size ? size - 1 : 0} : number(b);
  if (!first || !last)
    return std::nullopt;
  if (*first >= size) {
    unsatisfiable = true;
    return std::nullopt;
  }
  if (*last < *first)
    return std::nullopt; // invalid: the whole file instead
  return byte_range{*first, std::min(*last, size - 1)};
}

/// Sends `length` bytes of `in`, a piece at a time, each after the last.
void send_pieces(exchange_ptr x, std::shared_ptr<std::ifstream> in,
                 std::uint64_t length, std::size_t piece_size) {
  if (length == 0 || x->closed())
    return x->end();
  std::string piece(std::min<std::uint64_t>(length, piece_size), '\0');
  in->read(piece.data(), static_cast<std::streamsize>(piece.size()));
  piece.resize(static_cast<std::size_t>(in->gcount()));
  if (piece.empty())
    return x->end(); // the file shrank meanwhile
  auto left = length - piece.size();
  x->write(std::move(piece),
           [x, in, left, piece_size] { send_pieces(x, in, left, piece_size); });
}

} // namespace

std::string content_type_for(const fs::path& file) {
  static const std::pair<const char*, const char*> types[] = {
    {".html", "text/html; charset=utf-8"},
    {".htm", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json"},
    {".txt", "text/plain; charset=utf-8"},
    {".md", "text/markdown; charset=utf-8"},
    {".xml", "application/xml"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".wasm", "application/wasm"},
    {".pdf", "application/pdf"},
    {".woff2", "font/woff2"},
  };
  auto ext = file.extension().string();
  for (auto& c : ext)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (auto [e, type] : types)
    if (ext == e)
      return type;
  return "application/octet-stream";
}

http_handler static_files(fs::path root, static_file_options options) {
  auto prefix = options.prefix;
  if (prefix.empty() || prefix.back() != '/')
    prefix += '/';
  return [root = std::move(root), prefix,
          options = std::move(options)](exchange_ptr x) {
    const auto& req = x->request();
    if (req.method != "GET" && req.method != "HEAD") {
      auto res = status(405);
      res.headers.set("Allow", "GET, HEAD");
      return x->respond(std::move(res));
    }
    auto file = resolve(root, prefix, req.target, options.index);
    std::error_code ec;
    if (!file || !fs::is_regular_file(*file, ec))
      return x->respond(status(404));
    auto size = fs::file_size(*file, ec);
    auto mtime = fs::last_write_time(*file, ec);
    if (ec)
      return x->respond(status(404));
    char etag[64];
    std::snprintf(
      etag, sizeof etag, "\"%llx-%llx\"", static_cast<unsigned long long>(size),
      static_cast<unsigned long long>(mtime.time_since_epoch().count()));
    http::response head;
    head.headers.set("Content-Type", content_type_for(*file));
    head.headers.set("ETag", etag);
    head.headers.set("Last-Modified", http_date(mtime));
    head.headers.set("Accept-Ranges", "bytes");
    if (const auto* match = req.headers.find("If-None-Match");
        match && (*match == etag || *match == "*")) {
      head.status = 304;
      return x->respond(std::move(head));
    }
    std::uint64_t first = 0, length = size;
    if (const auto* range = req.headers.find("Range")) {
      bool unsatisfiable = false;
      if (auto r = parse_range(*range, size, unsatisfiable)) {
        head.status = 206;
        first = r->first;
        length = r->last - r->first + 1;
        head.headers.set("Content-Range", "bytes " + std::to_string(r->first)
                                            + "-" + std::to_string(r->last)
                                            + "/" + std::to_string(size));
      } else if (unsatisfiable) {
        auto res = status(416);
        res.headers.set("Content-Range", "bytes */" + std::to_string(size));
        return x->respond(std::move(res));
      }
    }
    head.headers.set("Content-Length", std::to_string(length));
    auto in = std::make_shared<std::ifstream>(*file, std::ios::binary);
    if (!*in)
      return x->respond(status(404));
    in->seekg(static_cast<std::streamoff>(first));
    x->begin(std::move(head));
    if (req.method == "HEAD")
      return x->end();
    send_pieces(x, std::move(in), length, options.piece_size);
  };
}

} // namespace gale::io
