#pragma once

namespace ibsr::payload {

// `ibsr collect-payload`: argv[0] is "collect-payload". Returns the process exit code.
int runCollectPayloadCli(int argc, char** argv);

}  // namespace ibsr::payload
