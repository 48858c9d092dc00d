// The whole ibsr-report run for parsed options: ingest, analyse, evaluate, write. Returns the exit
// code; messages go to stderr, the verdict and output paths to stdout.
#pragma once

#include "report/options.h"

namespace ibsr::report {

int runReport(const Options& options);

}  // namespace ibsr::report
