#!/usr/bin/env bash
# `systemd-analyze verify` on every unit in packaging/systemd/ (templates as an instance, eth0),
# with ExecStart pointed at this build's binaries (verify checks that the command exists). Any
# diagnostic - an unknown key, a bad value, a timer without its service - fails the test. The
# installed units are verified again by test_deb_package.py.
# Usage: verify_units.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for f in "$src"/packaging/systemd/*.service "$src"/packaging/systemd/*.timer; do
  sed -e "s|/usr/bin/ibsr-export |$build/src/export/ibsr-export |" \
      -e "s|/usr/sbin/ibsr |$build/src/cli/ibsr |" \
      -e "s|^Documentation=man:.*||" "$f" >"$tmp/$(basename "$f")"
done
if grep -l 'ExecStart=/usr/' "$tmp"/*; then
  echo "a unit runs a binary this test does not know how to map to the build" >&2
  exit 1
fi

units=()
for f in "$tmp"/*; do
  units+=("${f/@./@eth0.}")
done
out=$(systemd-analyze verify "${units[@]}" 2>&1) || {
  echo "$out" >&2
  exit 1
}
if [ -n "$out" ]; then
  echo "$out" >&2
  exit 1
fi
echo "verified ${#units[@]} units: $(cd "$tmp" && echo *)"
