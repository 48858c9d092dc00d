#!/usr/bin/env bash
# Every C++ file of ours (src/, tests/, bench/) is formatted as .clang-format says. BPF C keeps
# the kernel style of bpf/.clang-format by hand: clang-format 14 mangles designated initialisers.
# Fix a failure with: clang-format -i FILE
set -euo pipefail
cd "$1"
mapfile -t files < <(find src tests bench \( -name '*.cpp' -o -name '*.h' \) ! -name '*.bpf.*' |
  sort)
if [ ${#files[@]} -lt 100 ]; then
  echo "found only ${#files[@]} C++ files under $1: wrong directory?" >&2
  exit 1
fi
clang-format --dry-run -Werror "${files[@]}"
echo "${#files[@]} files formatted"
