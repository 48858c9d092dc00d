// The name and schema version of every artefact IBSR writes, defined once: the collectors write
// these names, ibsr-report reads them and ibsr-export classifies them. A new artefact kind is
// added here first.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace ibsr::artefact {

// Hourly JSONL files: PREFIX + "YYYYMMDDHH" (UTC hour of the line's timestamp) + ".jsonl".
inline constexpr std::string_view kSnapshotPrefix = "snapshot_";  // counter snapshots (seed 003)
inline constexpr std::uint32_t kSnapshotVersion = 3;
// IPv6 counter snapshots, the companion of kSnapshotPrefix: same directory, cycles and
// timestamps, textual-address lines (docs/schemas/snapshot6-v5.schema.json).
inline constexpr std::string_view kSnapshot6Prefix = "snapshot6_";
inline constexpr std::uint32_t kSnapshot6Version = 5;
inline constexpr std::string_view kPayloadPrefix = "payload_";  // collect-payload statistics
inline constexpr std::uint32_t kPayloadVersion = 1;
inline constexpr std::string_view kHourlySuffix = ".jsonl";
// A closed hourly file compressed by its collector (--compress-closed): PREFIX + stamp + this.
inline constexpr std::string_view kCompressedHourlySuffix = ".jsonl.zst";

// The heartbeat every live mode appends one line to per cycle, in its output directory.
inline constexpr std::string_view kStatusFile = "status.jsonl";
// collect-payload's own counter snapshots, beside its payload files (never mixed with an
// `ibsr collect` out-dir's stream).
inline constexpr std::string_view kCounterSubdir = "counters";

// record-incident: the open capture of a run directory, and its archived form.
inline constexpr std::string_view kIncidentPcap = "packets.pcap";
inline constexpr std::string_view kIncidentArchiveSuffix = ".pcap.gz";

// The forms of a closed hourly file that ibsr-report reads (plain and compressed).
inline constexpr std::array<std::string_view, 3> kReadableJsonlSuffixes = {".jsonl", ".jsonl.gz",
                                                                           ".jsonl.zst"};
// The forms ibsr-export ships (an operator may have compressed closed files with any tool).
inline constexpr std::array<std::string_view, 5> kExportableJsonlSuffixes = {
    ".jsonl", ".jsonl.gz", ".jsonl.zst", ".jsonl.xz", ".jsonl.bz2"};

// PREFIX + "YYYYMMDDHH" + ".jsonl" for the hour containing ts.
std::string hourlyName(std::string_view prefix, std::uint64_t ts);

// Whether name starts with prefix and ends with one of the suffixes.
template <std::size_t N>
bool isNamed(std::string_view name, std::string_view prefix,
             const std::array<std::string_view, N>& suffixes) {
  if (name.substr(0, prefix.size()) != prefix) return false;
  for (std::string_view ext : suffixes)
    if (name.size() > ext.size() && name.substr(name.size() - ext.size()) == ext) return true;
  return false;
}

}  // namespace ibsr::artefact
