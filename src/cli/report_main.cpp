// ibsr-report: offline evidence report from IBSR snapshot files (see docs/report.md).
#include "report/options.h"
#include "report/run.h"

int main(int argc, char** argv) {
  auto parsed = ibsr::report::parseOptions(argc, argv);
  if (auto* code = std::get_if<int>(&parsed)) return *code;
  return ibsr::report::runReport(std::get<ibsr::report::Options>(parsed));
}
