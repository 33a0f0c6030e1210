#include "gale/http/content_encoder.hpp"

#include "gale/http/fields.hpp"

#include <zlib.h>

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <utility>

namespace gale::http {

struct gzip_encoder::stream {
  z_stream z{};
  bool finished = false;

  explicit stream(int level) {
    // 16 + MAX_WBITS: the gzip wrapper; memLevel 8 as zlib's default.
    if (deflateInit2(&z, level, Z_DEFLATED, 16 + MAX_WBITS, 8,
                     Z_DEFAULT_STRATEGY)
        != Z_OK)
      throw std::runtime_error("zlib could not start a gzip stream");
  }
  ~stream() { deflateEnd(&z); }

  void run(std::string_view in, std::string& out, int flush) {
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    // Written straight into `out`, grown by zlib's bound for what is left.
    do {
      auto at = out.size();
      auto room = deflateBound(&z, z.avail_in) + 64;
      out.resize(at + room);
      z.next_out = reinterpret_cast<Bytef*>(out.data() + at);
      z.avail_out = static_cast<uInt>(room);
      deflate(&z, flush);
      out.resize(out.size() - z.avail_out);
    } while (z.avail_in > 0 || z.avail_out == 0);
  }
};

gzip_encoder::gzip_encoder(int level)
  : stream_(std::make_unique<stream>(level)) {}
gzip_encoder::~gzip_encoder() = default;
gzip_encoder::gzip_encoder(gzip_encoder&&) noexcept = default;
gzip_encoder& gzip_encoder::operator=(gzip_encoder&&) noexcept = default;

void gzip_encoder::encode(std::string_view in, std::string& out, bool flush) {
  if (stream_->finished || (in.empty() && !flush))
    return;
  stream_->run(in, out, flush ? Z_SYNC_FLUSH : Z_NO_FLUSH);
}

void gzip_encoder::finish(std::string& out) {
  if (std::exchange(stream_->finished, true))
    return;
  stream_->run({}, out, Z_FINISH);
}

std::string gzip_encoder::compress(std::string_view in, int level) {
  gzip_encoder e{level};
  std::string out;
  out.reserve(in.size() / 3 + 64);
  e.encode(in, out);
  e.finish(out);
  return out;
}

} // namespace gale::http

namespace gale::http {

namespace {

/// The q value of a list element's parameters ("q=0.5"); 1 when absent.
double quality_of(std::string_view params) {
  while (!params.empty()) {
    auto semi = params.find(';');
    auto param = trim_ows(params.substr(0, semi));
    if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q')
        && param[1] == '=')
      return std::strtod(std::string{param.substr(2)}.c_str(), nullptr);
    if (semi == std::string_view::npos)
      break;
    params.remove_prefix(semi + 1);
  }
  return 1.0;
}

} // namespace

bool accepts_gzip(const fields& h) {
  for (auto value : h.find_all("Accept-Encoding")) {
    while (!value.empty()) {
      auto comma = value.find(',');
      auto item = value.substr(0, comma);
      auto semi = item.find(';');
      auto coding = trim_ows(item.substr(0, semi));
      auto params = semi == std::string_view::npos ? std::string_view{}
                                                   : item.substr(semi + 1);
      if ((iequals(coding, "gzip") || iequals(coding, "x-gzip")
           || coding == "*")
          && quality_of(params) > 0)
        return true;
      if (comma == std::string_view::npos)
        break;
      value.remove_prefix(comma + 1);
    }
  }
  return false;
}

bool is_compressible_type(std::string_view content_type) {
  auto type = trim_ows(content_type.substr(0, content_type.find(';')));
  auto starts = [&](std::string_view p) {
    return type.size() >= p.size() && iequals(type.substr(0, p.size()), p);
  };
  auto ends = [&](std::string_view s) {
    return type.size() >= s.size()
           && iequals(type.substr(type.size() - s.size()), s);
  };
  return starts("text/") || ends("+json") || ends("+xml")
         || iequals(type, "application/json")
         || iequals(type, "application/javascript")
         || iequals(type, "application/x-javascript")
         || iequals(type, "application/xml") || iequals(type, "image/svg+xml");
}

} // namespace gale::http
