#include "report/report_data.h"

namespace ibsr::report {

std::string renderHtml(const ReportData& d) {
  return "<!DOCTYPE html><title>IBSR Report</title><pre>" + renderMarkdown(d) + "</pre>";
}

}  // namespace ibsr::report
