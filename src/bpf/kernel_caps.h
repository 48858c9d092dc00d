// What the running kernel must provide before a mode loads anything, so that an old kernel gets
// one clear line naming the missing feature and the minimum Linux version instead of a libbpf
// error halfway through loading. IBSR's programs are not CO-RE (they read only UAPI structs), so
// kernel BTF (/sys/kernel/btf/vmlinux) is not needed and not checked.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "safety/verifier.h"

namespace ibsr::bpf {

struct KernelRelease {
  int major = 0;
  int minor = 0;
  auto operator<=>(const KernelRelease&) const = default;
};

// "6.18.44-fc-v1252" -> 6.18; nullopt when it does not start with MAJOR.MINOR.
std::optional<KernelRelease> parseKernelRelease(std::string_view release);

enum class KernelProbe { None, XdpProgram, TcProgram, LruHashMap, RingBufMap };

struct KernelFeature {
  std::string_view name;  // as the operator reads it in the error
  KernelRelease minimum;
  // A feature probe where libbpf has one; None: judged by the release alone (bpf_link for XDP
  // has no side-effect-free probe), and skipped when the release cannot be parsed.
  KernelProbe probe;
};

// The features one program of the given safety mode needs, in the order they are checked.
std::vector<KernelFeature> requiredFeatures(safety::Mode mode);

// The decision, on injected facts (unit-tested with fake releases and probe results): the first
// missing feature as "this kernel (Linux R) lacks F, which NAME needs (Linux M or later)".
Status checkKernelFeatures(std::string_view name, safety::Mode mode, std::string_view release,
                           const std::function<bool(KernelProbe)>& probe);

// The same on the running kernel: uname() and libbpf's feature probes.
Status checkRunningKernel(std::string_view name, safety::Mode mode);

}  // namespace ibsr::bpf
