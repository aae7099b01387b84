#!/usr/bin/env bash
# Profiles service benchmarks, each against a fresh service process and database:
#   get     cached GetPerson vs the gRPC health check on the same server, ghz, 32
#           concurrent callers, RUNS runs of each, interleaved; throughput ratio and p99,
#           and the CPU time per call of the service, Redis and ghz
#   profile the same two loads once each under `perf record` of the service: where its
#           CPU per call goes (each library, each system call)
#   import  HR import of 100,000 rows (time), and peak RSS of the service importing
#           50,000 vs 500,000 rows
#   sync    the nightly full sync: three full-sync imports of SYNC_ROWS (100,000) back to
#           back into one service and database, the first into an empty directory, the
#           next two with 1% of the people changed (title and manager); each import's time,
#           report, the phase times the service logs, and the service's peak RSS after it
# Needs the stack (deploy/stack.sh up), a build, ghz (go install github.com/bojand/ghz/cmd/ghz@latest),
# and for `profile` perf (apt-get install linux-perf). The service, Redis and ghz share the
# machine: compare ratios from the same run, and note the load (printed) beside them.
# Usage: bench/profiles.sh get|profile|import|sync|all [RUNS=3] [SECONDS=10]   (profile: one run)
#        SERVICE_BIN=/other/build/services/profiles/profiles_service bench/profiles.sh get   (A/B)
#        KEEP_WORK=1 keeps the work folder (ghz reports, perf data) and prints where it is.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$repo_root/build}
service_bin=${SERVICE_BIN:-$build_dir/services/profiles/profiles_service}  # another build's, to compare
what=${1:-all}
runs=${2:-3}
seconds=${3:-10}
# shellcheck source=/dev/null
source "$("$repo_root/deploy/stack.sh" env)"
ghz=$(command -v ghz || echo "$(go env GOPATH)/bin/ghz")
work=$(mktemp -d)
[[ -n ${KEEP_WORK:-} ]] && echo "work dir: $work"
service_pid=
database=

cleanup() {
  [[ -n $service_pid ]] && kill "$service_pid" 2>/dev/null && wait "$service_pid" 2>/dev/null
  [[ -n $database ]] && psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" postgres
  [[ -n ${KEEP_WORK:-} ]] || rm -rf "$work"
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
    PROFILES_LOG_LEVEL=${SERVICE_LOG_LEVEL:-warn} "$service_bin" 2>>"$work/service.log" &
  service_pid=$!
  for _ in $(seq 1 100); do [[ -f $work/ports ]] && break; sleep 0.1; done
  grpc_port=$(sed -n 's/GRPC_PORT=//p' "$work/ports")
}

peak_rss_mb() { awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$service_pid/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }  # utime + stime
machine_ticks() { awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }  # idle, total

ghz_run() {  # health|get: one ghz run; prints throughput, latency and CPU per call by process
  local label=$1 s0 r0 s1 r1 idle0 total0 idle1 total1 ghz_ticks
  local -a call
  if [[ $label == health ]]; then
    call=(grpc.health.v1.Health/Check -d '{}'
      --import-paths /usr/share/grpc-proto --proto /usr/share/grpc-proto/grpc/health/v1/health.proto)
  else
    call=(mentoring.profiles.v1.ProfilesService/GetPerson -d "{\"person_id\":\"$person\"}"
      -m "{\"x-mentoring-internal-token\":\"$token\"}"
      --import-paths "$repo_root/protos" --proto "$repo_root/protos/mentoring/profiles/v1/profiles.proto")
  fi
  s0=$(cpu_ticks "$service_pid"); r0=$(cpu_ticks "$redis_pid"); read -r idle0 total0 < <(machine_ticks)
  # ghz's own CPU time: its parent's cutime + cstime once ghz has been waited for
  ghz_ticks=$(bash -c '"${@:2}" >"$1"; awk "{ print \$16 + \$17 }" /proc/$$/stat' _ "$work/ghz.json" \
    "$ghz" --insecure --concurrency 32 --duration "${seconds}s" --connections 4 --call "${call[@]}" \
    --format json "127.0.0.1:$grpc_port")
  s1=$(cpu_ticks "$service_pid"); r1=$(cpu_ticks "$redis_pid"); read -r idle1 total1 < <(machine_ticks)
  python3 - "$label" "$work/ghz.json" "$(getconf CLK_TCK)" "$((s1 - s0))" "$((r1 - r0))" "$ghz_ticks" \
    "$((idle1 - idle0))" "$((total1 - total0))" <<'PY'
import json, sys
label, path = sys.argv[1], sys.argv[2]
hz, service, redis, ghz, idle, total = (int(a) for a in sys.argv[3:])
r = json.load(open(path))
latency = {d["percentage"]: d["latency"] / 1e6 for d in r.get("latencyDistribution") or []}
errors = sum(v for k, v in (r.get("statusCodeDistribution") or {}).items() if k != "OK")
us = lambda ticks: ticks / hz * 1e6 / r["count"]
open(path + "." + label + ".rps", "w").write(f"{r['rps']:.0f}")
open(path + "." + label + ".service_us", "w").write(f"{us(service):.1f}")
print(f"{label:6s} rps={r['rps']:.0f} p50_ms={latency.get(50, 0):.2f} p99_ms={latency.get(99, 0):.2f} errors={errors}"
      f"  cpu_us_per_call: service={us(service):.1f} redis={us(redis):.1f} ghz={us(ghz):.1f}"
      f" machine={us(total - idle):.1f} (idle {100 * idle / max(total, 1):.0f}%)")
PY
}

