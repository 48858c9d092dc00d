// One host's report as a child process of this same binary (/proc/self/exe), so a crash, a
// runaway allocation or bad data on one host cannot take the fleet run or the other hosts down.
#pragma once

#include <string>
#include <vector>

namespace ibsr::fleet {

struct ChildOutcome {
  int exitCode = -1;  // -1: did not start or was killed by a signal
  std::string error;  // empty on exit 0; else one line: the exit code or the signal
  std::vector<std::string> stderrTail;
};

// Runs `/proc/self/exe args...` with stdout discarded and stderr kept in `stderrPath`; returns
// after the child has exited, with the last `tailLines` lines of its stderr.
ChildOutcome runChild(const std::vector<std::string>& args, const std::string& stderrPath,
                      size_t tailLines = 8);

}  // namespace ibsr::fleet
