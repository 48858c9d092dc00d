// Finds the artefacts to export under the source directories and decides which are finished.
// Kinds: snapshot_*.jsonl[.gz|.zst|.xz|.bz2], payload_*.jsonl[...], status.jsonl, and incident
// pcaps (DIR/packets.pcap, *.pcap.gz). Anything else is ignored, as are hidden files and symlinks.
// Their object keys are in key_layout.h.
#pragma once

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ibsr::exporter {

enum class Kind { Snapshot, Payload, Status, Incident };

// Kind of a file from its path relative to a source directory ("run-1/packets.pcap").
std::optional<Kind> classify(std::string_view relativePath);

// True for the hourly file the collector is still writing: snapshot_/payload_ + the current
// UTC hour (YYYYMMDDHH) + ".jsonl".
bool isCurrentHourFile(std::string_view fileName, std::time_t now);

struct Artefact {
  std::filesystem::path path;
  std::filesystem::path source;  // the --source directory it was found in
  std::string relative;          // '/'-separated, relative to its source directory
  Kind kind = Kind::Snapshot;
  std::uint64_t size = 0;
  std::int64_t mtimeNs = 0;
  // Still being written: skipped unless --include-open, and never deleted.
  bool open = false;
  std::string openReason;
  // status.jsonl is appended for ever (one whole line per write): it is exported up to its last
  // complete line whenever it changed, instead of waiting for it to go quiet.
  bool appendOnly = false;
};

struct DiscoveryOptions {
  std::vector<std::filesystem::path> sources;
  std::int64_t minAgeSec = 120;  // modified more recently than this = still open
  std::time_t now = 0;
};

struct Discovery {
  std::vector<Artefact> artefacts;  // sorted by (source order, relative path)
  std::vector<std::string> errors;  // unreadable or missing sources
};

Discovery discover(const DiscoveryOptions& options);

}  // namespace ibsr::exporter
