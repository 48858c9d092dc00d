// Options of `ibsr record-incident` (seed 004's CLI reference) and the value checks shared by
// the command line and the trigger socket (tags and rates arrive through both).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "incident/internal_prefixes.h"

namespace ibsr::incident {

inline constexpr std::uint64_t kMaxSampleRate = 1'000'000'000;
inline constexpr std::uint64_t kMaxDurationSec = std::uint64_t{100} * 365 * 86400;
// Smallest --max-pcap-bytes: the pcap header plus one full-snaplen record must fit.
inline constexpr std::uint64_t kMinPcapBytes = 1024;
// Defaults of the disk limits (docs/record-incident.md, "Disk budget"): a pcap rotates at 64 MiB
// so it can be archived, exported and pruned; everything together stays within 1 GiB.
inline constexpr std::uint64_t kDefaultMaxPcapBytes = std::uint64_t{64} << 20;
inline constexpr std::uint64_t kDefaultMaxDiskBytes = std::uint64_t{1} << 30;

struct IncidentOptions {
  std::string iface;  // required: an incident capture names its interface
  std::string outDir = "/var/lib/ibsr/incidents";
  std::string tag = "ad-hoc";
  std::uint64_t sampleRate = 1000;
  std::optional<std::uint64_t> durationSec;
  std::optional<std::string> triggerSocket;
  std::optional<std::uint64_t> salt;  // --scrub-ip-salt or --scrub-ip-salt-file, parsed
  InternalPrefixes internal;          // --scrub-internal-subnet (repeated), parsed
  std::uint64_t maxPcapBytes = kDefaultMaxPcapBytes;
  std::uint64_t maxDiskBytes = kDefaultMaxDiskBytes;
  std::optional<std::string> archiveDir;
  std::uint64_t archiveAfterSec = 3600;
  std::uint64_t statusIntervalSec = 60;
  std::string metricsFile;  // --metrics-file: rewritten with every heartbeat (off: "")
  int verbosity = 0;
  // Hidden, for tests: shorten the 30 s archive sweep and the socket's idle timeout.
  std::uint64_t archiveSweepSec = 30;
  std::uint64_t socketTimeoutMs = 5000;
  std::uint32_t ringbufBytes = 8 * 1024 * 1024;
};

// 1..64 characters of [A-Za-z0-9_-]: a tag becomes a directory name, so nothing that could
// form a path component ('/', '.', '..') or confuse a shell is allowed.
Status validateTag(std::string_view tag);

// 1..kMaxSampleRate.
Status validateSampleRate(std::int64_t rate);

// Exactly 16 hex digits, read big-endian ("0123456789ABCDEF" -> 0x0123456789abcdef).
Result<std::uint64_t> parseSalt(std::string_view hex);

}  // namespace ibsr::incident
