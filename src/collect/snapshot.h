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

// Writes the v3 JSON line (with trailing '\n') of a canonical snapshot to out, which must hold
// maxSnapshotJsonSize() bytes; returns the end of what was written.
char* writeSnapshotJson(const Snapshot& snapshot, char* out);

// The same line in three pieces, for a writer that formats the buckets slice by slice: the head
// (up to the opening '[' of "buckets"), buckets [first, first + count) of the canonical snapshot,
// and the tail. Concatenated over consecutive slices they are exactly writeSnapshotJson.
char* writeSnapshotHead(const Snapshot& snapshot, char* out);
char* writeSnapshotBuckets(const Snapshot& snapshot, std::size_t first, std::size_t count,
                           char* out);
char* writeSnapshotTail(char* out);

// The same line as a string (tests, small snapshots).
std::string snapshotJson(const Snapshot& snapshot);

// Distinct source addresses (a source on two ports counts once). Needs canonical order.
std::uint64_t distinctSources(const Snapshot& snapshot);

}  // namespace ibsr::collect
