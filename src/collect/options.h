// Options of `ibsr collect` and their validation, done before anything is loaded or attached.
// Part of the counter mode's public interface: `ibsr collect-payload` embeds them (it is the
// counter mode plus payload statistics), and collector_flags.h defines their flags once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bpf/xdp_attach.h"
#include "core/result.h"
#include "core/rotation.h"
#include "ibsr_abi.h"

namespace ibsr::collect {

// A full default map writes about 15 MB per snapshot; 4 GiB holds several hours of that and
// weeks of a typical host's, and leaves a small root filesystem usable.
inline constexpr std::uint64_t kDefaultMaxDiskBytes = std::uint64_t{4} << 30;

// Closed hourly files compressed to .jsonl.zst (--compress-closed) at this zstd level: both
// chosen by measurement (docs/performance.md, "Disk: closed hours compressed").
inline constexpr bool kDefaultCompressClosed = true;
inline constexpr int kDefaultCompressLevel = 1;
// --snapshot-memory bounded: what a collector with a full default map can keep between cycles
// and still rest within seed 002's 20 MB (about 7 MB of it is the idle collector).
inline constexpr std::size_t kDefaultSnapshotResidentBytes = std::size_t{12} << 20;

struct CollectOptions {
  std::string iface;
  std::vector<int> ports;  // as given; validated into dstPorts
  std::string outDir = "/var/lib/ibsr/snapshots";
  std::uint64_t intervalSec = 60;
  std::uint32_t mapSize = IBSR_DEFAULT_MAP_SIZE;
  std::uint32_t ipv6PrefixLen = IBSR_DEFAULT_IPV6_PREFIX_LEN;  // 1..128
  std::optional<std::uint32_t> ipv6MapSize;                    // default: mapSize
  bool noIpv6 = false;  // --no-ipv6: the IPv6 map is neither filled nor read
  std::uint64_t maxFiles = 3600;
  std::uint64_t maxAgeSec = 86400;
  std::string exportState;  // ibsr-export's --state-file: retention waits for verified uploads
  std::uint64_t maxDiskBytes = kDefaultMaxDiskBytes;
  bool compressClosed = kDefaultCompressClosed;
  int compressLevel = kDefaultCompressLevel;
  // --snapshot-memory: how much of the snapshot's buffer (the entries read from the map, then the
  // line written over them: about 150 bytes per entry) stays resident between cycles. The rest goes
  // back to the kernel after each cycle and is faulted in again by the next, which is costly
  // where the host takes freed memory back (docs/collect.md, "Memory").
  std::size_t snapshotResidentBytes = kDefaultSnapshotResidentBytes;
  std::optional<std::uint64_t> durationSec;
  std::string metricsFile;  // --metrics-file: Prometheus textfile, rewritten each cycle (off: "")
  bpf::XdpMode xdpMode = bpf::XdpMode::Auto;
  int verbosity = 0;
  std::int64_t testClockOffsetSec = 0;  // hidden: lets tests reach an hour boundary quickly

  std::vector<std::uint16_t> dstPorts;  // sorted, filled by validatePorts
};

// 1..IBSR_MAX_PORTS ports, each 1..65535, no duplicates; fills dstPorts.
Status validatePorts(CollectOptions& options);

// The IPv6 map's size: --ipv6-map-size, else --map-size.
inline std::uint32_t ipv6MapSize(const CollectOptions& o) {
  return o.ipv6MapSize.value_or(o.mapSize);
}

// Retention and disk budget of the counter snapshot files, from the flags.
RotationPolicy retentionPolicy(const CollectOptions& options);

}  // namespace ibsr::collect
