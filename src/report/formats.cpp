#include "report/formats.h"

#include "report/report_data.h"

namespace ibsr::report {
namespace {

bool hasPayloadInput(const ReportData& d) {
  return d.payloadInput;
}

}  // namespace

const std::vector<ReportFormat>& reportFormats() {
  static const std::vector<ReportFormat> formats{
      {"md", {{"report.md", renderMarkdown}}, true, false},
      {"html", {{"report.html", renderHtml}}, true, true},
      {"json", {{"rules.json", renderRulesJson}, {"summary.json", renderSummaryJson}}, true, false},
      {"csv",
       {{"evidence.csv", renderEvidenceCsv},
        {"evidence_rpc.csv", renderRpcEvidenceCsv, hasPayloadInput}},
       true,
       false},
      {"nft", {{"rules.nft", renderNft}}, false, false},
      {"deltas", {}, false, false, "deltas.jsonl"},
  };
  return formats;
}

const ReportFormat* findReportFormat(std::string_view name) {
  for (const ReportFormat& format : reportFormats()) {
    if (format.name == name) return &format;
  }
  return nullptr;
}

std::set<std::string> defaultReportFormats() {
  std::set<std::string> names;
  for (const ReportFormat& format : reportFormats()) {
    if (format.byDefault) names.emplace(format.name);
  }
  return names;
}

}  // namespace ibsr::report
