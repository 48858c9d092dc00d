// Snapshot schema v3 (seed 003): one JSON object per line, buckets sorted by
// (key_type, key_value, dst_port), dst_ports ascending.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/artefacts.h"
#include "core/page_release.h"
#include "ibsr_abi.h"

namespace ibsr::collect {

inline constexpr std::uint32_t kSnapshotSchemaVersion = artefact::kSnapshotVersion;

// One counter bucket: (source, destination port) -> counters, exactly as the kernel stores it.
using CounterEntry = ibsr_counter_entry;
// A whole map's entries: read, sorted, written out and released every cycle (core/page_release.h).
using CounterEntries = PageVector<CounterEntry>;

struct Snapshot {
  std::uint64_t tsUnixSec = 0;
  std::vector<std::uint16_t> dstPorts;
  CounterEntries buckets;
};

// Sorts buckets and ports into the canonical order.
void canonicalize(Snapshot& snapshot);

// Upper bound of the size of the JSON line of snapshot.
std::size_t maxSnapshotJsonSize(const Snapshot& snapshot);
std::size_t maxSnapshotJsonSize(std::size_t ports, std::size_t buckets);

// The collector's cycle in one step: the v3 line (with trailing '\n') of the n entries, in any
// order, at ts with the ascending ports, written to `out`, whose outBytes must be at least
// maxSnapshotJsonSize(ports.size(), n). The entries may lie at `out` itself (the collector reads
// the map there, SnapshotBuffer): the line is written over them, and the sort's scratch lies
// inside the line's own extent, so the cycle touches no memory beyond the line's. Otherwise they
// are left as they were, or, with releaseAsRead, their pages (whole huge pages) go back to the
// kernel once read.
struct WrittenLine {
  char* end;              // of the line written at out
  std::uint64_t sources;  // distinct source addresses (distinctSources of the snapshot)
};
WrittenLine writeSortedSnapshotLine(std::uint64_t ts, const std::vector<std::uint16_t>& ports,
                                    const CounterEntry* entries, std::size_t n, char* out,
                                    std::size_t outBytes, bool releaseAsRead);

// Writes the v3 JSON line (with trailing '\n') of a canonical snapshot to out, which must hold
// maxSnapshotJsonSize() bytes; returns the end of what was written.
char* writeSnapshotJson(const Snapshot& snapshot, char* out);

// The same line as a string (tests, small snapshots).
std::string snapshotJson(const Snapshot& snapshot);

// Distinct source addresses (a source on two ports counts once). Needs canonical order.
std::uint64_t distinctSources(const Snapshot& snapshot);

}  // namespace ibsr::collect
