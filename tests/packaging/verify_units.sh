#!/usr/bin/env bash
# `systemd-analyze verify` on every unit in packaging/, with ExecStart pointed at this build's
# binaries (verify checks that the command exists). Any diagnostic - an unknown key, a bad value,
# a timer without its service - fails the test.
# Usage: verify_units.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for f in "$src"/packaging/*.service "$src"/packaging/*.timer; do
  sed -e "s|/usr/local/bin/ibsr-export |$build/src/export/ibsr-export |" \
      -e "s|/usr/local/bin/ibsr |$build/src/cli/ibsr |" "$f" >"$tmp/$(basename "$f")"
done
if grep -l '/usr/local/bin/' "$tmp"/*; then
  echo "a unit runs a binary this test does not know how to map to the build" >&2
  exit 1
fi

units=("$tmp"/*.service "$tmp"/*.timer)
out=$(systemd-analyze verify "${units[@]}" 2>&1) || {
  echo "$out" >&2
  exit 1
}
if [ -n "$out" ]; then
  echo "$out" >&2
  exit 1
fi
echo "verified ${#units[@]} units: $(cd "$tmp" && echo *)"
