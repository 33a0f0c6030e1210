#include "gale/http/parser.hpp"

#include "ascii.hpp"
#include "http_syntax.hpp"

#include "gale/http/error.hpp"
#include "gale/http/framing.hpp"
#include "gale/http/message.hpp"

#include <algorithm>
#include <limits>

namespace gale::http {

namespace {

using detail::hex_value;
using detail::is_digit;
using detail::is_target_char;
using detail::is_text;
using detail::parse_version;
using detail::partial_chunk_line;
using detail::partial_field;
using detail::partial_request_line;
using detail::partial_status_line;
using detail::valid_chunk_ext;

constexpr std::size_t max_chunk_line = 4096;

} // namespace

parser::parser(role r, parser_limits limits)
  : role_(r), limits_(limits), body_limit_(limits.max_body) {}

void parser::feed(std::string_view bytes) {
  // Drop what is parsed once it is most of the buffer: amortized O(1).
  if (pos_ > 4096 && pos_ * 2 > buffer_.size()) {
    buffer_.erase(0, pos_);
    consumed_before_ += pos_;
    pos_ = 0;
  }
  buffer_.append(bytes);
}

void parser::feed_eof() {
  eof_ = true;
}

std::string_view parser::remaining() const noexcept {
  return std::string_view{buffer_}.substr(pos_);
}

parser_event parser::fail(std::error_code ec) {
  error_ = ec;
  state_ = state::failed;
  return parser_event::error;
}

bool parser::take_line(std::string_view& line, std::size_t limit,
                       std::error_code& ec) {
  // Errors are reported for the earliest bad byte, so that every split of
  // the input gives the same one: first what the line's content already
  // shows (even before its end arrived), then its line ending.
  auto avail = std::string_view{buffer_}.substr(pos_);
  auto window = avail.substr(0, limit + 2);
  auto lf = window.find('\n');
  auto seen = lf == std::string_view::npos ? window : window.substr(0, lf);
  auto cr = seen.find('\r');
  if ((ec = partial_line_error(seen.substr(0, cr))))
    return false;
  if (cr != std::string_view::npos && cr + 1 < avail.size() && cr + 1 != lf) {
    ec = errc::invalid_line_ending; // a CR not followed by LF
    return false;
  }
  if (lf == std::string_view::npos) {
    if (avail.size() > limit + 1)
      ec = errc::header_section_too_large; // callers refine the kind
    return false;
  }
  if (cr == std::string_view::npos) {
    ec = errc::invalid_line_ending; // LF without CR
    return false;
  }
  line = avail.substr(0, cr);
  pos_ += lf + 1;
  return true;
}

std::error_code parser::partial_line_error(std::string_view s) const {
  switch (state_) {
  case state::start_line:
    if (s.empty())
      return {};
    return role_ == role::request ? partial_request_line(s)
                                  : partial_status_line(s);
  case state::fields:
    if (unfolds(s))
      return is_text(s) ? std::error_code{} : errc::invalid_field_value;
    return partial_field(s);
  case state::trailers: return partial_field(s);
  case state::chunk_size: return partial_chunk_line(s);
  default: return {};
  }
}

std::error_code parser::parse_start_line(std::string_view line) {
  if (role_ == role::request) {
    auto sp1 = line.find(' ');
    if (sp1 == std::string_view::npos)
      return errc::invalid_start_line;
    method_ = line.substr(0, sp1);
    if (!is_token(method_))
      return errc::invalid_method;
    auto rest = line.substr(sp1 + 1);
    auto sp2 = rest.find(' ');
    if (sp2 == std::string_view::npos)
      return errc::invalid_start_line;
    auto target = rest.substr(0, sp2);
    if (target.empty()
        || !std::all_of(target.begin(), target.end(), is_target_char))
      return errc::invalid_target;
    target_ = target;
    return parse_version(rest.substr(sp2 + 1), version_);
  }
  auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos)
    return errc::invalid_start_line;
  if (auto ec = parse_version(line.substr(0, sp1), version_))
    return ec;
  auto rest = line.substr(sp1 + 1);
  if (rest.size() < 3 || !is_digit(rest[0]) || !is_digit(rest[1])
      || !is_digit(rest[2]) || rest[0] == '0')
    return errc::invalid_status;
  status_ = (rest[0] - '0') * 100 + (rest[1] - '0') * 10 + (rest[2] - '0');
  rest.remove_prefix(3);
  if (!rest.empty()) {
    if (rest.front() != ' ')
      return errc::invalid_status;
    rest.remove_prefix(1);
  }
  if (!is_text(rest))
    return errc::invalid_start_line;
  reason_ = rest;
  return {};
}