prepare_get() {  # a fresh service with the demo organisation; sets token, person, redis_pid
  start_service
  token=$("$build_dir/tools/mint_token" --secret-file="$work/secret" --caller=bench --roles=service --lifetime=1h)
  person=$("$build_dir/tools/demo_loader" --target="127.0.0.1:$grpc_port" --file="$repo_root/deploy/demo/people.jsonl" \
    --secret-file="$work/secret" >/dev/null && psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -Atc \
    "SELECT person_id FROM people LIMIT 1" "$database")
  redis_pid=$(head -n 1 "$REDIS_PID_FILE")
}

bench_get() {
  prepare_get
  echo "GetPerson (cached) vs Health/Check, 32 concurrent, ${seconds}s each, $runs runs; load:$(uptime | sed 's/.*average://')"
  for run in $(seq 1 "$runs"); do
    echo "run $run"
    ghz_run health
    ghz_run get
    awk -v h="$(cat "$work/ghz.json.health.rps")" -v g="$(cat "$work/ghz.json.get.rps")" \
      'BEGIN { printf "ratio  %.2f (GetPerson rps / Health rps)\n", g / h }'
  done
  echo "load after:$(uptime | sed 's/.*average://')"
}

bench_profile() {  # perf of the service under each load
  command -v perf >/dev/null || { echo "profile needs perf: apt-get install linux-perf" >&2; exit 2; }
  prepare_get
  echo "where the service's CPU goes, ${seconds}s of each load; load:$(uptime | sed 's/.*average://')"
  for label in health get; do
    (sleep 1; perf record -F 999 -g -p "$service_pid" -o "$work/$label.perf" -- sleep $((seconds - 2))) >/dev/null 2>&1 &
    local recorder=$!
    ghz_run "$label"
    wait "$recorder"
    perf script -i "$work/$label.perf" >"$work/$label.samples" 2>/dev/null
    python3 - "$label" "$work/$label.samples" "$(cat "$work/ghz.json.$label.service_us")" <<'PY'
# Kernel samples are named by their system call (the frame under do_syscall_64), or as
# interrupts; user samples by library. Shares of this process's samples.
import collections, re, sys
counts, total, frames = collections.Counter(), 0, []
def flush():
    global total
    if not frames: return
    total += 1
    key = frames[0][1].rsplit("/", 1)[-1]
    if "kernel.kallsyms" in frames[0][1]:
        key = "kernel: other"
        names = [name for name, _ in frames]
        if "do_syscall_64" in names and names.index("do_syscall_64") > 0:
            key = "kernel: " + re.sub(r"^(__x64_sys_|__sys_|ksys_|__se_sys_|__do_sys_)", "", names[names.index("do_syscall_64") - 1])
        elif any(n.startswith("asm_") or "irqentry" in n for n in names):
            key = "kernel: interrupts, preemption"
    counts[key] += 1
for line in open(sys.argv[2]):
    if not line.strip():
        flush(); frames = []
    elif line[0] in " \t":
        m = re.match(r"\s*\S+\s+(.*) \((.*)\)$", line.rstrip())
        if m: frames.append((m.group(1).split("+")[0], m.group(2)))
flush()
per_call = float(sys.argv[3])
print(f"  {sys.argv[1]}: the service's {per_call} us of CPU per call by where it went ({total} samples)")
for key, n in counts.most_common(14):
    print(f"    {100 * n / total:5.1f}%  {per_call * n / total:5.1f} us  {key}")
PY
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

bench_sync() {  # three full syncs back to back into the same directory
  local rows=${SYNC_ROWS:-100000} logged
  SERVICE_LOG_LEVEL=info start_service
  echo "nightly full sync: 3 imports of $rows rows into one directory; load:$(uptime | sed 's/.*average://')"
  for round in 0 1 2; do
    logged=$(wc -l <"$work/service.log")
    echo "import $((round + 1)) ($([[ $round == 0 ]] && echo "empty directory" || echo "1% changed")):"
    echo -n "  "
    "$build_dir/bench/import_client" --target="127.0.0.1:$grpc_port" --secret-file="$work/secret" --rows="$rows" \
      --round="$round" --change-every=100 --full-sync=true || true
    tail -n +"$((logged + 1))" "$work/service.log" | sed -n 's/.*HR import [0-9a-f-]*: \(.* took [0-9]* ms\).*/  \1/p'
    echo "  service peak RSS so far: $(peak_rss_mb) MiB"
  done
  echo "load after:$(uptime | sed 's/.*average://')"
}

case $what in
  get) bench_get ;;
  profile) bench_profile ;;
  import) bench_import ;;
  sync) bench_sync ;;
  all) bench_get; bench_import ;;
  *) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
