#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gale::http {

/// True for the characters of an RFC 9110 token (field names, methods).
bool is_token_char(char c) noexcept;

/// True when `s` is a non-empty token.
bool is_token(std::string_view s) noexcept;

/// True when `s` may be sent as a field value: no CR, LF, NUL or other
/// control character except HTAB, and no leading or trailing whitespace.
bool is_valid_field_value(std::string_view s) noexcept;

/// Case-insensitive ASCII comparison, as field names and tokens compare.
bool iequals(std::string_view a, std::string_view b) noexcept;

/// `s` without leading and trailing optional whitespace (SP, HTAB: RFC 9110
/// 5.6.3), as field values and list elements are read.
std::string_view trim_ows(std::string_view s) noexcept;

/// An HTTP header or trailer section: name/value pairs in the order they
/// were added or received, duplicates kept, names compared without regard
/// to case (RFC 9110 5.1).
class fields {
public:
  using value_type = std::pair<std::string, std::string>;
  using const_iterator = std::vector<value_type>::const_iterator;

  fields() = default;
  fields(std::initializer_list<value_type> init) : items_(init) {}

  /// Appends a field; an existing field of the same name stays.
  void add(std::string name, std::string value);

  /// Appends " " and `more` to the last field's value (a parser unfolding
  /// an obs-fold line); nothing if there is no field or `more` is empty.
  void append_to_last(std::string_view more);

  /// The last field added; the section must not be empty.
  const value_type& back() const noexcept { return items_.back(); }

  /// Replaces every field named `name` with one field (at the first's place).
  void set(std::string_view name, std::string value);

  /// Removes every field named `name`; returns how many there were.
  std::size_t erase(std::string_view name);

  /// The first value of `name`, or nullptr.
  const std::string* find(std::string_view name) const noexcept;

  /// Every value of `name`, in order.
  std::vector<std::string_view> find_all(std::string_view name) const;

  bool contains(std::string_view name) const noexcept {
    return find(name) != nullptr;
  }

  /// True when one of the comma-separated elements of the fields named
  /// `name` equals `token`, ignoring case ("Connection: keep-alive, Upgrade").
  bool has_token(std::string_view name, std::string_view token) const;

  std::size_t size() const noexcept { return items_.size(); }
  bool empty() const noexcept { return items_.empty(); }
  const_iterator begin() const noexcept { return items_.begin(); }
  const_iterator end() const noexcept { return items_.end(); }
  void clear() noexcept { items_.clear(); }

  friend bool operator==(const fields&, const fields&) = default;

private:
  std::vector<value_type> items_;
};

} // namespace gale::http
