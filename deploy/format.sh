#!/usr/bin/env bash
# Formats the project's C++ with .clang-format (clang-format 14 from Debian).
# Usage: deploy/format.sh           rewrite every tracked .cc/.h in place
#        deploy/format.sh --check   list the files that are not formatted; exit 1 if any
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v clang-format >/dev/null || { echo "format: clang-format not found (deploy/install.sh installs it)" >&2; exit 2; }
# Tracked files and new ones not ignored yet (so a file is formatted before its first commit).
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.cc' '*.h')
if [[ ${1:-} == --check ]]; then
  bad=()
  for f in "${files[@]}"; do
    clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
  done
  if ((${#bad[@]})); then
    printf 'format: not formatted (run deploy/format.sh): %s\n' "${bad[@]}" >&2
    exit 1
  fi
  echo "format: ${#files[@]} files formatted"
else
  clang-format -i "${files[@]}"
fi
