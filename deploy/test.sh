#!/usr/bin/env bash
# The second command: runs every test against the real stack. Installs what is missing,
# builds, starts PostgreSQL, Redis and Kafka (deploy/stack.sh up; left running so a
# developer can re-run single tests), then runs ctest over unit, integration and fault
# tests. A run that finds no tests fails (--no-tests=error).
# Usage: deploy/test.sh [ctest args...]     e.g. deploy/test.sh -L unit
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$repo_root/build}
export STACK_DIR=${STACK_DIR:-$repo_root/.stack}

"$repo_root/deploy/install.sh"
cmake -S "$repo_root" -B "$build_dir" -G Ninja -DMENTORING_STACK_ENV="$STACK_DIR/stack.env" >/dev/null
cmake --build "$build_dir"
"$repo_root/deploy/stack.sh" up
cd "$build_dir"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
ctest --no-tests=error --output-on-failure -j "$(nproc)" "$@" 2>&1 | tee "$log"
# No test is meant to be skipped: a skip is a test that did not prove anything.
if grep -q '\*\*\*Skipped' "$log"; then
  echo "test: some tests were skipped (listed above); failing the run" >&2
  exit 1
fi
