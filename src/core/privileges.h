#pragma once

#include <string>

#include "core/result.h"

namespace ibsr {

// Fails unless the process may load BPF programs and attach them to interfaces: root, or
// CAP_BPF + CAP_NET_ADMIN (+ CAP_PERFMON is not needed for XDP/TC), or CAP_SYS_ADMIN +
// CAP_NET_ADMIN on kernels that predate CAP_BPF. `what` names the command in the message.
Status requireBpfPrivileges(const std::string& what);

}  // namespace ibsr
