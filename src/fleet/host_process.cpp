#include "fleet/host_process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstring>
#include <deque>
#include <fstream>

#include <fmt/format.h>

extern char** environ;

namespace ibsr::fleet {
namespace {

std::vector<std::string> lastLines(const std::string& path, size_t count) {
  std::ifstream in(path);
  std::deque<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    lines.push_back(line);
    if (lines.size() > count) lines.pop_front();
  }
  return {lines.begin(), lines.end()};
}

}  // namespace

ChildOutcome runChild(const std::vector<std::string>& args, const std::string& stderrPath,
                      size_t tailLines) {
  ChildOutcome out;
  std::vector<char*> argv;
  std::string self = "/proc/self/exe";
  std::vector<std::string> copy = args;
  argv.push_back(self.data());
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);

  // posix_spawn, not fork: the parent has worker threads, and only exec-after-vfork is safe then.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, stderrPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    out.error = fmt::format("cannot start the report: {}", std::strerror(rc));
    return out;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      out.error = fmt::format("cannot wait for the report: {}", std::strerror(errno));
      return out;
    }
  }
  out.stderrTail = lastLines(stderrPath, tailLines);
  if (WIFEXITED(status)) {
    out.exitCode = WEXITSTATUS(status);
    if (out.exitCode != 0) out.error = fmt::format("the report exited with {}", out.exitCode);
  } else if (WIFSIGNALED(status)) {
    out.error = fmt::format("the report was killed by signal {} ({})", WTERMSIG(status),
                            strsignal(WTERMSIG(status)));
  }
  return out;
}

}  // namespace ibsr::fleet
