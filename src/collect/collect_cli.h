#pragma once

namespace ibsr::collect {

// `ibsr collect`: argv[0] is "collect". Returns the process exit code.
int runCollectCli(int argc, char** argv);

}  // namespace ibsr::collect
