// A tiny leveled logger to stderr. Level 0 prints warnings and errors, -v adds info, -vv debug.
// Thread-safe: each message is formatted first and written with one write(2).
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace ibsr::log {

enum class Level { Error = 0, Warn = 0, Info = 1, Debug = 2 };

void setVerbosity(int verbosity);
int verbosity();
void write(std::string_view tag, std::string_view message);

template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  write("error", fmt::format(f, std::forward<Args>(args)...));
}
// Always printed: the few lines an operator needs even without -v (what was attached, where).
template <typename... Args>
void notice(fmt::format_string<Args...> f, Args&&... args) {
  write("notice", fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  write("warning", fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (verbosity() >= 1) write("info", fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (verbosity() >= 2) write("debug", fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace ibsr::log
