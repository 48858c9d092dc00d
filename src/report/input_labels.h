// How an input file is recognised and labelled, shared by local directories and S3 prefixes so
// that the same files give the same stream labels and display names wherever they are read.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/ip_address.h"
#include "report/input_set.h"

namespace ibsr::report {

// snapshot_*.jsonl[.gz|.zst] or snapshot6_*.jsonl[.gz|.zst].
bool isSnapshotFileName(std::string_view name);

// payload_*.jsonl[.gz|.zst]: collect-payload's application-layer statistics.
bool isPayloadFileName(std::string_view name);

// Either of the above: the files a directory or an S3 folder is searched for.
bool isInputFileName(std::string_view name);

// Payload for a payload_ name, Counters for every other.
InputKind kindOfName(std::string_view name);

// snapshot6_ files hold IPv6 sources; every other name is read as IPv4 (a payload_ file holds
// both families in one stream, labelled as IPv4's).
IpFamily familyOfName(std::string_view name);

// A directory as the operator named it, normalised (so labels are the same on every machine for
// the same command line): "a/./b/" -> "a/b", "" -> ".".
std::string dirLabel(const std::filesystem::path& dir);

}  // namespace ibsr::report
