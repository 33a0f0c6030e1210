#include "gale/http/fields.hpp"

#include "ascii.hpp"

#include <algorithm>

namespace gale::http {

using detail::lower;

bool is_token_char(char c) noexcept {
  // tchar (RFC 9110 5.6.2): "!#$%&'*+-.^_`|~" / DIGIT / ALPHA
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
         || (c >= '0' && c <= '9')
         || std::string_view{"!#$%&'*+-.^_`|~"}.find(c)
              != std::string_view::npos;
}

bool is_token(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_token_char);
}

bool is_valid_field_value(std::string_view s) noexcept {
  for (char c : s) {
    auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\t') || byte == 0x7F)
      return false;
  }
  return trim_ows(s).size() == s.size();
}

std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size()
         && std::equal(a.begin(), a.end(), b.begin(),
                       [](char x, char y) { return lower(x) == lower(y); });
}

void fields::add(std::string name, std::string value) {
  items_.emplace_back(std::move(name), std::move(value));
}

void fields::append_to_last(std::string_view more) {
  if (items_.empty() || more.empty())
    return;
  auto& value = items_.back().second;
  if (!value.empty())
    value += ' ';
  value.append(more);
}

void fields::set(std::string_view name, std::string value) {
  auto first = std::find_if(items_.begin(), items_.end(), [&](const auto& f) {
    return iequals(f.first, name);
  });
  if (first == items_.end()) {
    items_.emplace_back(std::string{name}, std::move(value));
    return;
  }
  first->second = std::move(value);
  items_.erase(
    std::remove_if(std::next(first), items_.end(),
                   [&](const auto& f) { return iequals(f.first, name); }),
    items_.end());
}

std::size_t fields::erase(std::string_view name) {
  auto before = items_.size();
  items_.erase(
    std::remove_if(items_.begin(), items_.end(),
                   [&](const auto& f) { return iequals(f.first, name); }),
    items_.end());
  return before - items_.size();
}

const std::string* fields::find(std::string_view name) const noexcept {
  for (const auto& [n, v] : items_)
    if (iequals(n, name))
      return &v;
  return nullptr;
}

std::vector<std::string_view> fields::find_all(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& [n, v] : items_)
    if (iequals(n, name))
      out.emplace_back(v);
  return out;
}

bool fields::has_token(std::string_view name, std::string_view token) const {
  for (auto value : find_all(name)) {
    while (!value.empty()) {
      auto comma = value.find(',');
      if (iequals(trim_ows(value.substr(0, comma)), token))
        return true;
      if (comma == std::string_view::npos)
        break;
      value.remove_prefix(comma + 1);
    }
  }
  return false;
}

} // namespace gale::http
