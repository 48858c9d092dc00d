// XDP attachment through a bpf_link: the link lives exactly as long as its fd, so any death of
// the process (including SIGKILL) detaches the program and leaves the interface as it was.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/unique_fd.h"

namespace ibsr::bpf {

enum class XdpMode { Auto, Native, Generic };

std::optional<XdpMode> parseXdpMode(std::string_view name);
std::string_view xdpModeName(XdpMode mode);

struct XdpLink {
  UniqueFd link;
  XdpMode mode;  // Native or Generic: what was actually used
};

// Auto tries native (driver) mode and falls back to generic (skb) mode.
Result<XdpLink> attachXdp(int progFd, int ifindex, std::string_view ifname, XdpMode mode);

// The interface index of a name, or an error naming the interface.
Result<int> interfaceIndex(const std::string& ifname);

}  // namespace ibsr::bpf
