// --scrub-ip-salt-file: the scrub salt kept in a file, so pseudonyms stay the same across
// restarts (an operator can follow one hashed address through weeks of captures) while the salt
// itself never appears on a command line (ps, the unit file, the journal).
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace ibsr::incident {

// Reads 16 hex digits (surrounding whitespace ignored) from `path`. If `path` does not exist, a
// salt is drawn from getrandom(2) and written there first (mode 0600, created atomically, so a
// reader never sees a partial file). The file must be a regular file (not a symlink) that only
// its owner can read or write: the salt is what keeps the pseudonyms from being reversed.
Result<std::uint64_t> loadOrCreateSalt(const std::string& path);

}  // namespace ibsr::incident
