#!/usr/bin/env bash
# Upload throughput of ibsr-export to a local S3-compatible server (Swift + s3api on 127.0.0.1,
# tests/tools/s3-test-server.sh), against curl --aws-sigv4 uploading the same files in the same run.
#
#   bench/export/bench_export.sh [BUILD_DIR]        (default: build)
#
# Environment: BENCH_SMALL_COUNT (1000), BENCH_SMALL_BYTES (16384), BENCH_LARGE_MIB (1024),
# BENCH_DIR (a fresh temporary directory; needs ~3x the large file's size free), BENCH_EXPORT_ARGS
# (extra ibsr-export flags), BENCH_SKIP_CURL_EACH=1 (skip the curl-per-file loop),
# BENCH_LARGE_PAIRS (2): after the rows below, that many more pairs of the large file's two main
# rows back to back (ibsr-export multipart, then curl's single PUT), each into a fresh key; the
# last line gives the ratio of every pair and their median. The other work on a shared host moves
# a single row by +-50 %; two rows timed one right after the other move together.
# What each side does per file:
#   ibsr-export: one LIST of the prefix (no state, >= 32 files) instead of a HEAD per file, then a
#                PUT with Content-MD5 + x-amz-content-sha256 whose answered ETag proves the landing
#                (a HEAD only when the answer has no MD5 ETag); files >= 64 MiB as parts of
#                --part-size-mib (default 32 MiB), several at once (--jobs connections), each
#                with a signed Content-MD5 and UNSIGNED-PAYLOAD (the parts' MD5s computed 8 at
#                a time in vector lanes), the whole file's SHA-256 for the state beside them.
#                Its request count (the "S3: N request(s)" line of -v) is printed after the table.
#   curl:        one PUT, x-amz-content-sha256: UNSIGNED-PAYLOAD, no checksum, no verification.
# For the 1 GiB rows a second table gives the CPU seconds (user + system) of the client and of each
# server process over that row: client and server share this host's cores, so CPU is what a row
# costs when the host is busy.
#                "curl, 1 process" passes every file to one curl (one connection, like
#                ibsr-export); "curl, process per file" is the usual shell loop.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
EXPORT=$BUILD/src/export/ibsr-export
SERVER=tests/tools/s3-test-server.sh
N=${BENCH_SMALL_COUNT:-1000}
SMALL=${BENCH_SMALL_BYTES:-16384}
LARGE_MIB=${BENCH_LARGE_MIB:-1024}
[ -x "$EXPORT" ] || { echo "bench_export: build $EXPORT first" >&2; exit 1; }

