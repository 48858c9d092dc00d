#include "bpf/kernel_caps.h"

#include <bpf/libbpf.h>
#include <sys/utsname.h>

#include <cerrno>
#include <charconv>

namespace ibsr::bpf {
namespace {

bool runProbe(KernelProbe p) {
  // libbpf's probes return 1 (supported), 0 (not) or a negative error; only a definite 0 counts as
  // missing, so an unprivileged probe never hides the real load error. libbpf 1.1's program
  // probe also returns 0 when the kernel refused it (EPERM: capabilities held only in a user
  // namespace, say), leaving that errno: not "missing" either, the load then names the cause.
  errno = 0;
  int r = 1;
  switch (p) {
    case KernelProbe::None:
      return true;
    case KernelProbe::XdpProgram:
      r = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_XDP, nullptr);
      break;
    case KernelProbe::TcProgram:
      r = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SCHED_CLS, nullptr);
      break;
    case KernelProbe::LruHashMap:
      r = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_LRU_HASH, nullptr);
      break;
    case KernelProbe::RingBufMap:
      r = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr);
      break;
  }
  return r != 0 || errno == EPERM;
}

std::string versionText(KernelRelease r) {
  return std::to_string(r.major) + "." + std::to_string(r.minor);
}

}  // namespace

std::optional<KernelRelease> parseKernelRelease(std::string_view s) {
  KernelRelease r;
  const char* end = s.data() + s.size();
  auto [p1, e1] = std::from_chars(s.data(), end, r.major);
  if (e1 != std::errc() || p1 == end || *p1 != '.') return std::nullopt;
  auto [p2, e2] = std::from_chars(p1 + 1, end, r.minor);
  if (e2 != std::errc() || p2 == p1 + 1) return std::nullopt;
  return r;
}

std::vector<KernelFeature> requiredFeatures(safety::Mode mode) {
  std::vector<KernelFeature> out;
  if (mode == safety::Mode::Strict) {
    // The counter program (ibsr collect, and collect-payload's XDP counters).
    out.push_back({"XDP programs", {4, 8}, KernelProbe::XdpProgram});
    out.push_back({"LRU hash maps", {4, 10}, KernelProbe::LruHashMap});
    out.push_back({"XDP attachment through bpf_link", {5, 9}, KernelProbe::None});
  } else {
    // The TC programs of collect-payload and record-incident. TCX links (6.6) are optional: older
    // kernels get clsact filters (bpf/tc_attach.h).
    out.push_back({"TC BPF classifiers", {4, 1}, KernelProbe::TcProgram});
    out.push_back({"the BPF ring buffer", {5, 8}, KernelProbe::RingBufMap});
  }
  return out;
}

Status checkKernelFeatures(std::string_view name, safety::Mode mode, std::string_view release,
                           const std::function<bool(KernelProbe)>& probe) {
  auto parsed = parseKernelRelease(release);
  for (const auto& f : requiredFeatures(mode)) {
    bool missing = f.probe == KernelProbe::None ? parsed && *parsed < f.minimum : !probe(f.probe);
    if (missing)
      return plainError("this kernel (Linux " + std::string(release) + ") lacks " +
                        std::string(f.name) + ", which the " + std::string(name) +
                        " program needs (Linux " + versionText(f.minimum) + " or later)");
  }
  return {};
}

Status checkRunningKernel(std::string_view name, safety::Mode mode) {
  utsname u{};
  std::string release = ::uname(&u) == 0 ? u.release : "unknown";
  return checkKernelFeatures(name, mode, release, runProbe);
}

}  // namespace ibsr::bpf
