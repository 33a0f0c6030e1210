#include "gale/ws/session.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace gale::ws {

session::session(role r, std::uint64_t max_message)
  : reader_(r == role::client ? reader::role::client : reader::role::server,
            max_message),
    client_(r == role::client) {
  if (client_)
    keys_ = std::make_unique<key_pool>();
}

void session::enable_deflate() {
  reader_.enable_deflate();
  deflater_.emplace();
}

session_event session::next() {
  for (;;) {
    switch (reader_.next()) {
    case event::need_more: return session_event::need_more;
    case event::message: return session_event::message;
    case event::ping:
      send(opcode::pong, reader_.payload());
      return session_event::ping;
    case event::pong: awaiting_pong = false; return session_event::pong;
    case event::close:
      close_received = true;
      code = reader_.close_code();
      reason = std::string{reader_.close_reason()};
      if (!close_sent) { // echo the code, as RFC 6455 5.5.1 asks
        if (code == 1005)
          append(opcode::close, {});
        else
          close(code, {});
        close_sent = true;
      }
      return session_event::closed;
    case event::error:
      code = close_code_for(reader_.error());
      reason = reader_.error().message();
      close(code, reason);
      close_received = true; // nothing more is read
      return session_event::closed;
    }
  }
}

void session::send(opcode op, std::string_view payload) {
  if (close_sent)
    return;
  if (deflater_ && (op == opcode::text || op == opcode::binary))
    append(op, deflater_->compress(payload), true);
  else
    append(op, payload);
}

bool session::ping(std::string_view payload) {
  if (payload.size() > 125 || close_sent)
    return false;
  append(opcode::ping, payload);
  return true;
}

void session::close(std::uint16_t c, std::string_view why) {
  if (close_sent)
    return;
  std::string payload;
  payload.push_back(static_cast<char>(c >> 8));
  payload.push_back(static_cast<char>(c & 0xFF));
  payload.append(why.substr(0, 123));
  append(opcode::close, payload);
  close_sent = true;
}

masking_key session::next_mask() {
  auto& k = *keys_;
  if (k.used + 4 > k.bytes.size()) {
    if (RAND_bytes(k.bytes.data(), static_cast<int>(k.bytes.size())) != 1)
      throw std::runtime_error("no randomness for WebSocket masking keys");
    k.used = 0;
  }
  masking_key key{k.bytes[k.used], k.bytes[k.used + 1], k.bytes[k.used + 2],
                  k.bytes[k.used + 3]};
  k.used += 4;
  return key;
}

void session::append(opcode op, std::string_view payload, bool rsv1) {
  std::optional<masking_key> mask;
  if (client_)
    mask = next_mask();
  append_frame(out, op, payload, true, mask, rsv1);
}

} // namespace gale::ws
