#!/usr/bin/env bash
# Profiles service benchmarks, each against a fresh service process and database:
#   get     cached GetPerson vs the gRPC health check on the same server, ghz, 32
#           concurrent callers, RUNS runs of each, interleaved; throughput ratio and p99
#   import  HR import of 100,000 rows (time), and peak RSS of the service importing
#           50,000 vs 500,000 rows
# Needs the stack (deploy/stack.sh up), a build, and ghz (go install github.com/bojand/ghz/cmd/ghz@latest).
# Usage: bench/profiles.sh get|import|all [RUNS=3] [SECONDS=10]
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$repo_root/build}
what=${1:-all}
runs=${2:-3}
seconds=${3:-10}
# shellcheck source=/dev/null
source "$("$repo_root/deploy/stack.sh" env)"
ghz=$(command -v ghz || echo "$(go env GOPATH)/bin/ghz")
work=$(mktemp -d)
service_pid=
database=

cleanup() {
  [[ -n $service_pid ]] && kill "$service_pid" 2>/dev/null && wait "$service_pid" 2>/dev/null
  [[ -n $database ]] && psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" postgres
  rm -rf "$work"
}
trap cleanup EXIT

start_service() {  # fresh database and process; sets service_pid, grpc_port
  [[ -n $service_pid ]] && { kill "$service_pid"; wait "$service_pid" 2>/dev/null || true; }
  [[ -n $database ]] && psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" postgres
  database=bench_profiles_$$_$RANDOM
  psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -qc "CREATE DATABASE $database" postgres
  head -c 48 /dev/urandom | base64 | tr -d '\n/+=' >"$work/secret"
  rm -f "$work/ports"
  PROFILES_DATABASE_URL="postgresql://postgres@$PG_HOST:$PG_PORT/$database" PROFILES_REDIS_ADDR="$REDIS_ADDR" \
    PROFILES_KAFKA_BOOTSTRAP="$KAFKA_BOOTSTRAP" PROFILES_INTERNAL_TOKEN_SECRET="$(cat "$work/secret")" \
    PROFILES_GRPC_LISTEN=127.0.0.1:0 PROFILES_ADMIN_LISTEN=127.0.0.1:0 PROFILES_PORT_FILE="$work/ports" \
    PROFILES_LOG_LEVEL=warn "$build_dir/services/profiles/profiles_service" 2>>"$work/service.log" &
  service_pid=$!
  for _ in $(seq 1 100); do [[ -f $work/ports ]] && break; sleep 0.1; done
  grpc_port=$(sed -n 's/GRPC_PORT=//p' "$work/ports")
}

peak_rss_mb() { awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$service_pid/status"; }

ghz_run() {  # label call [extra args...]
  local label=$1 call=$2
  shift 2
  "$ghz" --insecure --concurrency 32 --duration "${seconds}s" --connections 4 --call "$call" "$@" \
    --format json "127.0.0.1:$grpc_port" >"$work/ghz.json"
  python3 - "$label" "$work/ghz.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[2]))
p99 = next((d["latency"] for d in r.get("latencyDistribution") or [] if d["percentage"] == 99), 0) / 1e6
errors = sum(v for k, v in (r.get("statusCodeDistribution") or {}).items() if k != "OK")
print(f"{sys.argv[1]:8s} rps={r['rps']:.0f} p50_ms={next((d['latency'] for d in r['latencyDistribution'] if d['percentage'] == 50), 0) / 1e6:.2f} p99_ms={p99:.2f} errors={errors}")
PY
}

bench_get() {
  start_service
  local token person
  token=$("$build_dir/tools/mint_token" --secret-file="$work/secret" --caller=bench --roles=service --lifetime=1h)
  person=$("$build_dir/tools/demo_loader" --target="127.0.0.1:$grpc_port" --file="$repo_root/deploy/demo/people.jsonl" \
    --secret-file="$work/secret" >/dev/null && psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -Atc \
    "SELECT person_id FROM people LIMIT 1" "$database")
  echo "GetPerson (cached) vs Health/Check, 32 concurrent, ${seconds}s each, $runs runs"
  for run in $(seq 1 "$runs"); do
    echo "run $run"
    ghz_run health grpc.health.v1.Health/Check -d '{}' \
      --import-paths /usr/share/grpc-proto --proto /usr/share/grpc-proto/grpc/health/v1/health.proto
    ghz_run get mentoring.profiles.v1.ProfilesService/GetPerson -d "{\"person_id\":\"$person\"}" \
      -m "{\"x-mentoring-internal-token\":\"$token\"}" \
      --import-paths "$repo_root/protos" --proto "$repo_root/protos/mentoring/profiles/v1/profiles.proto"
  done
}

bench_import() {
  for rows in ${IMPORT_ROWS:-100000 50000 500000}; do
    start_service
    echo "import of $rows rows:"
    "$build_dir/bench/import_client" --target="127.0.0.1:$grpc_port" --secret-file="$work/secret" --rows="$rows"
    echo "  service peak RSS: $(peak_rss_mb) MiB"
  done
}

case $what in
  get) bench_get ;;
  import) bench_import ;;
  all) bench_get; bench_import ;;
  *) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
