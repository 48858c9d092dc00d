#!/bin/sh
# generate.sh OUT.gz SECTION INCLUDE VERSION COMMAND...
# One manual page from the command's own --help (the one source, docs/cli.md): help2man runs
# COMMAND --help through a wrapper that turns the help's "Exit codes:" heading into help2man's
# custom-section marker, so the page gets an EXIT STATUS section, and marks each example line
# with help2man's "$ " so it stays one verbatim line ("Examples:" is already a help2man
# section). The page is gzip -9n compressed (reproducible, as Debian wants).
set -eu
out=$1 section=$2 include=$3 version=$4
shift 4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{
  echo '#!/bin/sh'
  printf '%s ' "$@" | sed 's/[^ ][^ ]*/"&"/g'
  printf '%s\n' '"$@" | sed -e "s/^Exit codes:\$/*Exit status*/" -e "/^Examples:\$/,\$ s/^  \([a-z]\)/  \$ \1/"'
} >"$tmp/cmd"
chmod +x "$tmp/cmd"
help2man --no-info --no-discard-stderr --section="$section" --version-string="$version" \
  --source="IBSR $version" \
  --include="$include" --output="$tmp/page" "$tmp/cmd"
gzip -9n -c "$tmp/page" >"$out"
