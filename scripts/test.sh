#!/usr/bin/env bash
# Installs what is needed, builds, and runs the whole test suite:
#   1. release build (GCC): every test - unit, BPF_PROG_TEST_RUN, integration on the real kernel
#      in network namespaces, S3 export against a local server, report rendering;
#   2. sanitizer build (clang, ASan + UBSan): the unit tests again, plus the libFuzzer targets
#      for a bounded time each.
# Must run as root (BPF, XDP, TC, network namespaces). Exit status is non-zero if anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/test.sh: run as root (the tests load BPF programs and create network namespaces)" >&2
  exit 1
fi

bash scripts/install-deps.sh

echo "== release build"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build
echo "== release tests"
ctest --test-dir build --output-on-failure --no-tests=error -j2

if [ "${IBSR_SKIP_SANITIZERS:-0}" != 1 ]; then
  echo "== sanitizer + fuzz build (clang, ASan + UBSan)"
  CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DIBSR_SANITIZE=ON -DIBSR_FUZZ=ON >/dev/null
  ninja -C build-asan
  echo "== sanitizer unit tests and fuzz targets"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan -L 'unit|fuzz' --output-on-failure --no-tests=error -j2
fi
