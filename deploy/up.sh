#!/usr/bin/env bash
# The first command: takes a fresh Debian 12 machine to the whole suite running on
# loopback with a demo organisation and a matched demo programme loaded. Installs what is missing, builds, starts
# PostgreSQL, Redis and Kafka (deploy/stack.sh), starts every built service
# (deploy/services.sh), loads deploy/demo/people.jsonl and a demo programme whose
# cohort is matched and published. Safe to run again: after a code change it rebuilds and
# restarts, in dependency order, the services whose binaries changed and those that call
# them, so the new code runs.
# Usage: deploy/up.sh        (BUILD_DIR and STACK_DIR may be set; defaults build/ and .stack/)
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$repo_root/build}
stack_dir=${STACK_DIR:-$repo_root/.stack}
export BUILD_DIR=$build_dir STACK_DIR=$stack_dir

"$repo_root/deploy/install.sh"
cmake -S "$repo_root" -B "$build_dir" -G Ninja >/dev/null
cmake --build "$build_dir"
"$repo_root/deploy/stack.sh" up
"$repo_root/deploy/services.sh" start
# shellcheck source=/dev/null
source "$stack_dir/services.env"
"$build_dir/tools/demo_loader" --target="127.0.0.1:$PROFILES_GRPC_PORT" \
  --file="$repo_root/deploy/demo/people.jsonl" --secret-file="$INTERNAL_TOKEN_SECRET_FILE" \
  --matching-target="127.0.0.1:$MATCHING_GRPC_PORT"

cat <<SUMMARY

The suite is up.
  profiles   gRPC 127.0.0.1:$PROFILES_GRPC_PORT   metrics http://127.0.0.1:$PROFILES_ADMIN_PORT/metrics
  matching   gRPC 127.0.0.1:$MATCHING_GRPC_PORT   metrics http://127.0.0.1:$MATCHING_ADMIN_PORT/metrics
  scheduling gRPC 127.0.0.1:$SCHEDULING_GRPC_PORT   metrics http://127.0.0.1:$SCHEDULING_ADMIN_PORT/metrics
  evaluation gRPC 127.0.0.1:$EVALUATION_GRPC_PORT   metrics http://127.0.0.1:$EVALUATION_ADMIN_PORT/metrics
  gateway    HTTP http://127.0.0.1:$GATEWAY_HTTP_PORT   (OpenAPI at /openapi.json; tokens: build/tools/mint_token --user)
  stack      $("$repo_root/deploy/stack.sh" env)
Stop everything with: deploy/down.sh
SUMMARY
