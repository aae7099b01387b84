#!/usr/bin/env bash
# Stops what deploy/up.sh started: the services (drained by SIGTERM), then the stack.
# Data stays in $STACK_DIR; remove that folder for a clean slate.
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$repo_root/deploy/services.sh" stop
"$repo_root/deploy/stack.sh" down
