#!/bin/sh
# generate.sh OUT.gz SECTION INCLUDE VERSION COMMAND...
# One manual page from the command's own --help (the one source, docs/cli.md): help2man runs
# COMMAND --help through a wrapper that turns the help's "Exit codes:" heading into help2man's
# custom-section marker, so the page gets an EXIT STATUS section; "Examples:" is already one of
# help2man's sections. The page is gzip -9n compressed (reproducible, as Debian wants).
set -eu
out=$1 section=$2 include=$3 version=$4
shift 4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{
  echo '#!/bin/sh'
  printf '%s ' "$@" | sed 's/[^ ][^ ]*/"&"/g'
  echo '"$@" | sed "s/^Exit codes:\$/*Exit status*/"'
} >"$tmp/cmd"
chmod +x "$tmp/cmd"
help2man --no-info --no-discard-stderr --section="$section" --version-string="$version" \
  --include="$include" --output="$tmp/page" "$tmp/cmd"
gzip -9n -c "$tmp/page" >"$out"
