// `ibsr-export s3`: flags, wiring and exit status. Exit 0 only if every selected file landed
// (or, with --dry-run, if the plan could be made); 1 on any failure; 2 on bad flags.
#pragma once

namespace ibsr::exporter {

int runS3Cli(int argc, char** argv);

}  // namespace ibsr::exporter
