#!/usr/bin/env bash
# Recommendations while the directory churns (docs/benchmarks.md, issue 14): a real profiles
# and matching service on scratch databases and their own Kafka topics, seeded with one
# organisation of 51,000 people (50,000 mentors, one programme enrolling everyone; the same
# people in both services). RecommendMentors for one mentee at a fixed RATE with ghz:
#   quiet     QUIET seconds with nothing changing;
#   import    then, while ghz goes on for LOADED seconds, IMPORTS HR imports one after
#             another (ProfilesService/ImportPeople, streamed by bench/import_client), each
#             moving the same 10,000 mentors to other departments; each import's phase runs
#             from its start until matching's published snapshot holds its last change
#             (mentoring_people_snapshot_change on its /metrics reaches the newest change in
#             its people table, every moved row applied);
#   after     the rest of that run.
# Per phase: calls, p50/p90/p99/max, errors, and matching's CPU (utime + stime) per second;
# and the import's answer time, when matching had applied every change, and when its
# snapshot held them.
# Needs the stack (deploy/stack.sh up), a build, ghz (go install github.com/bojand/ghz/cmd/ghz@latest).
# Usage: bench/churn.sh [QUIET=60] [LOADED=120] [RATE=50] [IMPORTS=3]
#        BASELINE_BIN=/other/build/services/matching/matching_service bench/churn.sh
#          measures that build's matching first, then this one's, in the same run (each on
#          its own fresh databases and topics; profiles is this build's in both).
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$repo_root/build}
matching_bin=$build_dir/services/matching/matching_service
quiet=${1:-60}
loaded=${2:-120}
rate=${3:-50}
imports=${4:-3}
# shellcheck source=/dev/null
source "$("$repo_root/deploy/stack.sh" env)"
ghz=$(command -v ghz || echo "$(go env GOPATH)/bin/ghz")
work=$(mktemp -d)
run=
profiles_db=
matching_db=
profiles_pid=
matching_pid=
psql_() { psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -Atqc "$1" "${2:-postgres}"; }

cleanup() {
  set +e  # a service's exit status must not stop the rest of the clean-up
  for pid in $matching_pid $profiles_pid; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  profiles_pid= matching_pid=
  for db in $profiles_db $matching_db; do psql_ "DROP DATABASE IF EXISTS $db WITH (FORCE)"; done
  # The run's topics stay on the broker (a few empty partitions); deploy/stack.sh down/up clears them.
  set -e
}
trap 'cleanup; [[ -n ${KEEP_WORK:-} ]] && echo "work dir: $work" || rm -rf "$work"' EXIT

head -c 48 /dev/urandom | base64 | tr -d '\n/+=' >"$work/secret"
start() {  # service binary profiles_addr: starts it on its scratch database; sets pid and ports
  local service=$1 binary=$2 prefix
  prefix=$(tr '[:lower:]' '[:upper:]' <<<"$service")
  rm -f "$work/$service.ports"
  env "${prefix}_DATABASE_URL=postgresql://postgres@$PG_HOST:$PG_PORT/${run}_$service" \
    "${prefix}_REDIS_ADDR=$REDIS_ADDR" "${prefix}_KAFKA_BOOTSTRAP=$KAFKA_BOOTSTRAP" \
    "${prefix}_KAFKA_TOPIC_NAMESPACE=$run" "${prefix}_CONSUMER_GROUP=$run-$service" \
    "${prefix}_PROFILES_ADDR=${3:-127.0.0.1:1}" "${prefix}_INTERNAL_TOKEN_SECRET=$(cat "$work/secret")" \
    "${prefix}_GRPC_LISTEN=127.0.0.1:0" "${prefix}_ADMIN_LISTEN=127.0.0.1:0" "${prefix}_PORT_FILE=$work/$service.ports" \
    "${prefix}_LOG_LEVEL=${LOG_LEVEL:-warn}" "$binary" 2>>"$work/$service.log" &
  eval "${service}_pid=$!"
  for _ in $(seq 1 600); do [[ -s $work/$service.ports ]] && break; sleep 0.1; done
  eval "${service}_grpc=$(sed -n 's/GRPC_PORT=//p' "$work/$service.ports")"
  eval "${service}_admin=$(sed -n 's/ADMIN_PORT=//p' "$work/$service.ports")"
}
stop() { eval "kill \$${1}_pid; wait \$${1}_pid 2>/dev/null || true; ${1}_pid="; }

