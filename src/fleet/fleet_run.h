// `ibsr-report fleet`: discovers the hosts, runs their reports with bounded parallelism, returns
// the report sets and writes the fleet index. Returns the exit code (fleet_options.h).
#pragma once

#include "fleet/fleet_options.h"

namespace ibsr::fleet {

int runFleet(const FleetOptions& options);

// The whole subcommand: parse, then run. argv[0] is "fleet".
int fleetMain(int argc, char** argv);

}  // namespace ibsr::fleet
