// `ibsr record-incident` after option parsing: checks, trigger socket, load, attach, the event
// loop (ring buffer, socket, status, archive sweep, deadlines) and the clean shutdown on
// --duration-sec, SIGINT or SIGTERM (detach, drain the ring buffer, close the pcap).
#pragma once

#include "incident/options.h"

namespace ibsr::incident {

// Returns the process exit code: 0 after a clean shutdown, 1 on a startup failure (with
// nothing attached and no socket left behind).
int runRecorder(IncidentOptions options);

}  // namespace ibsr::incident