measure() {  # label matching_binary
  local binary=$2
  run=churn_$$_$RANDOM
  profiles_db=${run}_profiles
  matching_db=${run}_matching
  echo "######## $1: $binary"
  echo "== set-up: 51,000 people in profiles and matching, one programme enrolling everyone"
  for service in profiles matching; do "$repo_root/deploy/stack.sh" topic "$run.$service.v1" 6 >/dev/null; done
  # The synthetic people have the same ids in every run: profiles' cached copies from an
  # earlier run (their versions newer than this run's) would answer its reads.
  redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" --scan --pattern 'profiles:person:00000000-0000-7000-8000-*' |
    xargs -r -n 1000 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" del >/dev/null
  psql_ "CREATE DATABASE $profiles_db"
  psql_ "CREATE DATABASE $matching_db"
  start profiles "$build_dir/services/profiles/profiles_service" && stop profiles   # their schemas
  start matching "$binary" && stop matching
  eval "$("$build_dir/bench/cohort_bench" seed --database-url "postgresql://postgres@$PG_HOST:$PG_PORT/$matching_db" \
    --profiles-database-url "postgresql://postgres@$PG_HOST:$PG_PORT/$profiles_db" --mentors 50000 --mentees 1000 \
    --moved-csv "$work/moved.csv" --moved 10000)"
  # The seeded read model counts as loaded, as a matching that has run for a while has it
  # (otherwise its next start loads all 51,000 from profiles again, during the quiet phase).
  psql_ "UPDATE read_model_loads SET completed_at = now() WHERE name = 'people'" "$matching_db" >/dev/null
  start profiles "$build_dir/services/profiles/profiles_service"
  start matching "$binary" "127.0.0.1:$profiles_grpc"
  token=$("$build_dir/tools/mint_token" --secret-file="$work/secret" --caller="$MENTEE_ID" --roles=employee --lifetime=2h)

  cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$matching_pid/stat"; }
  now() { date +%s.%N; }
  recommend() {  # seconds output: RecommendMentors at the fixed rate, every call's details in JSON
    "$ghz" --insecure --rps "$rate" --concurrency 16 --connections 2 --duration "${1}s" --timeout 20s \
      --call mentoring.matching.v1.MatchingService/RecommendMentors \
      -d "{\"programme_id\":\"$PROGRAMME_ID\",\"person_id\":\"$MENTEE_ID\",\"limit\":10}" \
      -m "{\"x-mentoring-internal-token\":\"$token\"}" \
      --import-paths "$repo_root/protos" --proto "$repo_root/protos/mentoring/matching/v1/matching.proto" \
      --format json "127.0.0.1:$matching_grpc" >"$2"
  }
  snapshot_change() {
    curl -fsS "http://127.0.0.1:$matching_admin/metrics" | awk '/^mentoring_people_snapshot_change / { print int($2) }'
  }

  recommend 5 "$work/warm.json"   # the first call builds the programme's mentor pool
  echo "== quiet: ${quiet}s at $rate calls/s; load:$(uptime | sed 's/.*average://')"
  quiet_start=$(now); quiet_cpu=$(cpu_ticks)
  recommend "$quiet" "$work/quiet.json"
  quiet_end=$(now); quiet_cpu_end=$(cpu_ticks)

  echo "== import: ${loaded}s at $rate calls/s; $imports HR imports, one after another, from 5 s in"
  recommend "$loaded" "$work/loaded.json" &
  ghz_pid=$!
  sleep 5
  : >"$work/imports"
  for round in $(seq 1 "$imports"); do
    # Each round moves the same mentors to other departments than the round before.
    sed "s/,reorganised-/,reorganised-$round-/" "$work/moved.csv" >"$work/round.csv"
    before_change=$(psql_ "SELECT coalesce(max(change_seq), 0) FROM people" "$matching_db")
    import_start=$(now); import_cpu=$(cpu_ticks)
    # A few rows are refused (the synthetic tree has manager cycles, which HR imports refuse).
    "$build_dir/bench/import_client" --target="127.0.0.1:$profiles_grpc" --secret-file="$work/secret" \
      --file="$work/round.csv" >"$work/import.out" || true
    import_answer=$(now)
    sed "s/^/   import $round: /" "$work/import.out"
    updated=$(sed -n 's/.* updated=\([0-9]*\).*/\1/p' "$work/import.out")
    applied=
    while true; do
      changed=$(psql_ "SELECT count(*) FROM people WHERE change_seq > $before_change" "$matching_db")
      if [[ -z $applied && $changed -ge $updated ]]; then applied=$(now); fi
      if [[ -n $applied ]]; then
        latest=$(psql_ "SELECT max(change_seq) FROM people" "$matching_db")
        published=$(snapshot_change)
        # A build without published snapshots (the baseline) reads the table on each call.
        [[ -z $published || $published -ge $latest ]] && break
      fi
      if (($(date +%s) - ${import_answer%.*} > 300)); then
        echo "matching did not catch up in 300 s: $changed of $updated rows changed," \
          "snapshot at ${published:-?} of ${latest:-?}" >&2
        exit 1
      fi
      sleep 0.2
    done
    echo "$import_start $import_answer $applied $(now) $import_cpu $(cpu_ticks)" >>"$work/imports"
  done
  wait "$ghz_pid"
  loaded_end=$(now); loaded_cpu_end=$(cpu_ticks)

  python3 - "$work" "$(getconf CLK_TCK)" "$quiet_start" "$quiet_end" "$quiet_cpu" "$quiet_cpu_end" "$loaded_end" \
    "$loaded_cpu_end" <<'PY'
