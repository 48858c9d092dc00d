#!/usr/bin/env bash
# A build of the programs alone (-DIBSR_BUILD_TESTS=OFF) must not need any test tooling: it is
# configured here with GoogleTest and Google Benchmark made unfindable, and must define the
# programs and no test target.
set -euo pipefail
src=$1
dir=$(mktemp -d /tmp/ibsr-notests-XXXXXX)
trap 'rm -rf "$dir"' EXIT
if ! cmake -S "$src" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DIBSR_BUILD_TESTS=OFF \
    -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON \
    >"$dir/configure.log" 2>&1; then
  cat "$dir/configure.log" >&2
  echo "FAIL: configuring with -DIBSR_BUILD_TESTS=OFF needs test tooling" >&2
  exit 1
fi
targets=$(ninja -C "$dir" -t targets all)
for program in ibsr ibsr-report ibsr-export; do
  if ! grep -q "^src/cli/$program:\|/$program: " <<<"$targets"; then
    echo "FAIL: no target for $program" >&2
    exit 1
  fi
done
if grep -Eq "_tests?:|gtest|_fuzz:|_bench:" <<<"$targets"; then
  grep -E "_tests?:|gtest|_fuzz:|_bench:" <<<"$targets" | head -5 >&2
  echo "FAIL: test or benchmark targets in a build without tests" >&2
  exit 1
fi
if [ -f "$dir/CTestTestfile.cmake" ] && grep -q add_test "$dir/CTestTestfile.cmake"; then
  echo "FAIL: ctest tests registered in a build without tests" >&2
  exit 1
fi
echo "ok: programs only, no test tooling needed"
