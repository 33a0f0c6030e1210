#pragma once

#include "gale/error.hpp"

#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace gale {

/// A value or the error that took its place: the element a queue receives
/// when an operation completes into it (`gale::to_queue`).
template <class T>
class result {
public:
  using stored_type = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

  result(stored_type value) : value_(std::move(value)) {} // NOLINT
  result(std::error_code ec) : error_(ec) {}              // NOLINT

  /// An error that came with a value (an HTTP status error's response).
  result(std::error_code ec, stored_type value)
    : value_(std::move(value)), error_(ec) {}

  bool ok() const noexcept { return !error_; }
  explicit operator bool() const noexcept { return ok(); }
  const std::error_code& error() const noexcept { return error_; }

  /// The value; throws `gale::error` when this holds an error.
  const stored_type& value() const& {
    if (error_)
      throw gale::error{error_};
    return value_;
  }

  stored_type&& value() && {
    if (error_)
      throw gale::error{error_};
    return std::move(value_);
  }

  /// The value even beside an error: what the operation delivered with
  /// it (an HTTP status error's response), else a default value.
  const stored_type& payload() const noexcept { return value_; }

private:
  stored_type value_{};
  std::error_code error_;
};

} // namespace gale
