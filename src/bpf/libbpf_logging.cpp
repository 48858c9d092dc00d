#include "bpf/libbpf_logging.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <string>

#include "core/log.h"

namespace ibsr::bpf {
namespace {

int printToLogger(enum libbpf_print_level level, const char* format, va_list args) {
  int needed = level == LIBBPF_WARN ? 0 : level == LIBBPF_INFO ? 1 : 2;
  if (log::verbosity() < needed) return 0;
  // Verifier logs arrive as one message far longer than any fixed buffer; measure, then format.
  va_list copy;
  va_copy(copy, args);
  int n = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  if (n <= 0) return n;
  std::string msg(static_cast<std::size_t>(n) + 1, '\0');
  std::vsnprintf(msg.data(), msg.size(), format, args);
  msg.resize(static_cast<std::size_t>(n));
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  if (level == LIBBPF_WARN)
    log::write(log::Priority::Warning, "libbpf", msg);
  else
    log::write(log::Priority::Debug, "libbpf-debug", msg);
  return n;
}

}  // namespace

void installLibbpfLogging() {
  libbpf_set_print(printToLogger);
}

}  // namespace ibsr::bpf