D=${BENCH_DIR:-$(mktemp -d /var/tmp/ibsr-bench-export.XXXXXX)}
mkdir -p "$D"
cleanup() { "$SERVER" stop "$D/s3" >/dev/null 2>&1 || true; rm -rf "$D"; }
trap cleanup EXIT
out=$("$SERVER" start "$D/s3" 2>/dev/null) || { echo "bench_export: server did not start" >&2; exit 1; }
eval "$out"
PORT=${S3_ENDPOINT##*:}
CURL_AUTH=(--aws-sigv4 "aws:amz:$AWS_REGION:s3" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD')
base="http://test%3Atester:testing@127.0.0.1:$PORT"
for b in bench-ibsr-small bench-curl-one-small bench-curl-each-small bench-ibsr-large bench-curl-large; do
  curl -sS -f "${CURL_AUTH[@]}" -X PUT "$base/$b" -o /dev/null
done

echo "== generating $N files of $SMALL bytes and one of $LARGE_MIB MiB in $D" >&2
mkdir -p "$D/small" "$D/large"
old=$(( $(date +%s) - 7200 ))
for i in $(seq -w 1 "$N"); do
  head -c "$SMALL" /dev/urandom >"$D/small/snapshot_20260101$(printf %02d $((10#$i % 24)))_$i.jsonl"
done
# Names must match the snapshot pattern: snapshot_<anything>.jsonl.
head -c $((LARGE_MIB * 1024 * 1024)) /dev/urandom >"$D/large/snapshot_2026010100.jsonl"
touch -d "@$old" "$D"/small/* "$D"/large/*
sync

now() { date +%s.%N; }
report() {  # label files bytes t0 t1
  awk -v l="$1" -v f="$2" -v b="$3" -v t0="$4" -v t1="$5" 'BEGIN {
    s = t1 - t0; printf "| %-36s | %5d | %9.1f | %7.2f | %8.1f | %7.1f |\n", l, f, b / 1048576, s, f / s, b / 1048576 / s }'
  secs[$1]=$(awk -v t0="$4" -v t1="$5" 'BEGIN { printf "%.3f", t1 - t0 }')
}
SMALL_BYTES=$((N * SMALL))
LARGE_BYTES=$((LARGE_MIB * 1024 * 1024))
run_export() {  # bucket source state [prefix]
  "$EXPORT" s3 --bucket "$1" --endpoint "$S3_ENDPOINT" --prefix "${4:-bench}" --host-id h \
    --input "$2" --state-file "$3" -v ${BENCH_EXPORT_ARGS:-} 2>>"$D/export.log"
}
requests() {  # the last run's request count, from its -v log
  sed -n 's/.*S3: \([0-9]*\) request(s).*/\1/p' "$D/export.log" | tail -1
}
declare -A secs
declare -A cpus
TIMEFORMAT='%U %S'  # bash's `time`: the client's user and system CPU seconds
server_cpu() {  # CPU seconds so far of proxy-server, object-server, container + account servers
  local hz n ticks=() 
  hz=$(getconf CLK_TCK)
  for n in proxy-server object-server container-server account-server; do
    ticks+=("$(awk '{ print $14 + $15 }' "/proc/$(cat "$D/s3/run/$n.pid")/stat")")
  done
  awk -v hz="$hz" -v p="${ticks[0]}" -v o="${ticks[1]}" -v c="${ticks[2]}" -v a="${ticks[3]}" \
    'BEGIN { printf "%.2f %.2f %.2f\n", p / hz, o / hz, (c + a) / hz }'
}
cpu_row() {  # label client-cpu-file servers-before servers-after
  local u s p0 o0 c0 p1 o1 c1
  read -r u s <"$2"
  read -r p0 o0 c0 <<<"$3"
  read -r p1 o1 c1 <<<"$4"
  cpus[$1]=$(awk -v l="$1" -v u="$u" -v s="$s" -v p="$(awk -v a="$p0" -v b="$p1" 'BEGIN{print b-a}')" \
    -v o="$(awk -v a="$o0" -v b="$o1" 'BEGIN{print b-a}')" -v c="$(awk -v a="$c0" -v b="$c1" 'BEGIN{print b-a}')" \
    'BEGIN { printf "| %-40s | %6.2f | %6.2f | %6.2f | %6.2f | %6.2f |", l, u + s, p, o, c, u + s + p + o + c }')
}

# Warm-up (not timed): Swift's first requests create account and container databases and fill
# memcached; without this the first timed run pays for it.
for b in bench-ibsr-small bench-curl-one-small bench-curl-each-small bench-ibsr-large bench-curl-large; do
  for i in 1 2 3 4 5; do
    curl -sS -f "${CURL_AUTH[@]}" -o /dev/null -T "$D/small/$(ls "$D/small" | head -1)" "$base/$b/warmup/$i"
  done
done

echo "| run | files | MiB | seconds | files/s | MiB/s |"
echo "|---|---|---|---|---|---|"
t0=$(now); run_export bench-ibsr-small "$D/small" "$D/state-small.json" >"$D/r1"; t1=$(now)
grep -q "uploaded=$N .*failed=0" "$D/r1" || { cat "$D/r1" >&2; exit 1; }
report "ibsr-export, $N small files" "$N" "$SMALL_BYTES" "$t0" "$t1"
req_small=$(requests)

t0=$(now); run_export bench-ibsr-small "$D/small" "$D/state-small.json" >"$D/r2"; t1=$(now)
grep -q "uploaded=0 skipped=$N .*failed=0" "$D/r2" || { cat "$D/r2" >&2; exit 1; }
report "ibsr-export rerun (nothing to do)" "$N" 0 "$t0" "$t1"

rm "$D/state-small.json"
t0=$(now); run_export bench-ibsr-small "$D/small" "$D/state-small.json" >"$D/r3"; t1=$(now)
grep -q "uploaded=0 skipped=$N .*failed=0" "$D/r3" || { cat "$D/r3" >&2; exit 1; }
report "ibsr-export rerun, state lost (1 LIST)" "$N" 0 "$t0" "$t1"

args=()
for f in "$D"/small/*; do args+=(-T "$f" "$base/bench-curl-one-small/bench/h/snapshots/${f##*/}"); done
t0=$(now); curl -sS "${CURL_AUTH[@]}" -o /dev/null -w '%{http_code}\n' "${args[@]}" >"$D/c1"; t1=$(now)
[ "$(grep -c '^200$' "$D/c1")" = "$N" ] || { sort "$D/c1" | uniq -c >&2; exit 1; }
report "curl, 1 process, $N small files" "$N" "$SMALL_BYTES" "$t0" "$t1"

if [ -z "${BENCH_SKIP_CURL_EACH:-}" ]; then  # the slowest row, and not one the ratios use
  t0=$(now)
  for f in "$D"/small/*; do
    curl -sS -f "${CURL_AUTH[@]}" -o /dev/null -T "$f" "$base/bench-curl-each-small/bench/h/snapshots/${f##*/}"
  done
  t1=$(now)
  report "curl, process per file, $N small files" "$N" "$SMALL_BYTES" "$t0" "$t1"
fi

c0=$(server_cpu); t0=$(now)
{ time run_export bench-ibsr-large "$D/large" "$D/state-large.json" >"$D/r4"; } 2>"$D/cpu4"
t1=$(now); c1=$(server_cpu)
cpu_row "ibsr-export, default-size parts" "$D/cpu4" "$c0" "$c1"
grep -q "uploaded=1 .*failed=0" "$D/r4" || { cat "$D/r4" >&2; exit 1; }
report "ibsr-export, 1 x $LARGE_MIB MiB (default-size parts)" 1 "$LARGE_BYTES" "$t0" "$t1"
req_large=$(requests)

