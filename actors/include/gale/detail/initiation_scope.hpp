#pragma once

namespace gale::detail {

/// Marks the calling thread as inside an initiating function while alive,
/// so that an outcome known at once is posted rather than run inside the
/// initiating call. Thread-local by nature: it describes the current call
/// stack only.
class initiation_scope {
public:
  initiation_scope() noexcept { ++depth(); }
  ~initiation_scope() { --depth(); }
  initiation_scope(const initiation_scope&) = delete;
  initiation_scope& operator=(const initiation_scope&) = delete;
  static bool active() noexcept { return depth() > 0; }

private:
  static int& depth() noexcept {
    thread_local int value = 0;
    return value;
  }
};

} // namespace gale::detail