bool parser::unfolds(std::string_view line) const noexcept {
  // A user agent unfolds a response's obs-fold (RFC 9112 5.2); a server
  // refuses it in requests. Never onto a framing field: its value was
  // checked when it arrived.
  if (role_ != role::response || state_ != state::fields || headers_.empty()
      || line.empty() || (line.front() != ' ' && line.front() != '\t'))
    return false;
  auto& last = headers_.back().first;
  return !iequals(last, "Content-Length")
         && !iequals(last, "Transfer-Encoding");
}

std::error_code parser::parse_field(std::string_view line, fields& into) {
  if (&into == &headers_ && unfolds(line)) {
    auto more = trim_ows(line);
    if (!is_text(more))
      return errc::invalid_field_value;
    headers_.append_to_last(more);
    return {};
  }
  if (line.front() == ' ' || line.front() == '\t')
    return errc::obs_fold;
  auto colon = line.find(':');
  if (colon == std::string_view::npos || !is_token(line.substr(0, colon)))
    return errc::invalid_field_name;
  auto value = trim_ows(line.substr(colon + 1));
  if (!is_text(value))
    return errc::invalid_field_value;
  if (into.size() >= limits_.max_fields)
    return errc::too_many_fields;
  auto name = line.substr(0, colon);
  if (&into == &headers_)
    if (auto ec = check_framing_field(name, value))
      return ec;
  into.add(std::string{name}, std::string{value});
  return {};
}

