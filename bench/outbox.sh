#!/usr/bin/env bash
# Outbox publishing vs raw producing, in one run against the same broker:
#   1. baseline: kcat -P producing N ~1 KB messages (same producer settings the relay uses:
#      idempotent, acks=all, lz4, linger 5 ms), messages/s until every one is acknowledged;
#   2. outbox throughput: writers committing state changes with ~1 KB events for SECONDS,
#      events/s as seen by a consumer;
#   3. relay drain: the outbox filled first, then the relay alone publishing the backlog
#      (the publishing path without writers competing for the same two cores);
#   4. outbox latency: the same at a fixed RATE events/s, commit-to-consumer p50/p99.
# Prints the figures and the ratio. Needs the stack (deploy/stack.sh up) and a build.
# Usage: bench/outbox.sh [SECONDS=60] [RATE=1000] [WRITERS=8]
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$repo_root/build}
seconds=${1:-60}
rate=${2:-1000}
writers=${3:-8}
# shellcheck source=/dev/null
source "$("$repo_root/deploy/stack.sh" env)"
"$repo_root/deploy/stack.sh" topic mentoring.bench.v1 6 >/dev/null 2>&1
bench="$build_dir/bench/outbox_bench"
common=(--pg-host="$PG_HOST" --pg-port="$PG_PORT" --kafka-bootstrap="$KAFKA_BOOTSTRAP" --writers="$writers")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
count=200000
# Every message its own random 1000 characters, so compression cannot flatter the baseline.
head -c $((count * 750)) /dev/urandom | base64 -w 1000 | head -n "$count" |
  awk '{ printf "key-%d:%s\n", NR % 5000, $0 }' >"$tmp/messages"
start=$(date +%s.%N)
kcat -P -b "$KAFKA_BOOTSTRAP" -t mentoring.bench.v1 -K: -l \
  -X enable.idempotence=true -X acks=all -X linger.ms=5 -X compression.type=lz4 "$tmp/messages"
end=$(date +%s.%N)
kcat_rate=$(awk -v n="$count" -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", n / (b - a) }')
printf 'kcat -P baseline: %d messages of ~1 KB in %.2fs = %s msg/s\n' "$count" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$kcat_rate"

"$bench" "${common[@]}" --mode=throughput --seconds="$seconds" 2>"$tmp/throughput.log" | tee "$tmp/throughput"
outbox_rate=$(sed -n 's/.*consumed_per_s=\([0-9]*\).*/\1/p' "$tmp/throughput")
awk -v o="$outbox_rate" -v k="$kcat_rate" 'BEGIN { printf "ratio outbox end-to-end/kcat: %.3f\n", o / k }'

"$bench" "${common[@]}" --mode=drain --seconds="$((seconds / 2))" 2>"$tmp/drain.log" | tee "$tmp/drain"
drain_rate=$(sed -n 's/.*relay_publish_per_s=\([0-9]*\).*/\1/p' "$tmp/drain")
awk -v o="$drain_rate" -v k="$kcat_rate" 'BEGIN { printf "ratio relay drain/kcat: %.3f\n", o / k }'

"$bench" "${common[@]}" --mode=latency --seconds="$seconds" --rate="$rate" 2>"$tmp/latency.log" | tee "$tmp/latency"
