// evidence.csv: one row per key, in (key_type, numeric IP, port) order.
#include <fmt/format.h>

#include "report/report_data.h"

namespace ibsr::report {

std::string renderEvidenceCsv(const ReportData& d) {
  std::string out = "source,abuse_class,syn_rate,success_ratio,decision,packets,bytes,syn\n";
  for (const KeyResult& k : d.result.keys) {
    double synRate = k.hasShown ? k.shown.synRate() : 0.0;
    double ratio = k.hasShown ? k.shown.successRatio() : 0.0;
    fmt::format_to(std::back_inserter(out), "{},{},{:.2f},{:.4f},{},{},{},{}\n",
                   formatSource(k.key), abuseClassName(k.abuseClass), synRate, ratio,
                   k.block ? "block" : "allow", k.total.packets, k.total.bytes, k.total.syn);
  }
  return out;
}

}  // namespace ibsr::report
