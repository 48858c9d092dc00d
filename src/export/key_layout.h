// Where each exported file lands in the bucket, and the checks that keep that mapping one-to-one.
// Keys are an interface (the fleet side reads PREFIX/HOST/KIND/...), documented in docs/export.md
// "What is uploaded, and where":
//   {prefix}/{host}/{kind folder}/{path relative to the source}        snapshots, payload, pcaps
//   {prefix}/{host}/status/{source directory's name}/{relative path}   status.jsonl
// Every live mode writes a status.jsonl at the top of its out-dir, so without the source's name
// two exported out-dirs would share one status key and overwrite each other on every run.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "export/discovery.h"

namespace ibsr::exporter {

std::string_view kindFolder(Kind kind);

// Last component of a source directory, ignoring trailing slashes ("/a/snapshots/" -> "snapshots").
std::string sourceName(const std::filesystem::path& source);

// The object key of a discovered file; an empty prefix is omitted and stray slashes removed.
std::string objectKey(std::string_view prefix, std::string_view hostId, const Artefact& artefact);

// "{prefix}/{hostId}/": the folder every key of this host starts with.
std::string hostPrefix(std::string_view prefix, std::string_view hostId);

// One message per pair of sources that are the same directory or where one lies inside the
// other: their shared files would be uploaded twice under two keys.
std::vector<std::string> overlappingSources(const std::vector<std::filesystem::path>& sources);

// One message per object key that two discovered files map to, naming both files and the key.
std::vector<std::string> keyCollisions(std::string_view prefix, std::string_view hostId,
                                       const std::vector<Artefact>& artefacts);

}  // namespace ibsr::exporter
