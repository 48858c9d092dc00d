// Options of `ibsr collect-payload`. The flags it shares with `ibsr collect` keep collect's
// types, defaults (except --out-dir) and validation.
#pragma once

#include <cstdint>

#include "collect/options.h"
#include "core/result.h"
#include "ibsr_abi.h"

namespace ibsr::payload {

inline constexpr const char* kDefaultOutDir = "/var/lib/ibsr/snapshots-payload";
inline constexpr std::uint64_t kMinRingbufBytes = 4096;
inline constexpr std::uint64_t kMaxRingbufBytes = 1ull << 30;
inline constexpr std::uint32_t kMaxFlowsLimit = 10'000'000;

struct PayloadOptions {
  collect::CollectOptions common;  // -i, -p, --out-dir, interval, map size, retention, ...
  std::uint32_t snaplen = IBSR_PAYLOAD_DEFAULT_SNAPLEN;
  std::uint64_t ringbufBytes = IBSR_PAYLOAD_DEFAULT_RINGBUF_BYTES;
  std::uint64_t maxBytesPerFlow = 0;  // 0: no cap
  std::uint32_t maxFlows = IBSR_PAYLOAD_DEFAULT_FLOWS;
  std::uint32_t maxMethods = 20;
  std::uint64_t flowIdleSec = 300;
  // false (--no-xdp-counters): never take the interface's XDP slot, which `ibsr collect` on the
  // same interface needs (docs/collect-payload.md, "Running beside ibsr collect").
  bool xdpCounters = true;

  PayloadOptions() { common.outDir = kDefaultOutDir; }
};

// A power of two in [kMinRingbufBytes, kMaxRingbufBytes] (the kernel's ring-buffer rule).
Status validateRingbufSize(std::uint64_t bytes);

}  // namespace ibsr::payload
