#!/usr/bin/env bash
# The example alert rules shipped in packaging/examples/ibsr-alerts.yml must load in Prometheus:
# `promtool check rules` (Debian's prometheus package) parses every rule and its PromQL.
# Usage: check_alert_rules.sh SOURCE_DIR
set -euo pipefail
rules="$1/packaging/examples/ibsr-alerts.yml"
if ! command -v promtool >/dev/null; then
  echo "promtool missing: run scripts/install-deps.sh" >&2
  exit 1
fi
out=$(promtool check rules "$rules")
echo "$out"
# Every alert the docs promise (docs/metrics.md, "Alerts") is in the file.
for alert in IbsrHeartbeatStale IbsrExportFailing IbsrCounterMapFull IbsrIpv6CounterMapFull \
  IbsrRingBufferDrops IbsrCompressionFailing; do
  grep -q "alert: $alert\$" "$rules" || { echo "missing alert $alert" >&2; exit 1; }
done
grep -q "SUCCESS: 9 rules found" <<<"$out"
