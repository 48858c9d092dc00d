// `ibsr collect-payload` after option parsing: checks, load, safety check, attach, the
// consume/snapshot loop, and the final snapshot + detach on SIGINT/SIGTERM or --duration-sec.
#pragma once

#include "payload/options.h"

namespace ibsr::payload {

// Process exit code: 0 after a clean shutdown, 1 on a startup failure (nothing attached).
int runPayloadCollector(PayloadOptions options);

}  // namespace ibsr::payload
