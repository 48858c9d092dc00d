#include "core/privileges.h"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <vector>

namespace ibsr {
namespace {

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

bool hasCap(const __user_cap_data_struct (&data)[2], int cap) {
  return (data[cap / 32].effective & (1u << (cap % 32))) != 0;
}

std::string joinNames(const std::vector<Capability>& caps) {
  std::string out;
  for (size_t i = 0; i < caps.size(); ++i) {
    if (i > 0) out += i + 1 == caps.size() ? " and " : ", ";
    out += capabilityName(caps[i]);
  }
  return out;
}

}  // namespace

std::string_view capabilityName(Capability c) {
  switch (c) {
    case Capability::Bpf:
      return "CAP_BPF";
    case Capability::Perfmon:
      return "CAP_PERFMON";
    case Capability::NetAdmin:
      return "CAP_NET_ADMIN";
  }
  return "?";
}

bool CapabilitySet::has(Capability c) const {
  switch (c) {
    case Capability::Bpf:
      return bpf;
    case Capability::Perfmon:
      return perfmon;
    case Capability::NetAdmin:
      return netAdmin;
  }
  return false;
}

Result<CapabilitySet> effectiveCapabilities() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (::syscall(SYS_capget, &header, data) != 0) return sysError("cannot read capabilities");
  CapabilitySet s;
  s.bpf = hasCap(data, CAP_BPF) || hasCap(data, CAP_SYS_ADMIN);
  s.perfmon = hasCap(data, CAP_PERFMON) || hasCap(data, CAP_SYS_ADMIN);
  s.netAdmin = hasCap(data, CAP_NET_ADMIN);
  return s;
}

Status checkCapabilities(std::string_view command, std::initializer_list<Capability> needed,
                         const CapabilitySet& have) {
  std::vector<Capability> missing;
  for (Capability c : needed)
    if (!have.has(c)) missing.push_back(c);
  if (missing.empty()) return {};
  return Error{EPERM, std::string(command) + " needs " + joinNames(needed) + "; missing " +
                          joinNames(missing) + " (run as root or grant them, e.g. systemd's " +
                          "AmbientCapabilities=)"};
}

Status requireCapabilities(std::string_view command, std::initializer_list<Capability> needed) {
  auto have = effectiveCapabilities();
  if (!have.ok()) return have.error();
  return checkCapabilities(command, needed, *have);
}

Error explainPermissionError(Error e, std::string_view likelyMissing) {
  if (e.errnum != EPERM) return e;
  e.message += " (";
  e.message += likelyMissing;
  e.message += ")";
  return e;
}

}  // namespace ibsr
