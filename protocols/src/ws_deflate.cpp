#include "gale/ws/deflate.hpp"

#include "gale/ws/codec.hpp"

#include <gale/http/fields.hpp>

#include <zlib.h>

#include <vector>

namespace gale::ws {

namespace {

constexpr char empty_block_tail[] = {0x00, 0x00, '\xff', '\xff'};

/// The parameters of one extension offer: "name; a; b=1".
struct extension {
  std::string name;
  std::vector<std::pair<std::string, std::string>> params;
};

std::vector<extension> parse_extensions(std::string_view header) {
  std::vector<extension> out;
  while (!header.empty()) {
    auto comma = header.find(',');
    auto item = header.substr(0, comma);
    header =
      comma == header.npos ? std::string_view{} : header.substr(comma + 1);
    extension e;
    bool first = true;
    while (!item.empty()) {
      auto semi = item.find(';');
      auto part = http::trim_ows(item.substr(0, semi));
      item = semi == item.npos ? std::string_view{} : item.substr(semi + 1);
      if (first) {
        e.name = part;
        first = false;
        continue;
      }
      auto eq = part.find('=');
      std::string value{eq == part.npos ? ""
                                        : http::trim_ows(part.substr(eq + 1))};
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
      e.params.emplace_back(std::string{http::trim_ows(part.substr(0, eq))},
                            value);
    }
    if (!e.name.empty())
      out.push_back(std::move(e));
  }
  return out;
}

} // namespace

struct message_deflater::stream {
  z_stream z{};
  stream() {
    deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8,
                 Z_DEFAULT_STRATEGY);
  }
  ~stream() { deflateEnd(&z); }
};

message_deflater::message_deflater() : z_(std::make_unique<stream>()) {}
message_deflater::~message_deflater() = default;
message_deflater::message_deflater(message_deflater&&) noexcept = default;
message_deflater&
message_deflater::operator=(message_deflater&&) noexcept = default;

std::string message_deflater::compress(std::string_view message) {
  auto& z = z_->z;
  deflateReset(&z); // no context takeover: every message on its own
  std::string out(deflateBound(&z, message.size()) + 16, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(message.data()));
  z.avail_in = static_cast<uInt>(message.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_SYNC_FLUSH);
  out.resize(out.size() - z.avail_out);
  if (out.size() >= 4
      && out.compare(out.size() - 4, 4, empty_block_tail, 4) == 0)
    out.resize(out.size() - 4);
  return out;
}

struct message_inflater::stream {
  z_stream z{};
  stream() { inflateInit2(&z, -15); }
  ~stream() { inflateEnd(&z); }
};

message_inflater::message_inflater(std::uint64_t max_output)
  : z_(std::make_unique<stream>()), max_output_(max_output) {}
message_inflater::~message_inflater() = default;
message_inflater::message_inflater(message_inflater&&) noexcept = default;
message_inflater&
message_inflater::operator=(message_inflater&&) noexcept = default;

std::error_code message_inflater::decompress(std::string_view payload,
                                             std::string& out) {
  auto& z = z_->z;
  inflateReset(&z); // the peer keeps no context either
  std::string in{payload};
  in.append(empty_block_tail, 4);
  z.next_in = reinterpret_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  char chunk[16 * 1024];
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    int rc = inflate(&z, Z_SYNC_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
      return errc::invalid_compressed_data;
    auto produced = sizeof chunk - z.avail_out;
    if (out.size() + produced > max_output_)
      return errc::message_too_big; // checked as it grows: no bomb
    out.append(chunk, produced);
    if (z.avail_out != 0 || rc == Z_STREAM_END)
      break; // it took all the input it could
  }
  if (z.avail_in != 0) // bytes after the end of the deflate stream
    return errc::invalid_compressed_data;
  return {};
}

std::optional<std::string> accept_deflate_offer(std::string_view offers) {
  for (const auto& e : parse_extensions(offers)) {
    if (e.name != "permessage-deflate")
      continue;
    bool usable = true;
    for (const auto& [name, value] : e.params) {
      if (name == "client_no_context_takeover"
          || name == "server_no_context_takeover")
        continue;
      if (name == "client_max_window_bits")
        continue;     // a hint the client could go smaller; we do not ask it
      usable = false; // server_max_window_bits or anything unknown
    }
    if (usable)
      return std::string{"permessage-deflate; server_no_context_takeover; "
                         "client_no_context_takeover"};
  }
  return std::nullopt;
}

std::error_code deflate_accepted(std::string_view answer, bool& accepted) {
  accepted = false;
  for (const auto& e : parse_extensions(answer)) {
    if (e.name != "permessage-deflate")
      return errc::bad_upgrade; // an extension we did not offer
    for (const auto& [name, value] : e.params)
      if (name != "server_no_context_takeover"
          && name != "client_no_context_takeover"
          && name != "server_max_window_bits")
        return errc::bad_upgrade; // e.g. a client window we cannot keep
    accepted = true;
  }
  return {};
}

} // namespace gale::ws
