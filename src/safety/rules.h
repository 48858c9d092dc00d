// The rules table: every check the verifier makes has one stable id, listed here once. Violations
// name these ids, `ibsr verify-bpf --list-rules` prints the table, and the tests assert that each
// rule is triggered by at least one fixture.
#pragma once

#include <span>
#include <string_view>

#include "safety/verifier.h"

namespace ibsr::safety {

namespace rule {
inline constexpr std::string_view kForbiddenReturnCode = "forbidden-return-code";
inline constexpr std::string_view kNonPassExit = "non-pass-exit";
inline constexpr std::string_view kForbiddenHelper = "forbidden-helper";
inline constexpr std::string_view kTailCall = "tail-call";
inline constexpr std::string_view kForbiddenMapType = "forbidden-map-type";
inline constexpr std::string_view kStrictEventHelper = "strict-event-helper";
inline constexpr std::string_view kStrictHelperNotAllowed = "strict-helper-not-allowed";
inline constexpr std::string_view kStrictEventMap = "strict-event-map";
inline constexpr std::string_view kStrictLruRequired = "strict-lru-required";
inline constexpr std::string_view kProgramType = "program-type";
inline constexpr std::string_view kPacketStore = "packet-store";
inline constexpr std::string_view kCtxStore = "ctx-store";
inline constexpr std::string_view kUnknownHelper = "unknown-helper";
inline constexpr std::string_view kKfuncCall = "kfunc-call";
inline constexpr std::string_view kUnknownMapType = "unknown-map-type";
inline constexpr std::string_view kMalformedProgram = "malformed-program";
inline constexpr std::string_view kAnalysisLimit = "analysis-limit";
}  // namespace rule

enum class ScanKind { Source, Object, Both };

struct RuleInfo {
  std::string_view id;
  bool strictOnly;  // false: mode-invariant, applies in every mode
  ScanKind scan;
  std::string_view description;
};

std::span<const RuleInfo> rulesTable();
const RuleInfo* findRule(std::string_view id);
std::string_view scanKindName(ScanKind kind);

}  // namespace ibsr::safety
