#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gale::http {

/// Routes a method and a path to a value (a handler) by patterns such as
/// "/users/{id}/posts": literal segments match themselves, "{name}"
/// matches any one non-empty segment and captures it. Routes are tried in
/// the order they were added. No I/O: the server asks, the router answers.
template <class T>
class router {
public:
  struct match {
    const T* target = nullptr;                 ///< null: no route
    std::map<std::string, std::string> params; ///< captured segments
    /// For a path that exists with other methods: those methods (a 405).
    std::vector<std::string> allowed;
  };

  /// Adds a route; `method` "*" matches every method.
  router& add(std::string method, std::string_view pattern, T target) {
    routes_.push_back({std::move(method), split(pattern), std::move(target)});
    return *this;
  }

  /// The route for `method` and `path` (without the query).
  match find(std::string_view method, std::string_view path) const {
    match m;
    auto segments = split(path);
    for (const auto& r : routes_) {
      std::map<std::string, std::string> params;
      if (!matches(r.pattern, segments, params))
        continue;
      if (r.method == "*" || r.method == method) {
        m.target = &r.target;
        m.params = std::move(params);
        return m;
      }
      m.allowed.push_back(r.method);
    }
    return m;
  }

private:
  struct route {
    std::string method;
    std::vector<std::string> pattern;
    T target;
  };

  static std::vector<std::string> split(std::string_view path) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i <= path.size()) {
      auto slash = path.find('/', i);
      auto end = slash == std::string_view::npos ? path.size() : slash;
      if (end > i)
        out.emplace_back(path.substr(i, end - i));
      else if (slash == std::string_view::npos && i == path.size() && i > 0
               && path[i - 1] == '/')
        out.emplace_back(); // a trailing slash is a segment of its own
      i = end + 1;
    }
    return out;
  }

  static bool matches(const std::vector<std::string>& pattern,
                      const std::vector<std::string>& segments,
                      std::map<std::string, std::string>& params) {
    if (pattern.size() != segments.size())
      return false;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      const auto& p = pattern[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        if (segments[i].empty())
          return false;
        params[p.substr(1, p.size() - 2)] = segments[i];
      } else if (p != segments[i]) {
        return false;
      }
    }
    return true;
  }

  std::vector<route> routes_;
};

} // namespace gale::http
