// rules.json: one drop trigger per blocked key (counter keys, then with payload input the blocked
// application-layer sources), plus the allowlist as exceptions.
#include <nlohmann/json.hpp>

#include "report/report_data.h"
#include "report/rpc/rpc_writers.h"

namespace ibsr::report {

std::string renderRulesJson(const ReportData& d) {
  using nlohmann::ordered_json;
  ordered_json rules;
  rules["version"] = d.payloadInput ? 4 : 3;  // 4: with the application layer's triggers
  rules["generated_at"] = formatTime(d.generatedAt);
  rules["match_criteria"] = {{"proto", "tcp"}, {"dst_ports", d.result.dstPorts}};
  ordered_json triggers = ordered_json::array();
  for (const KeyResult& k : d.result.keys) {
    if (!k.block) continue;
    triggers.push_back({
        {"key_type", keyTypeName(keyType(k.key))},
        {"key_value", formatKeyValue(k.key)},
        {"dst_port", keyPort(k.key)},
        {"abuse_class", abuseClassName(k.abuseClass)},
        {"window_sec", d.config.windowSec},
        {"syn_rate_threshold", d.config.synRateThreshold},
        {"success_ratio_threshold", d.config.successRatioThreshold},
        {"action", {{"action_type", "drop"}, {"duration_sec", d.config.blockDurationSec}}},
    });
  }
  if (d.payloadInput) appendRpcTriggers(triggers, d);
  rules["triggers"] = std::move(triggers);
  ordered_json exceptions = ordered_json::array();
  for (const AllowEntry& e : d.allowlist.entries()) {
    exceptions.push_back({{"key_type", e.keyType()}, {"key_value", e.text()}});
  }
  rules["exceptions"] = std::move(exceptions);
  return rules.dump(2) + "\n";
}

}  // namespace ibsr::report