std::error_code parser::check_framing_field(std::string_view name,
                                            std::string_view value) {
  // Checked as each field arrives, so that a bad one fails at once.
  if (iequals(name, "Content-Length")) {
    if (content_length_)
      return errc::conflicting_content_length;
    if (value.empty() || !std::all_of(value.begin(), value.end(), is_digit))
      return errc::invalid_content_length;
    std::uint64_t n = 0;
    for (char c : value) {
      if (n > (std::numeric_limits<std::uint64_t>::max() - 9) / 10)
        return errc::invalid_content_length;
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    content_length_ = n;
  }
  if ((content_length_ && headers_.contains("Transfer-Encoding"))
      || (iequals(name, "Transfer-Encoding") && content_length_))
    return errc::content_length_with_transfer_encoding;
  return {};
}

std::error_code parser::decide_framing() {
  message_head head{
    role_ == role::request, method_,        status_, version_, headers_,
    request_method_,        content_length_};
  framing f;
  if (auto ec = http::decide_framing(head, limits_.max_body, f))
    return ec;
  keep_alive_ = f.keep_alive;
  upgrade_ = f.upgrade;
  remaining_ = f.length;
  switch (f.body) {
  case body_framing::none:
  case body_framing::length: state_ = state::length; break;
  case body_framing::chunked: state_ = state::chunk_size; break;
  case body_framing::until_close: state_ = state::until_close; break;
  }
  return {};
}

parser_event parser::finish_head() {
  if (auto ec = decide_framing())
    return fail(ec);
  return parser_event::head;
}

parser_event parser::take_body(std::uint64_t max) {
  auto avail = buffer_.size() - pos_;
  if (avail == 0) {
    if (eof_)
      return fail(errc::truncated_message);
    return parser_event::need_more;
  }
  auto n = static_cast<std::size_t>(std::min<std::uint64_t>(avail, max));
  body_bytes_ += n;
  if (body_bytes_ > body_limit_)
    return fail(errc::body_too_large);
  body_ = std::string_view{buffer_}.substr(pos_, n);
  pos_ += n;
  if (state_ != state::until_close)
    remaining_ -= n;
  return parser_event::body;
}

std::error_code parser::limit_body(std::uint64_t max) {
  body_limit_ = max;
  if (state_ != state::failed && content_length_ && *content_length_ > max)
    fail(errc::body_too_large);
  return error_;
}

bool parser::is_interim_response() const noexcept {
  return role_ == role::response && status_ / 100 == 1 && status_ != 101;
}

void parser::start_message() {
  // A final response answers the request an interim one (100) answered.
  if (!is_interim_response())
    request_method_.clear();
  method_.clear();
  target_.clear();
  status_ = 0;
  reason_.clear();
  version_ = 11;
  headers_.clear();
  trailers_.clear();
  body_ = {};
  remaining_ = 0;
  content_length_.reset();
  body_bytes_ = 0;
  body_limit_ = limits_.max_body;
  header_bytes_ = 0;
  keep_alive_ = true;
  upgrade_ = false;
  state_ = state::start_line;
}

parser_event parser::no_line(std::error_code ec, errc too_long,
                             bool mid_message) {
  if (ec == errc::header_section_too_large) // take_line's "too long"
    return fail(too_long);
  if (ec)
    return fail(ec);
  if (eof_ && (mid_message || pos_ < buffer_.size()))
    return fail(errc::truncated_message);
  return parser_event::need_more;
}

std::optional<parser_event> parser::section_line(fields& into, bool& ended) {
  auto budget = limits_.max_header_bytes > header_bytes_
                  ? limits_.max_header_bytes - header_bytes_
                  : 0;
  std::string_view line;
  std::error_code ec;
  if (!take_line(line, budget, ec))
    return no_line(ec, errc::header_section_too_large, true);
  header_bytes_ += line.size() + 2;
  if (header_bytes_ > limits_.max_header_bytes)
    return fail(errc::header_section_too_large);
  if (line.empty()) {
    ended = true;
    return std::nullopt;
  }
  if (auto e = parse_field(line, into))
    return fail(e);
  return std::nullopt;
}

parser_event parser::next() {
  body_ = {};
  for (;;) {
    std::string_view line;
    std::error_code ec;
    switch (state_) {
    case state::start_line:
      if (!take_line(line, limits_.max_start_line, ec))
        return no_line(ec, errc::start_line_too_long, false);
      if (line.empty())
        continue; // empty lines before a start line are ignored (2.2)
      if (auto e = parse_start_line(line))
        return fail(e);
      header_bytes_ = line.size() + 2;
      state_ = state::fields;
      continue;
    case state::fields: {
      bool ended = false;
      if (auto ev = section_line(headers_, ended))
        return *ev;
      if (ended)
        return finish_head();
      continue;
    }
    case state::length:
      if (remaining_ == 0) {
        state_ = state::done;
        continue;
      }
      return take_body(remaining_);
    case state::chunk_size: {
      if (!take_line(line, max_chunk_line, ec))
        return no_line(ec, errc::invalid_chunk_size, true);
      std::uint64_t size = 0;
      std::size_t i = 0;
      for (; i < line.size() && hex_value(line[i]) >= 0; ++i) {
        if (size >> 60)
          return fail(errc::invalid_chunk_size);
        size = size * 16 + static_cast<std::uint64_t>(hex_value(line[i]));
      }
      if (i == 0 || !valid_chunk_ext(line.substr(i), false))
        return fail(errc::invalid_chunk_size);
      if (size > body_limit_ - body_bytes_)
        return fail(errc::body_too_large);
      remaining_ = size;
      state_ = size == 0 ? state::trailers : state::chunk_data;
      continue;
    }
    case state::chunk_data:
      if (remaining_ == 0) {
        state_ = state::chunk_crlf;
        continue;
      }
      return take_body(remaining_);
    case state::chunk_crlf:
      if (buffer_.size() - pos_ < 2) {
        if (eof_)
          return fail(errc::truncated_message);
        if (buffer_.size() > pos_ && buffer_[pos_] != '\r')
          return fail(errc::invalid_chunk_framing);
        return parser_event::need_more;
      }
      if (buffer_[pos_] != '\r' || buffer_[pos_ + 1] != '\n')
        return fail(errc::invalid_chunk_framing);
      pos_ += 2;
      state_ = state::chunk_size;
      continue;
    case state::trailers: {
      bool ended = false;
      if (auto ev = section_line(trailers_, ended))
        return *ev;
      if (ended)
        state_ = state::done;
      continue;
    }
    case state::until_close:
      if (buffer_.size() > pos_)
        return take_body(std::numeric_limits<std::uint64_t>::max());
      if (eof_) {
        state_ = state::done;
        continue;
      }
      return parser_event::need_more;
    case state::done:
      // The message's fields stay readable until the next call.
      if (upgrade_)
        state_ = state::upgraded;
      else if (!keep_alive_ && !is_interim_response())
        state_ = state::closed;
      else
        state_ = state::next_message;
      return parser_event::end;
    case state::next_message: start_message(); continue;
    case state::closed:
      // Stray CRLFs after the last message are tolerated, as before a
      // start line; anything else is a message nobody may read.
      while (buffer_.size() - pos_ >= 2
             && buffer_.compare(pos_, 2, "\r\n") == 0)
        pos_ += 2;
      if (buffer_.size() > pos_
          && (buffer_.size() - pos_ > 1 || buffer_[pos_] != '\r'))
        return fail(errc::data_after_close);
      return parser_event::need_more;
    case state::upgraded: return parser_event::need_more;
    case state::failed: return parser_event::error;
    }
  }
}

} // namespace gale::http
