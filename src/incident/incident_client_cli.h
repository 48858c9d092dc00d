#pragma once

namespace ibsr::incident {

// `ibsr incident`: argv[0] is "incident". Returns the process exit code.
int runIncidentCli(int argc, char** argv);

}  // namespace ibsr::incident
