#pragma once

#include <gale/io/http_server.hpp>

#include <filesystem>
#include <string>

namespace gale::io {

struct static_file_options {
  /// The URL path the files are served under ("/static" serves
  /// root/a.css as /static/a.css); "" or "/" serves them at the top.
  std::string prefix = "/";
  /// Served for a directory's URL.
  std::string index = "index.html";
  /// Files are sent in pieces of this size, each after the previous one
  /// left (a slow reader does not make the server read ahead).
  std::size_t piece_size = 64 * 1024;
};

/// A handler that serves the files under `root` (Tornado's
/// StaticFileHandler): GET and HEAD, Content-Type from the file's
/// extension, ETag and If-None-Match (304), Last-Modified, single byte
/// ranges (206, or 416 when unsatisfiable). Paths that would leave `root`
/// ("..", encoded or not, or a symlink pointing out) are 404; other methods
/// 405. Reads happen on the loop: meant for the small files of a web app.
http_handler static_files(std::filesystem::path root,
                          static_file_options options = {});

/// The Content-Type for a file name's extension (text types with
/// charset=utf-8); application/octet-stream when unknown.
std::string content_type_for(const std::filesystem::path& file);

} // namespace gale::io
