#!/usr/bin/env bash
# ibsr-report reading the same snapshots from the local S3 server (tests/tools/s3-test-server.sh,
# uploaded with ibsr-export) and from local disk, side by side in one run; the outputs are
# compared byte for byte. Results: docs/performance.md, "Reading from S3".
#   bench/report/s3_bench.sh [BUILD_DIR] [SOURCES] [BYTES]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
SOURCES=${2:-1000000}
BYTES=${3:-4e8}
WORK=$(mktemp -d /tmp/ibsr-report-s3-bench.XXXXXX)
trap 'tests/tools/s3-test-server.sh stop "$WORK/s3" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
ninja -C "$BUILD" ibsr-report ibsr-export >/dev/null
/usr/bin/python3 bench/report/gen_snapshots.py "$WORK/host" --sources "$SOURCES" --bytes "$BYTES"
du -sb "$WORK/host"
# A free port of our own (another test's server may be taking the default 8080).
S3_PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export S3_PORT
out=$(tests/tools/s3-test-server.sh start "$WORK/s3") || exit 1
eval "$out"
key=$(printf %s "$AWS_ACCESS_KEY_ID" | sed 's/:/%3A/')
curl -sSf --aws-sigv4 aws:amz:us-east-1:s3 -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -X PUT \
  "http://$key:$AWS_SECRET_ACCESS_KEY@${S3_ENDPOINT#http://}/bench" >/dev/null
"$BUILD"/src/export/ibsr-export s3 --bucket bench --endpoint "$S3_ENDPOINT" --prefix fleet \
  --host-id h1 --input "$WORK/host" --min-age-sec 0 --state-file "$WORK/state.json"
cat "$WORK"/host/*.jsonl >/dev/null  # page cache: the disk run reads from memory, like the server
time_report() {
  local name=$1
  shift
  /usr/bin/time -f "$name: wall %e s, user %U s, sys %S s, peak RSS %M KB" \
    "$BUILD"/src/report/ibsr-report --format md,json,csv --min-observation-sec 0 \
    -o "$WORK/out-$name" "$@" >/dev/null
}
S3IN=(--input s3://bench/fleet/h1/snapshots/ --endpoint "$S3_ENDPOINT")
for round in 1 2; do
  echo "== round $round"
  time_report disk --input "$WORK/host"
  time_report s3 "${S3IN[@]}"
  time_report s3-no-prefetch "${S3IN[@]}" --s3-no-prefetch
  time_report s3-chunk-1mib "${S3IN[@]}" --s3-chunk-mib 1
  time_report s3-chunk-32mib "${S3IN[@]}" --s3-chunk-mib 32
done
for name in s3 s3-no-prefetch s3-chunk-1mib s3-chunk-32mib; do
  diff -r "$WORK/out-disk" "$WORK/out-$name" >/dev/null && echo "$name: outputs identical to disk"
done
