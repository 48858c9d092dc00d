#include "core/privileges.h"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

namespace ibsr {
namespace {

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

bool hasCap(const __user_cap_data_struct (&data)[2], int cap) {
  return (data[cap / 32].effective & (1u << (cap % 32))) != 0;
}

}  // namespace

Status requireBpfPrivileges(const std::string& what) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (::syscall(SYS_capget, &header, data) != 0) return sysError("cannot read capabilities");
  bool bpf = hasCap(data, CAP_BPF) || hasCap(data, CAP_SYS_ADMIN);
  bool net = hasCap(data, CAP_NET_ADMIN);
  if (bpf && net) return {};
  std::string missing;
  if (!bpf) missing += "CAP_BPF (or CAP_SYS_ADMIN)";
  if (!net) missing += std::string(missing.empty() ? "" : " and ") + "CAP_NET_ADMIN";
  return Error{EPERM, what + " needs root or CAP_BPF + CAP_NET_ADMIN; missing " + missing};
}

}  // namespace ibsr
