#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace gale::test {

/// A program run by a test, with a pipe to its stdin and one from its
/// stdout. Started with posix_spawn (no fork of the multi-threaded test);
/// killed and reaped when this object goes, and since its stdin is a pipe
/// from us, a child that watches it also ends when the test process dies.
class child_process {
public:
  explicit child_process(const std::vector<std::string>& argv) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    int rc =
      posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
    if (rc != 0) {
      pid_ = -1;
      throw std::runtime_error("cannot start " + argv[0]);
    }
  }

  ~child_process() {
    if (stdin_ >= 0)
      close(stdin_);
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL); // also ends a stopped process
      waitpid(pid_, nullptr, 0);
    }
    close(stdout_);
  }

  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  /// The next line of its stdout (without the newline), or nothing when
  /// none came within `limit` or the stream ended.
  std::optional<std::string> read_line(std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    std::string line;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      pollfd p{stdout_, POLLIN, 0};
      if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) != 1)
        return std::nullopt;
      char c;
      if (read(stdout_, &c, 1) != 1)
        return std::nullopt;
      if (c == '\n')
        return line;
      line += c;
    }
  }

  /// Sends `signal_number` (SIGSTOP freezes it, SIGCONT thaws it).
  void send_signal(int signal_number) {
    if (pid_ > 0)
      ::kill(pid_, signal_number);
  }

  /// Sends `signal_number` and waits for the process to end.
  void kill_and_wait(int signal_number) {
    if (pid_ <= 0)
      return;
    ::kill(pid_, signal_number);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
};

} // namespace gale::test
