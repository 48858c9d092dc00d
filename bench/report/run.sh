#!/usr/bin/env bash
# ibsr-report benchmark: generates ~1 GB of snapshots (if absent), then measures ingest and the
# whole report, and jq over the same files as a "just parse the JSON" baseline.
#   bench/report/run.sh [BUILD_DIR] [SOURCES] [DATA_DIR]      (RUNS=3: runs of the ingest benchmark)
# Results and the figures recorded from this machine: docs/performance.md, "## ibsr-report".
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build-report}
SOURCES=${2:-100000}
DATA=${3:-/tmp/ibsr-report-bench/${SOURCES}}
ninja -C "$BUILD" ibsr-report ibsr_report_ingest_bench >/dev/null
if [ ! -d "$DATA" ]; then
  /usr/bin/python3 bench/report/gen_snapshots.py "$DATA" --sources "$SOURCES" --bytes 1e9
fi
du -sb "$DATA"
cat "$DATA"/*.jsonl >/dev/null  # warm the page cache so every run reads from memory
echo "== ingest (library): read + parse (the floor), then read + parse + the whole analysis"
"$BUILD"/bench/report/ibsr_report_ingest_bench --runs "${RUNS:-3}" "$DATA"
echo "== ibsr-report, csv + json + md"
/usr/bin/time -f "wall %e s, user %U s, sys %S s, peak RSS %M KB" \
  "$BUILD"/src/report/ibsr-report --input "$DATA" -o /tmp/ibsr-report-bench/out --format md,json,csv >/dev/null
echo "== ibsr-report, all formats (html adds a second pass)"
/usr/bin/time -f "wall %e s, user %U s, sys %S s, peak RSS %M KB" \
  "$BUILD"/src/report/ibsr-report --input "$DATA" -o /tmp/ibsr-report-bench/out-all >/dev/null
echo "== baseline: jq -c '.buckets | length'"
/usr/bin/time -f "wall %e s, user %U s, sys %S s, peak RSS %M KB" \
  sh -c "jq -c '.buckets | length' $DATA/*.jsonl >/dev/null"
