// The IPv6 companion of the v3 snapshot (docs/schemas/snapshot6-v5.schema.json): one JSON line
// per cycle in snapshot6_YYYYMMDDHH.jsonl, with textual source prefixes, buckets sorted by
// (address bytes, dst_port).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/artefacts.h"
#include "ibsr_abi.h"

namespace ibsr::collect {

inline constexpr std::uint32_t kSnapshot6SchemaVersion = artefact::kSnapshot6Version;

// One IPv6 counter bucket: (source prefix, destination port) -> counters, as the kernel stores it.
using Counter6Entry = ibsr_counter6_entry;

// What stays the same across one collector run's lines.
struct Snapshot6Run {
  std::string runId;              // 16 lowercase hex digits, random per run
  std::uint64_t baseTs = 0;       // Unix seconds of the run's start
  std::uint64_t intervalSec = 0;  // --snapshot-interval-sec
  std::uint32_t prefixLen = IBSR_DEFAULT_IPV6_PREFIX_LEN;  // 128: exact addresses
};

struct Snapshot6 {
  std::uint64_t tsUnixSec = 0;
  std::vector<std::uint16_t> dstPorts;  // ascending
  std::vector<Counter6Entry> buckets;
};

// Sorts buckets into the canonical order.
void canonicalize(std::vector<Counter6Entry>& buckets);

// Upper bound of the size of the line of `buckets` buckets on `ports` ports.
std::size_t maxSnapshot6JsonSize(const Snapshot6Run& run, std::size_t ports, std::size_t buckets);

// Writes the line (with trailing '\n') of a canonical snapshot to out, which must hold
// maxSnapshot6JsonSize() bytes; returns the end of what was written.
char* writeSnapshot6Json(const Snapshot6Run& run, const Snapshot6& snapshot, char* out);

// The same line as a string (tests, small snapshots).
std::string snapshot6Json(const Snapshot6Run& run, const Snapshot6& snapshot);

// Distinct source prefixes (a prefix on two ports counts once). Needs canonical order.
std::uint64_t distinctSources(const std::vector<Counter6Entry>& buckets);

// A random 16-hex-digit run id (getrandom).
std::string newRunId();

// The --ipv6-prefix-len mask as the four network-order words the kernel ANDs with the address.
void ipv6PrefixMask(std::uint32_t prefixLen, std::uint32_t (&words)[4]);

}  // namespace ibsr::collect
