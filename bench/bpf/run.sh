#!/usr/bin/env bash
# Benchmarks bpf/counter.bpf.c under BPF_PROG_TEST_RUN against an empty XDP_PASS program (as root).
# Usage: bench/bpf/run.sh [BUILD_DIR]   (default: build/, configured if needed)
# Prints one markdown table per map size; exits non-zero when a target is missed at the default
# --map-size. Results and method: docs/performance.md, "XDP counter program (BPF_PROG_TEST_RUN)".
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" --target ibsr-bench-counter >/dev/null
bench=$build/bench/bpf/ibsr-bench-counter

# One CPU for the whole run: BPF_PROG_TEST_RUN runs on the calling CPU, and the LRU map keeps
# per-CPU free lists, so migrating between runs would mix two different states.
cpu=$(($(nproc) - 1))

echo "### --map-size 100000 (default)"
status=0
taskset -c "$cpu" "$bench" --repeat 1000000 --rounds 11 --single-shots 100000 || status=$?

# The new-source cost depends on how much of the map stays in cache: the same cases at other sizes.
for size in 1000 10000 1000000; do
  echo
  echo "### --map-size $size"
  taskset -c "$cpu" "$bench" --repeat 1000000 --rounds 5 --single-shots 20000 \
    --map-size "$size" || true
done
exit "$status"
