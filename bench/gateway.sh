#!/usr/bin/env bash
# The gateway's cost over a direct call, in the same run: a cached profile read at a fixed
# rate through the gateway (HTTP/JSON, JWT, routing, transcoding, rate limit in Redis,
# internal token, gRPC to profiles) with vegeta, and straight to the profiles service
# (gRPC) with ghz at the same rate; RUNS runs each, interleaved. Also the gateway's CPU
# time per request and the maximum-throughput ratio (both unthrottled, 32 in flight).
# Needs the suite up (deploy/up.sh), ghz and vegeta (go install github.com/bojand/ghz/cmd/ghz@latest
# github.com/tsenart/vegeta/v12@latest).
# Usage: bench/gateway.sh [RUNS=3] [RATE=1000] [SECONDS=10]
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$repo_root/build}
runs=${1:-3}
rate=${2:-1000}
seconds=${3:-10}
# shellcheck source=/dev/null
source "$repo_root/.stack/services.env"
gobin=$(go env GOPATH)/bin
ghz=$(command -v ghz || echo "$gobin/ghz")
vegeta=$(command -v vegeta || echo "$gobin/vegeta")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

service_token=$("$build_dir/tools/mint_token" --secret-file="$INTERNAL_TOKEN_SECRET_FILE" --caller=bench --roles=service --lifetime=1h)
person=$("$gobin/grpcurl" -plaintext -H "x-mentoring-internal-token: $service_token" -d '{"page_size": 1}' \
  "127.0.0.1:$PROFILES_GRPC_PORT" mentoring.profiles.v1.ProfilesService/SearchPeople |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["people"][0]["person_id"])')
# The person reading their own profile (no rate limit for the benchmark caller is needed:
# the gateway's default is 600 a minute per caller, so each request uses its own caller).
gateway_pid=$(cat "$repo_root/.stack/services/gateway.pid")
user_secret=$(cat "$USER_JWT_SECRET_FILE")

# Tokens for many callers, so the per-caller rate limit (600/min) is not what is measured.
python3 - "$person" "$user_secret" "$GATEWAY_HTTP_PORT" >"$work/targets" <<'PY'
import base64, hashlib, hmac, json, sys, time
person, secret, port = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
def b64(data): return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
now = int(time.time())
for i in range(2000):
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = b64(json.dumps({"sub": f"bench-{i}", "iss": "mentoring-local-idp", "aud": "mentoring-api",
                             "iat": now, "exp": now + 3600, "roles": ["programme_admin"]}).encode())
    signature = b64(hmac.new(secret, f"{header}.{claims}".encode(), hashlib.sha256).digest())
    print(json.dumps({"method": "GET", "url": f"http://127.0.0.1:{port}/v1/people/{person}",
                      "header": {"Authorization": [f"Bearer {header}.{claims}.{signature}"]}}))
PY

cpu_ticks() { awk '{print $14 + $15}' "/proc/$gateway_pid/stat"; }

through_gateway() {  # rate (0: as fast as 32 workers go)
  local before after
  before=$(cpu_ticks)
  if [[ $1 == 0 ]]; then
    "$vegeta" attack -format=json -targets="$work/targets" -rate=0 -max-workers=32 -workers=32 -duration="${seconds}s" >"$work/v.bin"
  else
    "$vegeta" attack -format=json -targets="$work/targets" -rate="$1/s" -duration="${seconds}s" >"$work/v.bin"
  fi
  after=$(cpu_ticks)
  "$vegeta" report -type=json <"$work/v.bin" >"$work/v.json"
  python3 - "$work/v.json" "$((after - before))" "$(getconf CLK_TCK)" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); ticks, hz = int(sys.argv[2]), int(sys.argv[3])
lat = r["latencies"]; ok = r["status_codes"].get("200", 0)
print(f"  gateway  rps={r['throughput']:.0f} p50_ms={lat['50th']/1e6:.2f} p99_ms={lat['99th']/1e6:.2f} "
      f"ok={ok}/{r['requests']} cpu_us_per_request={ticks / hz * 1e6 / max(1, r['requests']):.0f}")
PY
}

direct() {  # rate (0: unthrottled, 32 in flight)
  local args=(--insecure --duration "${seconds}s" --connections 4 --format json
              --call mentoring.profiles.v1.ProfilesService/GetPerson -d "{\"person_id\":\"$person\"}"
              -m "{\"x-mentoring-internal-token\":\"$service_token\"}"
              --import-paths "$repo_root/protos" --proto "$repo_root/protos/mentoring/profiles/v1/profiles.proto")
  if [[ $1 == 0 ]]; then args+=(--concurrency 32); else args+=(--concurrency 32 --rps "$1"); fi
  "$ghz" "${args[@]}" "127.0.0.1:$PROFILES_GRPC_PORT" >"$work/g.json"
  python3 - "$work/g.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
pct = {d["percentage"]: d["latency"] / 1e6 for d in r.get("latencyDistribution") or []}
ok = (r.get("statusCodeDistribution") or {}).get("OK", 0)
print(f"  direct   rps={r['rps']:.0f} p50_ms={pct.get(50, 0):.2f} p99_ms={pct.get(99, 0):.2f} ok={ok}/{r['count']}")
PY
}

echo "== fixed rate $rate/s, ${seconds}s, $runs runs (GET /v1/people/{id} vs GetPerson)"
for run in $(seq 1 "$runs"); do
  echo "run $run"
  through_gateway "$rate"
  direct "$rate"
done
echo "== maximum throughput, 32 in flight, ${seconds}s"
through_gateway 0
direct 0
