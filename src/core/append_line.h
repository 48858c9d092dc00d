// Appends one complete line to a file with a single write(2), so a reader or a crash never sees
// two lines interleaved or a line cut in the middle of the file. If the write is short (disk
// full), the file is truncated back to its previous length: what was already written is never
// damaged and no partial line is left behind.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace ibsr {

// `line` must end with '\n'. Creates the file (mode 0644) if needed; the directory must exist.
Status appendLine(const std::string& path, std::string_view line);

}  // namespace ibsr
