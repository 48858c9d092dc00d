// The report formats ibsr-report can write, in one table: the name --format and the config file
// accept, the files each one writes into the output directory and the functions that render
// them. Option parsing (validation, help text, the default set) and the writer loop both read it,
// so adding a format is one new row.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace ibsr::report {

struct ReportData;

struct ReportFile {
  std::string_view name;  // in the output directory
  std::string (*render)(const ReportData&);
  // nullptr: always written with its format; else written only when it says so (evidence_rpc.csv
  // exists only with payload input, so a counter-only run writes exactly the files it did).
  bool (*writtenWhen)(const ReportData&) = nullptr;
  bool written(const ReportData& d) const { return writtenWhen == nullptr || writtenWhen(d); }
};

struct ReportFormat {
  std::string_view name;  // as given to --format
  std::vector<ReportFile> files;
  bool byDefault = false;    // written when no format is asked for
  bool needsCharts = false;  // needs the second pass over the input that fills ReportData::chart
  // A file written while the input is read (too large to render from ReportData), by
  // DeltasWriter; Options::deltasOut may send it elsewhere.
  std::string_view streamedFile = {};
};

// Every format, in the order the command line lists them (and the files are written).
const std::vector<ReportFormat>& reportFormats();
// nullptr for a name that is no format.
const ReportFormat* findReportFormat(std::string_view name);
// The names of the formats written when no format is asked for.
std::set<std::string> defaultReportFormats();

}  // namespace ibsr::report
