#!/usr/bin/env bash
# Benchmarks bpf/counter.bpf.c under BPF_PROG_TEST_RUN against an empty XDP_PASS program (as root).
# Usage: bench/bpf/run.sh [BUILD_DIR]   (default: build/, configured if needed)
# With IBSR_BENCH_BEFORE=REV (a git revision), bpf/ of REV is compiled too and its IPv4 costs
# (a) and (b) are measured in the same rounds (--before-object), e.g. to show that a change of
# counter.bpf.c left them alone.
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

before=()
if [ -n "${IBSR_BENCH_BEFORE:-}" ]; then
  old=$(mktemp -d)
  trap 'rm -rf "$old"' EXIT
  git -C "$src" archive "$IBSR_BENCH_BEFORE" bpf | tar -x -C "$old"
  # The same flags as cmake/BpfObject.cmake.
  clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror -I"$old/bpf" \
    -I"/usr/include/$(gcc -dumpmachine)" -c "$old/bpf/counter.bpf.c" -o "$old/counter.bpf.o"
  before=(--before-object "$old/counter.bpf.o")
fi

# One CPU for the whole run: BPF_PROG_TEST_RUN runs on the calling CPU, and the LRU map keeps
# per-CPU free lists, so migrating between runs would mix two different states.
cpu=$(($(nproc) - 1))

echo "### --map-size 100000 (default)"
status=0
taskset -c "$cpu" "$bench" --repeat 1000000 --rounds 11 --single-shots 100000 "${before[@]}" ||
  status=$?

# The new-source cost depends on how much of the map stays in cache: the same cases at other sizes.
for size in 1000 10000 1000000; do
  echo
  echo "### --map-size $size"
  taskset -c "$cpu" "$bench" --repeat 1000000 --rounds 5 --single-shots 20000 \
    --map-size "$size" || true
done
exit "$status"
