#include "core/log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string>

namespace ibsr::log {
namespace {
std::atomic<int> gVerbosity{0};

// Decided once: the environment and our stderr do not change while we run.
bool stderrIsJournal() {
  static const bool journal = [] {
    struct stat st {};
    return ::fstat(STDERR_FILENO, &st) == 0 &&
           isJournalStream(std::getenv("JOURNAL_STREAM"), st.st_dev, st.st_ino);
  }();
  return journal;
}

}  // namespace

void setVerbosity(int v) {
  gVerbosity.store(v, std::memory_order_relaxed);
}
int verbosity() {
  return gVerbosity.load(std::memory_order_relaxed);
}

bool isJournalStream(const char* journalStream, dev_t dev, ino_t ino) {
  if (journalStream == nullptr) return false;
  const char* end = journalStream + std::strlen(journalStream);
  unsigned long long d = 0, i = 0;
  auto [p1, e1] = std::from_chars(journalStream, end, d);
  if (e1 != std::errc() || p1 == end || *p1 != ':') return false;
  auto [p2, e2] = std::from_chars(p1 + 1, end, i);
  if (e2 != std::errc() || p2 != end || p2 == p1 + 1) return false;
  return d == static_cast<unsigned long long>(dev) && i == static_cast<unsigned long long>(ino);
}

std::string withPriorityPrefix(Priority priority, std::string_view text) {
  const std::string prefix = "<" + std::to_string(static_cast<int>(priority)) + ">";
  std::string out;
  out.reserve(text.size() + prefix.size());
  bool lineStart = true;
  for (char c : text) {
    if (lineStart) out += prefix;
    out += c;
    lineStart = c == '\n';
  }
  return out;
}

void write(Priority priority, std::string_view tag, std::string_view message) {
  std::string line = "ibsr: ";
  line += tag;
  line += ": ";
  line += message;
  if (line.back() != '\n') line += '\n';
  if (stderrIsJournal()) line = withPriorityPrefix(priority, line);
  // One write per message so concurrent threads never interleave within a line.
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace ibsr::log
