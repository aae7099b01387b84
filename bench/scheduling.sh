#!/usr/bin/env bash
# The scheduling service's benchmarks (figures in docs/benchmarks.md):
#   consume  SERIES (50,000) match.made events already in a fresh topic, the people read model
#            loaded: the real service binary from its start to the last series and meeting
#            committed, beside a consumer that only reads the same topic, in the same run
#   sweep    one sweep over MEETINGS (1,000,000) meetings of which DUE (10,000) are missed
#            (marking and outbox rows, no Kafka), then two sweepers at once on the same set
#   feed     on the running suite (deploy/up.sh): a person with no series gets 10, their
#            calendar feed through the gateway at a fixed 50 requests/s for SECONDS (60), and
#            the gateway's GetPerson route at the same rate in the same run (vegeta)
# Needs a build (cmake --build build) and the stack (deploy/stack.sh up); `feed` needs the
# suite with the demo loaded (deploy/up.sh) and installs vegeta from the Go proxy if missing.
# Usage: bench/scheduling.sh consume|sweep|feed|all
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$repo_root/build}
what=${1:-all}
series=${SERIES:-50000}
meetings=${MEETINGS:-1000000}
due=${DUE:-10000}
seconds=${SECONDS_PER_RUN:-60}
rate=${RATE:-50}
bench="$build_dir/bench/scheduling_bench"
[[ -x $bench ]] || { echo "scheduling.sh: build first (cmake --build $build_dir)" >&2; exit 2; }
# shellcheck source=/dev/null
set -a && source "$("$repo_root/deploy/stack.sh" env)" && set +a
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [[ $what == consume || $what == all ]]; then
  echo "== $series match.made events, read model loaded: the service vs a read-only consumer"
  "$bench" --mode=consume --series="$series" --service-bin="$build_dir/services/scheduling/scheduling_service" \
    2> >(grep -v "applied migration" >&2)
fi

if [[ $what == sweep || $what == all ]]; then
  echo "== one sweep over $meetings meetings, $due missed; then two sweepers at once"
  "$bench" --mode=sweep --meetings="$meetings" --due="$due" --sweepers=2 2> >(grep -v "applied migration" >&2)
fi

if [[ $what == feed || $what == all ]]; then
  # shellcheck source=/dev/null
  source "$repo_root/.stack/services.env"
  gobin=$(go env GOPATH)/bin
  vegeta=$(command -v vegeta || echo "$gobin/vegeta")
  [[ -x $vegeta ]] || go install github.com/tsenart/vegeta/v12@v12.13.0
  eval "$("$bench" --mode=feed-person --database-url="$SCHEDULING_DATABASE_URL" --series=10)"
  user_secret=$(cat "$USER_JWT_SECRET_FILE")
  # The person's bearer token (for making the feed URL and reading their own profile).
  token=$(python3 - "$PERSON_ID" "$user_secret" <<'PY'
import base64, hashlib, hmac, json, sys, time
person, secret = sys.argv[1], sys.argv[2].encode()
def b64(data): return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
now = int(time.time())
header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
claims = b64(json.dumps({"sub": person, "iss": "mentoring-local-idp", "aud": "mentoring-api", "iat": now,
                         "exp": now + 7200, "roles": ["employee"]}).encode())
print(f"{header}.{claims}." + b64(hmac.new(secret, f"{header}.{claims}".encode(), hashlib.sha256).digest()))
PY
)
  # One feed and one caller at 50/s is far above the per-caller limit (600 a minute, what a
  # calendar client polling every few minutes never reaches): the gateway runs this with a
  # limit too high to bite, still checking it in Redis on every request, then is restarted
  # as it was.
  restart_gateway() {
    "$repo_root/deploy/services.sh" stop gateway >/dev/null
    env "$@" "$repo_root/deploy/services.sh" start gateway >/dev/null
    # shellcheck source=/dev/null
    source "$repo_root/.stack/services.env"
  }
  restart_gateway GATEWAY_RATE_LIMIT_PER_MINUTE=1000000
  trap 'restart_gateway; rm -rf "$work"' EXIT
  base="http://127.0.0.1:$GATEWAY_HTTP_PORT"
  feed_path=$(curl -sf -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{}' \
    "$base/v1/people/$PERSON_ID/calendar-feed" | python3 -c 'import json,sys; print(json.load(sys.stdin)["path"])')
  events=$(curl -sf "$base$feed_path" | grep -c '^BEGIN:VEVENT' || true)
  echo "== $PERSON_ID's feed ($events meetings) and GetPerson, each at $rate/s for ${seconds}s through the gateway"
  echo "GET $base$feed_path" >"$work/feed.targets"
  printf 'GET %s/v1/people/%s\nAuthorization: Bearer %s\n' "$base" "$PERSON_ID" "$token" >"$work/person.targets"
  "$vegeta" attack -targets="$work/feed.targets" -rate="$rate/s" -duration="${seconds}s" >"$work/feed.bin" &
  feed_pid=$!
  "$vegeta" attack -targets="$work/person.targets" -rate="$rate/s" -duration="${seconds}s" >"$work/person.bin"
  wait "$feed_pid"
  for name in feed person; do
    "$vegeta" report -type=json <"$work/$name.bin" >"$work/$name.json"
    python3 - "$name" "$work/$name.json" <<'PY'
import json, sys
name, r = sys.argv[1], json.load(open(sys.argv[2]))
l = r["latencies"]
codes = ", ".join(f"{k}: {v}" for k, v in sorted(r["status_codes"].items()))
print(f"   {'calendar feed' if name == 'feed' else 'GetPerson    '}: requests={r['requests']} "
      f"rate={r['rate']:.1f}/s p50_ms={l['50th'] / 1e6:.2f} p90_ms={l['90th'] / 1e6:.2f} "
      f"p99_ms={l['99th'] / 1e6:.2f} max_ms={l['max'] / 1e6:.2f} codes {{{codes}}}")
PY
  done
fi
