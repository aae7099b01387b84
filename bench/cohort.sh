#!/usr/bin/env bash
# Matching benchmarks with the service's real scorer, policy and solver (bench/cohort_bench.cc):
#   cohort     10,000 mentees x 5,000 mentors (2 seats each, every criterion and hard rule on):
#              SolveCohort (score, prune, solve, prove optimal) RUNS times, then the same costs
#              as a dense 10,000 x 10,000 matrix (mentors repeated per seat) solved by scipy's
#              linear_sum_assignment (Debian's python3-scipy): speed ratio and equal objectives
#   recommend  top-10 recommendations for one mentee among 50,000 mentors: latency percentiles,
#              in process (the scorer and top-k alone) and through the running matching
#              service over gRPC (ghz, 4 concurrent callers, 2,000 calls): read model snapshot,
#              cached mentor pool, the mentee's context from PostgreSQL, explanations
# Needs a build (cmake --build build), the stack for `recommend` (deploy/stack.sh up), ghz,
# and for the baseline python3-scipy (deploy/install.sh).
# Usage: bench/cohort.sh cohort|recommend|all [RUNS=3]
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$repo_root/build}
what=${1:-all}
runs=${2:-3}
bench="$build_dir/bench/cohort_bench"
[[ -x $bench ]] || { echo "cohort.sh: build first (cmake --build $build_dir --target cohort_bench)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

if [[ $what == cohort || $what == all ]]; then
  echo "== SolveCohort, 10,000 x 5,000, 2 seats, 2 threads ($runs runs)"
  for run in $(seq 1 "$runs"); do
    line=$(/usr/bin/time -f '%M' -o "$work/rss" "$bench" cohort 2>/dev/null)
    echo "$line"
    echo "   run $run: $(field "$line" solve_cohort_seconds) s, proven_optimal $(field "$line" proven_optimal), process peak RSS $(( $(cat "$work/rss") / 1024 )) MiB"
  done
  echo "== the same costs, dense, scipy linear_sum_assignment"
  ours=$("$bench" cohort --dump-costs "$work/costs" 2>/dev/null)
  # Debian's python3 (numpy, scipy), not a pyenv one without them.
  theirs=$(/usr/bin/time -f '%M' -o "$work/rss" /usr/bin/python3 "$repo_root/services/matching/solver/bench/dense_baseline.py" "$work/costs")
  echo "$theirs"
  python3 - "$ours" "$theirs" "$(cat "$work/rss")" <<'PY'
import json, sys
ours, theirs, rss = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
same = (ours["matched"], ours["total_score"], ours["total_seat_cost"]) == (theirs["matched"], theirs["total_score"], theirs["total_seat_cost"])
scipy_seconds = theirs["linear_sum_assignment_seconds"]
print(f"   ours {ours['solve_cohort_seconds']} s (score+prune+solve+proof), scipy {scipy_seconds} s (solve only, "
      f"+{theirs['load_seconds']} s to load the matrix), peak RSS {rss // 1024} MiB")
print(f"   speed ratio scipy/ours: {scipy_seconds / ours['solve_cohort_seconds']:.1f}x; equal objectives: {same}")
PY
fi

if [[ $what == recommend || $what == all ]]; then
  echo "== top-10 recommendations among 50,000 mentors, in process"
  "$bench" recommend --mentors 50000 --queries 2000
  echo "== the same through the matching service (gRPC, ghz)"
  # shellcheck source=/dev/null
  source "$("$repo_root/deploy/stack.sh" env)"
  ghz=$(command -v ghz || echo "$(go env GOPATH)/bin/ghz")
  database=bench_matching_$$_$RANDOM
  psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -qc "CREATE DATABASE $database" postgres
  trap 'kill $service_pid 2>/dev/null; psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" postgres; rm -rf "$work"' EXIT
  head -c 48 /dev/urandom | base64 | tr -d '\n/+=' >"$work/secret"
  start_matching() {
    rm -f "$work/ports"
    # No profiles service: the read model is seeded directly and marked loaded.
    MATCHING_DATABASE_URL="postgresql://postgres@$PG_HOST:$PG_PORT/$database" MATCHING_KAFKA_BOOTSTRAP="$KAFKA_BOOTSTRAP" \
      MATCHING_PROFILES_ADDR=127.0.0.1:1 MATCHING_CONSUMER_GROUP="bench-$database" \
      MATCHING_INTERNAL_TOKEN_SECRET="$(cat "$work/secret")" MATCHING_GRPC_LISTEN=127.0.0.1:0 \
      MATCHING_ADMIN_LISTEN=127.0.0.1:0 MATCHING_PORT_FILE="$work/ports" MATCHING_LOG_LEVEL=warn \
      "$build_dir/services/matching/matching_service" 2>>"$work/service.log" &
    service_pid=$!
    for _ in $(seq 1 300); do [[ -f $work/ports ]] && break; sleep 0.1; done
    grpc_port=$(sed -n 's/GRPC_PORT=//p' "$work/ports")
  }
  start_matching   # creates the schema
  kill "$service_pid"; wait "$service_pid" 2>/dev/null || true
  eval "$("$bench" seed --database-url "postgresql://postgres@$PG_HOST:$PG_PORT/$database" --mentors 50000 --mentees 1000)"
  # The seeded read model counts as loaded (else the next start would load it from profiles).
  psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -qc "UPDATE read_model_loads SET completed_at = now() WHERE name = 'people'" "$database"
  start_matching
  token=$("$build_dir/tools/mint_token" --secret-file="$work/secret" --caller="$MENTEE_ID" --roles=employee --lifetime=1h)
  "$ghz" --insecure --concurrency 4 --total 2000 --connections 1 \
    --call mentoring.matching.v1.MatchingService/RecommendMentors \
    -d "{\"programme_id\":\"$PROGRAMME_ID\",\"person_id\":\"$MENTEE_ID\",\"limit\":10}" \
    -m "{\"x-mentoring-internal-token\":\"$token\"}" \
    --import-paths "$repo_root/protos" --proto "$repo_root/protos/mentoring/matching/v1/matching.proto" \
    --format json "127.0.0.1:$grpc_port" >"$work/ghz.json"
  python3 - "$work/ghz.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
pct = {d["percentage"]: d["latency"] / 1e6 for d in r.get("latencyDistribution") or []}
errors = sum(v for k, v in (r.get("statusCodeDistribution") or {}).items() if k != "OK")
print(f"   RecommendMentors via gRPC: rps={r['rps']:.0f} p50_ms={pct.get(50, 0):.2f} p90_ms={pct.get(90, 0):.2f} "
      f"p99_ms={pct.get(99, 0):.2f} errors={errors}")
PY
fi
