// `ibsr collect` after option parsing: checks, load, safety check, attach, the snapshot loop,
// and the final snapshot on SIGINT/SIGTERM or --duration-sec.
#pragma once

#include "collect/options.h"

namespace ibsr::collect {

// Returns the process exit code: 0 after a clean shutdown, 1 on a startup failure (with
// nothing attached).
int runCollector(CollectOptions options);

}  // namespace ibsr::collect
