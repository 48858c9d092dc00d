#include "core/log.h"

#include <unistd.h>

#include <atomic>
#include <string>

namespace ibsr::log {
namespace {
std::atomic<int> gVerbosity{0};
}

void setVerbosity(int v) {
  gVerbosity.store(v, std::memory_order_relaxed);
}
int verbosity() {
  return gVerbosity.load(std::memory_order_relaxed);
}

void write(std::string_view tag, std::string_view message) {
  std::string line = "ibsr: ";
  line += tag;
  line += ": ";
  line += message;
  if (line.empty() || line.back() != '\n') line += '\n';
  // One write per message so concurrent threads never interleave within a line.
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace ibsr::log
