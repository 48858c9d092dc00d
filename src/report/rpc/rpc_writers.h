// The application-layer (RPC) parts of the report outputs (docs/report-rpc.md "Outputs"): each
// writer of report/report_data.h calls its hook here only when ReportData::payloadInput is set,
// so a counter-only run renders exactly what it did before. The pieces two writers share (the
// layer verdicts, the threshold list, the data-quality sentence) live in rpc_writers.cpp.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "report/report_data.h"

namespace ibsr::report {

// Payload input but no counter snapshot: the transport sections say so instead of printing the
// figures of an empty analysis (a 1970 observed period, 0.00% shares).
bool noCounterSnapshots(const ReportData& d);
constexpr const char* kNoCounterSnapshots = "no counter snapshots in the input";
// Input files of one kind (the transport sections count the counter files only).
size_t inputFiles(const ReportData& d, InputKind kind);

// "transport" and/or "application": the layers whose rules are ready (safe), in that order.
std::vector<std::string> readyLayers(const ReportData& d);
// "Transport layer (counters): NOT SAFE; application layer (RPC): SAFE. Rules ready:
// application."
std::string layersSentence(const ReportData& d);
const char* safeWord(bool safe);  // "SAFE" / "NOT SAFE"

// The application layer's thresholds as (name, value) rows, for report.md and report.html.
std::vector<std::pair<std::string, std::string>> rpcThresholdRows(const AnalysisConfig& c);
// One sentence on the payload input's data quality; one on what the collector reported about its
// own accuracy (ring-buffer drops, HTTP parse errors).
std::string payloadQualityText(const PayloadQuality& q);
std::string collectorAccuracyText(const PayloadQuality& q);
// Blocked sources by class: "2 RPC_AMPLIFICATION, 1 RPC_FLOOD" (classes with none omitted).
std::string classCountsText(const RpcEvaluation& ev);
// The classes that flagged an episode: "RPC_AMPLIFICATION+RPC_FLOOD".
std::string episodeClassesText(const RpcEpisode& e);
// Indexes of RpcAnalysisResult::keys that were blocked, in RpcKey order.
std::vector<size_t> blockedRpcKeys(const RpcAnalysisResult& r);

// report.md: the "## Application layer (RPC)" section.
void appendRpcMarkdown(std::string& o, const ReportData& d);
// report.html: the application-layer section (with its charts).
void appendRpcHtml(std::string& o, const ReportData& d);
// summary.json: the "application_layer" object.
nlohmann::ordered_json rpcSummaryJson(const ReportData& d);
// rules.json: one trigger per blocked source, appended after the counter triggers.
void appendRpcTriggers(nlohmann::ordered_json& triggers, const ReportData& d);

}  // namespace ibsr::report