c0=$(server_cpu); t0=$(now)
{ time "$EXPORT" s3 --bucket bench-ibsr-large --endpoint "$S3_ENDPOINT" --prefix single --host-id h \
  --input "$D/large" --state-file "$D/state-large-single.json" \
  --multipart-threshold-mib $((LARGE_MIB + 1)) >"$D/r5" 2>/dev/null; } 2>"$D/cpu5"
t1=$(now); c1=$(server_cpu)
cpu_row "ibsr-export, single PUT" "$D/cpu5" "$c0" "$c1"
grep -q "uploaded=1 .*failed=0" "$D/r5" || { cat "$D/r5" >&2; exit 1; }
report "ibsr-export, 1 x $LARGE_MIB MiB (single PUT)" 1 "$LARGE_BYTES" "$t0" "$t1"

c0=$(server_cpu); t0=$(now)
{ time curl -sS "${CURL_AUTH[@]}" -o /dev/null -w '%{http_code}' -T "$D/large/snapshot_2026010100.jsonl" \
  "$base/bench-curl-large/bench/h/snapshots/snapshot_2026010100.jsonl" >"$D/c2"; } 2>"$D/cpu6"
t1=$(now); c1=$(server_cpu)
code=$(cat "$D/c2")
cpu_row "curl, single PUT" "$D/cpu6" "$c0" "$c1"
[ "$code" = 200 ] || { echo "curl large: HTTP $code" >&2; exit 1; }
report "curl, 1 x $LARGE_MIB MiB (single PUT)" 1 "$LARGE_BYTES" "$t0" "$t1"

pair_ratios=()
for p in $(seq 1 "${BENCH_LARGE_PAIRS:-2}"); do
  t0=$(now); run_export bench-ibsr-large "$D/large" "$D/state-large-pair$p.json" "pair$p" >"$D/rp$p"; t1=$(now)
  grep -q "uploaded=1 .*failed=0" "$D/rp$p" || { cat "$D/rp$p" >&2; exit 1; }
  report "pair $p: ibsr-export, default-size parts" 1 "$LARGE_BYTES" "$t0" "$t1"
  t0=$(now)
  code=$(curl -sS "${CURL_AUTH[@]}" -o /dev/null -w '%{http_code}' -T "$D/large/snapshot_2026010100.jsonl" \
    "$base/bench-curl-large/pair$p/h/snapshots/snapshot_2026010100.jsonl")
  t1=$(now)
  [ "$code" = 200 ] || { echo "curl large: HTTP $code" >&2; exit 1; }
  report "pair $p: curl, single PUT" 1 "$LARGE_BYTES" "$t0" "$t1"
  pair_ratios+=("$(awk -v a="${secs["pair $p: ibsr-export, default-size parts"]}" \
    -v b="${secs["pair $p: curl, single PUT"]}" 'BEGIN { printf "%.2f", a / b }')")
done

ratio() { awk -v a="${secs[$1]}" -v b="${secs[$2]}" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "ratio ibsr-export / curl (1 process), $N small files: $(ratio "ibsr-export, $N small files" "curl, 1 process, $N small files")"
echo "ratio ibsr-export (multipart) / curl single PUT, $LARGE_MIB MiB: $(ratio "ibsr-export, 1 x $LARGE_MIB MiB (default-size parts)" "curl, 1 x $LARGE_MIB MiB (single PUT)")"
echo "ratio ibsr-export (single PUT) / curl single PUT, $LARGE_MIB MiB: $(ratio "ibsr-export, 1 x $LARGE_MIB MiB (single PUT)" "curl, 1 x $LARGE_MIB MiB (single PUT)")"
echo
echo "CPU seconds (user + system) over each $LARGE_MIB MiB row:"
echo "| row | client | proxy-server | object-server | container + account | total |"
echo "|---|---|---|---|---|---|"
for l in "ibsr-export, default-size parts" "ibsr-export, single PUT" "curl, single PUT"; do echo "${cpus[$l]}"; done
echo "ratio of total CPU, ibsr-export (multipart) / curl single PUT: $(awk -v a="$(echo "${cpus["ibsr-export, default-size parts"]}" | awk -F'|' '{print $7}')" -v b="$(echo "${cpus["curl, single PUT"]}" | awk -F'|' '{print $7}')" 'BEGIN { printf "%.2f", a / b }')"
echo "ibsr-export requests: $N small files ${req_small:-?} (probe + LIST + PUTs + HEADs), $LARGE_MIB MiB multipart ${req_large:-?}"
first=$(ratio "ibsr-export, 1 x $LARGE_MIB MiB (default-size parts)" "curl, 1 x $LARGE_MIB MiB (single PUT)")
all=$(printf '%s\n' "$first" "${pair_ratios[@]}")
echo "ratio ibsr-export (multipart) / curl single PUT, $LARGE_MIB MiB, main row and pairs: $(echo $all), median $(sort -n <<<"$all" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
