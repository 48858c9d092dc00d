#pragma once

namespace ibsr::incident {

// `ibsr record-incident`: argv[0] is "record-incident". Returns the process exit code.
int runRecordIncidentCli(int argc, char** argv);

}  // namespace ibsr::incident
