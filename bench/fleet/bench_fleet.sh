#!/usr/bin/env bash
# Fleet wall time: `ibsr-report fleet` over N hosts against N sequential single-host runs of
# ibsr-report on the same data, in one run (docs/performance.md, "Fleet reports").
#
#   bench/fleet/bench_fleet.sh [BUILD_DIR]        (default: build)
#
# Environment: BENCH_HOSTS (8), BENCH_SOURCES (20000 keys per snapshot), BENCH_BYTES (per host,
# 150e6), BENCH_JOBS ("1 2 4": the --jobs values timed besides the default), BENCH_DIR (a fresh
# temporary directory). Every host holds the same generated snapshots (hard links), so each
# host's run does the same work; the fleet side also scans every host for gaps and reads its
# heartbeat, which the single-host runs do not.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
REPORT=$BUILD/src/report/ibsr-report
N=${BENCH_HOSTS:-8}
SOURCES=${BENCH_SOURCES:-20000}
BYTES=${BENCH_BYTES:-150e6}
JOBS=${BENCH_JOBS:-1 2 4}
[ -x "$REPORT" ] || { echo "bench_fleet: build $REPORT first" >&2; exit 1; }

D=${BENCH_DIR:-$(mktemp -d /var/tmp/ibsr-bench-fleet.XXXXXX)}
mkdir -p "$D"
trap 'rm -rf "$D"' EXIT
python3 bench/report/gen_snapshots.py "$D/gen" --sources "$SOURCES" --bytes "$BYTES" >/dev/null
for i in $(seq 1 "$N"); do
  mkdir -p "$D/root/host-$i/snapshots" "$D/root/host-$i/status/snapshots"
  ln "$D"/gen/snapshot_* "$D/root/host-$i/snapshots/"
  echo '{"timestamp":1736935200,"cycle":1}' >"$D/root/host-$i/status/snapshots/status.jsonl"
done
echo "hosts=$N bytes_per_host=$(du -sb "$D/gen" | cut -f1) files_per_host=$(ls "$D/gen" | wc -l) cores=$(nproc)"

now() { date +%s.%N; }
start=$(now)
for i in $(seq 1 "$N"); do
  "$REPORT" --input "$D/root/host-$i/snapshots" -o "$D/seq/host-$i" >/dev/null
done
seq_s=$(echo "$(now) - $start" | bc)
printf '%-34s %8.2f s\n' "sequential ibsr-report x$N" "$seq_s"

run_fleet() {  # LABEL ARGS...
  local label=$1 out="$D/fleet-$RANDOM"
  shift
  local t0
  t0=$(now)
  "$REPORT" fleet --input "$D/root" -o "$out" "$@" >/dev/null
  local s
  s=$(echo "$(now) - $t0" | bc)
  printf '%-34s %8.2f s  (%.2fx the sequential runs)\n' "$label" "$s" "$(echo "$seq_s / $s" | bc -l)"
  # The fleet's reports are the single-host runs' reports, byte for byte.
  for i in $(seq 1 "$N"); do
    cmp -s "$D/seq/host-$i/summary.json" "$out"/host-$i/reports/*/summary.json ||
      { echo "bench_fleet: host-$i differs from its single-host run" >&2; exit 1; }
  done
  rm -rf "$out"
}
for j in $JOBS; do run_fleet "ibsr-report fleet --jobs $j" --jobs "$j"; done
run_fleet "ibsr-report fleet (default jobs)"
