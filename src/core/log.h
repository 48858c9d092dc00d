// A tiny leveled logger to stderr. Level 0 prints warnings and errors, -v adds info, -vv debug.
// Thread-safe: each message is formatted first and written with one write(2). When stderr is
// the journal (a systemd service), every line starts with its syslog priority ("<4>"), so
// `journalctl -p warning` finds the warnings; elsewhere the output is plain text.
#pragma once

#include <fmt/format.h>

#include <sys/types.h>
#include <string_view>

namespace ibsr::log {

enum class Level { Error = 0, Warn = 0, Info = 1, Debug = 2 };

// syslog(3) priorities, as sd-daemon(3) prefixes read them.
enum class Priority { Error = 3, Warning = 4, Notice = 5, Info = 6, Debug = 7 };

void setVerbosity(int verbosity);
int verbosity();
void write(Priority priority, std::string_view tag, std::string_view message);

// The documented check (systemd.exec(5), $JOURNAL_STREAM): the variable holds "DEV:INODE" of the
// stream systemd connected, and stderr is that stream only if fstat(2) of it gives the same pair
// (a child whose stderr was redirected inherits the variable, not the stream).
bool isJournalStream(const char* journalStream, dev_t dev, ino_t ino);

// "<4>" on every line of `text` (journald reads the priority per line).
std::string withPriorityPrefix(Priority priority, std::string_view text);

template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  write(Priority::Error, "error", fmt::format(f, std::forward<Args>(args)...));
}
// Always printed: the few lines an operator needs even without -v (what was attached, where).
template <typename... Args>
void notice(fmt::format_string<Args...> f, Args&&... args) {
  write(Priority::Notice, "notice", fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  write(Priority::Warning, "warning", fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (verbosity() >= 1) write(Priority::Info, "info", fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (verbosity() >= 2)
    write(Priority::Debug, "debug", fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace ibsr::log
