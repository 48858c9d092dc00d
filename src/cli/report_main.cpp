// ibsr-report: offline evidence report from IBSR snapshot files (see docs/report.md);
// `ibsr-report fleet ...` reports on every host of a bucket (docs/fleet.md).
#include <cstring>

#include "fleet/fleet_run.h"
#include "report/options.h"
#include "report/run.h"

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "fleet") == 0)
    return ibsr::fleet::fleetMain(argc - 1, argv + 1);
  auto parsed = ibsr::report::parseOptions(argc, argv);
  if (auto* code = std::get_if<int>(&parsed)) return *code;
  return ibsr::report::runReport(std::get<ibsr::report::Options>(parsed));
}
