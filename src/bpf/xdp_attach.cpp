#include "bpf/xdp_attach.h"

#include <bpf/bpf.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstring>

#include "core/log.h"
#include "core/privileges.h"

namespace ibsr::bpf {

std::optional<XdpMode> parseXdpMode(std::string_view name) {
  if (name == "auto") return XdpMode::Auto;
  if (name == "native") return XdpMode::Native;
  if (name == "generic") return XdpMode::Generic;
  return std::nullopt;
}

std::string_view xdpModeName(XdpMode mode) {
  switch (mode) {
    case XdpMode::Auto:
      return "auto";
    case XdpMode::Native:
      return "native";
    case XdpMode::Generic:
      return "generic";
  }
  return "?";
}

namespace {

// Generic XDP sees socket buffers, not frames: after GRO or LRO, and on virtual devices (veth,
// tap) as the sender's unsegmented GSO buffer. One such buffer of many TCP segments reaches the
// program as one packet. SYN, RST and pure-ACK (handshake_ack) counts stay exact, because only
// segments with payload are merged, but `packets` and `ack` then count buffers, and `bytes`
// misses the headers of the merged segments (the payload is all counted). Say so once at attach,
// rather than let an operator read those counts as exact.
void warnAboutMergedPackets(std::string_view ifname) {
  log::warn(
      "generic XDP on '{}' counts socket buffers: a GRO/LRO/GSO-merged run of TCP "
      "segments is one packet, so 'packets' and 'ack' may be lower than on the wire and "
      "'bytes' misses their headers (syn, rst and handshake_ack stay exact); native mode "
      "counts every frame",
      ifname);
}

// The interface's driver name as ethtool reports it ("veth", "mlx5_core", ...); empty if unknown.
std::string interfaceDriver(std::string_view ifname) {
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock.valid() || ifname.size() >= IFNAMSIZ) return {};
  ethtool_drvinfo info{};
  info.cmd = ETHTOOL_GDRVINFO;
  ifreq req{};
  std::memcpy(req.ifr_name, ifname.data(), ifname.size());
  req.ifr_data = reinterpret_cast<char*>(&info);
  if (::ioctl(sock.get(), SIOCETHTOOL, &req) != 0) return {};
  return std::string(info.driver, strnlen(info.driver, sizeof info.driver));
}

// A veth with a native XDP program makes the kernel turn off GSO on its peer, so every sender
// into this container or namespace segments in software: at high rates that costs far more
// throughput than the program (docs/performance.md measured x0.46 unpaced). The numbers stay
// exact; the operator should know the trade before it surprises them.
void warnAboutVethGso(std::string_view ifname) {
  log::warn(
      "native XDP on veth '{}': the kernel turns off GSO on its peer while an XDP program is "
      "attached, which can cost much more throughput than the program itself; --xdp-mode "
      "generic avoids that but counts merged packets as one (docs/collect.md, \"XDP mode\")",
      ifname);
}

Result<XdpLink> linkWithFlags(int progFd, int ifindex, std::string_view ifname, XdpMode mode) {
  // Filled by hand: LIBBPF_OPTS is a GNU statement expression that -Wpedantic rejects.
  bpf_link_create_opts opts{};
  opts.sz = sizeof(opts);
  opts.flags = mode == XdpMode::Native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
  int fd = bpf_link_create(progFd, ifindex, BPF_XDP, &opts);
  if (fd < 0) {
    std::string why = "cannot attach XDP program in " + std::string(xdpModeName(mode)) +
                      " mode on interface '" + std::string(ifname) + "'";
    if (fd == -EBUSY || fd == -EEXIST) why += " (another XDP program is already attached)";
    return explainPermissionError(sysError(why, fd), kAttachNeeds);
  }
  if (mode == XdpMode::Generic) warnAboutMergedPackets(ifname);
  if (mode == XdpMode::Native && interfaceDriver(ifname) == "veth") warnAboutVethGso(ifname);
  return XdpLink{UniqueFd(fd), mode};
}

}  // namespace

Result<XdpLink> attachXdp(int progFd, int ifindex, std::string_view ifname, XdpMode mode) {
  if (mode != XdpMode::Auto) return linkWithFlags(progFd, ifindex, ifname, mode);
  auto native = linkWithFlags(progFd, ifindex, ifname, XdpMode::Native);
  if (native.ok()) return native;
  log::info("native XDP unavailable ({}); falling back to generic mode", native.error().message);
  auto generic = linkWithFlags(progFd, ifindex, ifname, XdpMode::Generic);
  if (generic.ok()) return generic;
  return plainError(native.error().message + "; generic fallback: " + generic.error().message);
}

Result<int> interfaceIndex(const std::string& ifname) {
  unsigned idx = if_nametoindex(ifname.c_str());
  if (idx == 0) return sysError("unknown network interface '" + ifname + "'");
  return static_cast<int>(idx);
}

}  // namespace ibsr::bpf
