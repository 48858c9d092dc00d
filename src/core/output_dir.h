// The output directory of a live mode, checked before anything is attached.
#pragma once

#include <string>

#include "core/result.h"

namespace ibsr {

// Creates the directory (and parents) if missing and proves it writable with a probe file.
Status prepareOutputDir(const std::string& dir);

}  // namespace ibsr
