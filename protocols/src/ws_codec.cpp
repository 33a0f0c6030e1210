#include "gale/ws/codec.hpp"

#include "gale/http/auth.hpp"
#include "gale/ws/deflate.hpp"

#include <openssl/sha.h>

#include <algorithm>

namespace gale::ws {

namespace {

class ws_category final : public std::error_category {
public:
  const char* name() const noexcept override { return "gale.ws"; }

  std::string message(int code) const override {
    switch (static_cast<errc>(code)) {
    case errc::reserved_bits: return "reserved bits set";
    case errc::unknown_opcode: return "unknown opcode";
    case errc::fragmented_control: return "fragmented control frame";
    case errc::control_too_long: return "control frame over 125 bytes";
    case errc::unexpected_continuation: return "continuation without a message";
    case errc::expected_continuation:
      return "new message inside a fragmented one";
    case errc::unmasked_frame: return "client frame not masked";
    case errc::masked_frame: return "server frame masked";
    case errc::invalid_length: return "invalid frame length";
    case errc::invalid_close_payload: return "invalid close frame payload";
    case errc::invalid_close_code: return "invalid close code";
    case errc::invalid_utf8: return "text is not valid UTF-8";
    case errc::message_too_big: return "message too big";
    case errc::bad_upgrade: return "the server did not upgrade to WebSocket";
    case errc::invalid_accept: return "wrong Sec-WebSocket-Accept";
    case errc::invalid_compressed_data: return "invalid compressed message";
    }
    return "unknown gale.ws error " + std::to_string(code);
  }
};

bool is_control(opcode op) {
  return static_cast<std::uint8_t>(op) >= 0x8;
}

bool is_known(std::uint8_t op) {
  return op <= 0x2 || (op >= 0x8 && op <= 0xA);
}

} // namespace

const std::error_category& error_category() noexcept {
  static const ws_category instance;
  return instance;
}

std::uint16_t close_code_for(std::error_code ec) noexcept {
  if (ec == errc::invalid_utf8 || ec == errc::invalid_compressed_data)
    return 1007;
  if (ec == errc::message_too_big)
    return 1009;
  return 1002;
}

bool is_valid_close_code(std::uint16_t code) noexcept {
  if (code >= 3000 && code <= 4999)
    return true; // registered and private use
  switch (code) {
  case 1000:
  case 1001:
  case 1002:
  case 1003:
  case 1007:
  case 1008:
  case 1009:
  case 1010:
  case 1011:
  case 1012:
  case 1013:
  case 1014: return true;
  default: return false; // 1004-1006 and 1015 are never sent
  }
}

bool utf8_validator::feed(std::string_view bytes) noexcept {
  // The well-formed byte sequences of Unicode's table 3-7: the lead byte
  // fixes the range of the next one, which excludes overlongs, surrogates
  // and values above U+10FFFF.
  for (unsigned char c : bytes) {
    if (needed_ == 0) {
      if (c < 0x80)
        continue;
      low_ = 0x80;
      high_ = 0xBF;
      if (c >= 0xC2 && c <= 0xDF) {
        needed_ = 1;
      } else if (c >= 0xE0 && c <= 0xEF) {
        needed_ = 2;
        if (c == 0xE0)
          low_ = 0xA0;
        else if (c == 0xED)
          high_ = 0x9F;
      } else if (c >= 0xF0 && c <= 0xF4) {
        needed_ = 3;
        if (c == 0xF0)
          low_ = 0x90;
        else if (c == 0xF4)
          high_ = 0x8F;
      } else {
        return false;
      }
      continue;
    }
    if (c < low_ || c > high_)
      return false;
    low_ = 0x80;
    high_ = 0xBF;
    --needed_;
  }
  return true;
}

void append_frame(std::string& out, opcode op, std::string_view payload,
                  bool fin, std::optional<masking_key> mask, bool rsv1) {
  out.push_back(static_cast<char>((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0)
                                  | static_cast<std::uint8_t>(op)));
  std::uint8_t mask_bit = mask ? 0x80 : 0;
  auto n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(mask_bit | n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(mask_bit | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int shift = 56; shift >= 0; shift -= 8)
      out.push_back(
        static_cast<char>((static_cast<std::uint64_t>(n) >> shift) & 0xFF));
  }
  if (!mask) {
    out.append(payload);
    return;
  }
  for (auto b : *mask)
    out.push_back(static_cast<char>(b));
  auto at = out.size();
  out.append(payload);
  for (std::size_t i = 0; i < n; ++i)
    out[at + i] = static_cast<char>(out[at + i] ^ (*mask)[i % 4]);
}

void append_close(std::string& out, std::uint16_t code, std::string_view reason,
                  std::optional<masking_key> mask) {
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  payload.append(reason.substr(0, 123));
  append_frame(out, opcode::close, payload, true, mask);
}

void reader::enable_deflate() {
  inflater_ = std::make_shared<message_inflater>(max_message_);
}

event reader::fail(errc e) {
  error_ = e;
  return event::error;
}

event reader::next() {
  if (error_)
    return event::error;
  for (;;) {
    // Drop what was read once it is most of the buffer: amortized O(1).
    if (pos_ > 4096 && pos_ * 2 > buffer_.size()) {
      buffer_.erase(0, pos_);
      pos_ = 0;
    }
    std::string_view in{buffer_};
    in.remove_prefix(pos_);
    if (in.size() < 2)
      return event::need_more;
    auto b0 = static_cast<std::uint8_t>(in[0]);
    auto b1 = static_cast<std::uint8_t>(in[1]);
    bool fin = b0 & 0x80;
    auto raw_op = static_cast<std::uint8_t>(b0 & 0x0F);
    bool masked = b1 & 0x80;
    std::uint64_t length = b1 & 0x7F;
    bool rsv1 = b0 & 0x40;
    if ((b0 & 0x30) || (rsv1 && !inflater_))
      return fail(errc::reserved_bits);
    if (!is_known(raw_op))
      return fail(errc::unknown_opcode);
    auto op = static_cast<opcode>(raw_op);
    if (role_ == role::server && !masked)
      return fail(errc::unmasked_frame);
    if (role_ == role::client && masked)
      return fail(errc::masked_frame);
    if (is_control(op)) {
      if (!fin)
        return fail(errc::fragmented_control);
      if (length > 125)
        return fail(errc::control_too_long);
    }
    std::size_t header = 2;
    if (length == 126) {
      if (in.size() < 4)
        return event::need_more;
      length = (std::uint64_t{static_cast<std::uint8_t>(in[2])} << 8)
               | static_cast<std::uint8_t>(in[3]);
      if (length < 126)
        return fail(errc::invalid_length);
      header = 4;
    } else if (length == 127) {
      if (in.size() < 10)
        return event::need_more;
      length = 0;
      for (int i = 2; i < 10; ++i)
        length = (length << 8) | static_cast<std::uint8_t>(in[i]);
      if (length <= 0xFFFF || (length >> 63))
        return fail(errc::invalid_length);
      header = 10;
    }
    // Too big before the bytes arrive: no buffering of an oversized frame.
    if (!is_control(op)
        && (length > max_message_
            || (op == opcode::continuation
                && message_.size() + length > max_message_)))
      return fail(errc::message_too_big);
    masking_key key{};
    if (masked) {
      if (in.size() < header + 4)
        return event::need_more;
      for (int i = 0; i < 4; ++i)
        key[i] = static_cast<std::uint8_t>(in[header + i]);
      header += 4;
    }
    if (in.size() < header + length)
      return event::need_more;
    std::string data{in.substr(header, length)};
    pos_ += header + length;
    if (masked)
      for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<char>(data[i] ^ key[i % 4]);

    if (is_control(op)) {
      type_ = op;
      if (op == opcode::close) {
        close_reason_.clear();
        if (data.size() == 1)
          return fail(errc::invalid_close_payload);
        if (data.empty()) {
          close_code_ = 1005; // none given
        } else {
          close_code_ =
            static_cast<std::uint16_t>((static_cast<std::uint8_t>(data[0]) << 8)
                                       | static_cast<std::uint8_t>(data[1]));
          if (!is_valid_close_code(close_code_))
            return fail(errc::invalid_close_code);
          close_reason_ = data.substr(2);
          utf8_validator reason;
          if (!reason.feed(close_reason_) || !reason.complete())
            return fail(errc::invalid_utf8);
        }
        return event::close;
      }
      payload_ = std::move(data);
      return op == opcode::ping ? event::ping : event::pong;
    }

    if (op == opcode::continuation) {
      if (!in_message_)
        return fail(errc::unexpected_continuation);
      if (rsv1) // only a message's first frame says it is compressed
        return fail(errc::reserved_bits);
    } else {
      if (in_message_)
        return fail(errc::expected_continuation);
      in_message_ = true;
      message_type_ = op;
      compressed_ = rsv1;
      message_.clear();
      utf8_.reset();
    }
    // Plain text is checked as it arrives; deflated text once inflated.
    if (message_type_ == opcode::text && !compressed_ && !utf8_.feed(data))
      return fail(errc::invalid_utf8); // found in the fragment, not at the end
    message_ += data;
    if (!fin)
      continue;
    in_message_ = false;
    if (compressed_) {
      std::string inflated;
      if (auto ec = inflater_->decompress(message_, inflated)) {
        error_ = ec;
        return event::error;
      }
      message_ = std::move(inflated);
      if (message_type_ == opcode::text && !utf8_.feed(message_))
        return fail(errc::invalid_utf8);
    }
    if (message_type_ == opcode::text && !utf8_.complete())
      return fail(errc::invalid_utf8);
    type_ = message_type_;
    payload_ = std::move(message_);
    message_.clear();
    return event::message;
  }
}

std::string accept_key(std::string_view client_key) {
  std::string text{client_key};
  text += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(),
       digest);
  return http::base64_encode(
    {reinterpret_cast<const char*>(digest), sizeof digest});
}

} // namespace gale::ws