import collections, datetime, json, sys
work, hz = sys.argv[1], int(sys.argv[2])
quiet_start, quiet_end, quiet_cpu, quiet_cpu_end, loaded_end, loaded_cpu_end = (float(a) for a in sys.argv[3:])
# Per import: start, answer, every change applied, snapshot holding them, CPU ticks at start and then.
imports = [tuple(float(v) for v in line.split()) for line in open(f"{work}/imports")]

def calls(path):
    out = []
    for d in json.load(open(path)).get("details") or []:
        ts = d["timestamp"]  # RFC 3339 with nanoseconds and an offset
        head, _, rest = ts.partition(".")
        frac = "".join(c for c in rest if c.isdigit())
        tz = rest[len(frac):]
        when = datetime.datetime.fromisoformat(f"{head}.{frac[:6].ljust(6, '0')}{tz.replace('Z', '+00:00')}")
        out.append((when.timestamp(), d["latency"] / 1e6, d.get("status") == "OK", d.get("error", "")))
    return out

def report(name, rows, seconds, cpu_ticks):
    lat = sorted(row[1] for row in rows)
    if not lat:
        print(f"{name:8s} no calls"); return
    at = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    errors = collections.Counter(error or "?" for _, _, ok, error in rows if not ok)
    print(f"{name:8s} {seconds:6.1f} s  calls={len(rows):5d} ({len(rows) / seconds:4.1f}/s)  p50={at(.5):8.2f} ms"
          f"  p90={at(.9):8.2f} ms  p99={at(.99):8.2f} ms  max={lat[-1]:8.2f} ms  errors={sum(errors.values())}"
          f"  matching_cpu={cpu_ticks / hz / seconds * 100:5.1f}%")
    for error, count in errors.most_common(3):
        print(f"         {count} x {error[:160]}")

quiet = calls(f"{work}/quiet.json")
loaded = calls(f"{work}/loaded.json")
for n, (start, answer, applied, reflected, *_) in enumerate(imports, 1):
    print(f"import {n}: answered after {answer - start:.1f} s; matching applied every change "
          f"{applied - answer:.1f} s after the answer and its snapshot held them {reflected - answer:.1f} s after")
within = lambda t: any(start <= t < reflected for start, _, _, reflected, *_ in imports)
report("quiet", quiet, quiet_end - quiet_start, quiet_cpu_end - quiet_cpu)
report("import", [c for c in loaded if within(c[0])], sum(r - s for s, _, _, r, *_ in imports),
       sum(c1 - c0 for *_, c0, c1 in imports))
last = imports[-1][3]
report("after", [c for c in loaded if c[0] >= last], loaded_end - last, loaded_cpu_end - imports[-1][5])
PY
  echo "load after:$(uptime | sed 's/.*average://')"
  cleanup
}

[[ -n ${BASELINE_BIN:-} ]] && measure baseline "$BASELINE_BIN"
measure "this build" "$matching_bin"
