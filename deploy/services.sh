#!/usr/bin/env bash
# Starts and stops the suite's own services on this machine, against the stack that
# deploy/stack.sh runs (it reads that stack's env file). Each service gets a fixed gRPC
# and metrics port on loopback (next free one if taken), a log and a PID file under
# $STACK_DIR/services, and the shared internal-token secret (made once, kept in
# $STACK_DIR/services/internal-token.secret). Where they listen is written to
# $STACK_DIR/services.env. Services start in the order of the dependency table below (a
# service after those it calls) and stop in reverse. `start` run again (deploy/up.sh after a
# build) restarts, in that order, every running service whose binary has changed since it
# started, and every service that calls one restarted, so that the new code runs.
# Usage: deploy/services.sh start|stop|status [SERVICE...]   (default: every built service)
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)
stack_dir=$(realpath -m "${STACK_DIR:-$repo_root/.stack}")
build_dir=$(realpath -m "${BUILD_DIR:-$repo_root/build}")
run_dir="$stack_dir/services"
env_file="$stack_dir/stack.env"
services_env="$stack_dir/services.env"

# service -> default gRPC port and metrics port
declare -A grpc_port=([profiles]=50061 [matching]=50062 [scheduling]=50063 [evaluation]=50064 [gateway]=50060)
declare -A admin_port=([profiles]=9461 [matching]=9462 [scheduling]=9463 [evaluation]=9464 [gateway]=9460)
all_services=(profiles matching scheduling evaluation gateway)
# service -> the services it calls (their addresses are passed as <SERVICE>_<NEEDED>_ADDR)
declare -A needs=([matching]="profiles" [scheduling]="profiles" [evaluation]="profiles"
                  [gateway]="profiles matching scheduling evaluation")

log() { printf 'services: %s\n' "$*" >&2; }
die() { printf 'services: ERROR: %s\n' "$*" >&2; exit 1; }

binary_of() {
  if [[ $1 == gateway ]]; then echo "$build_dir/gateway/gateway"; else echo "$build_dir/services/$1/$1_service"; fi
}

# Every service after the services it calls (from the needs table; ties in all_services order).
start_order() {
  local -A placed=()
  local order=() s up ready progress=1
  while ((progress)); do
    progress=0
    for s in "${all_services[@]}"; do
      [[ -n ${placed[$s]:-} ]] && continue
      ready=1
      for up in ${needs[$s]:-}; do [[ -n ${placed[$up]:-} ]] || ready=0; done
      ((ready)) || continue
      placed[$s]=1
      order+=("$s")
      progress=1
    done
  done
  ((${#order[@]} == ${#all_services[@]})) || die "the needs table has a cycle"
  printf '%s\n' "${order[@]}"
}

built_services() {
  local s
  for s in $(start_order); do [[ -x $(binary_of "$s") ]] && echo "$s"; done
  return 0
}

# What identifies the binary a service runs (recorded when it starts).
binary_id() { sha256sum "$(binary_of "$1")" | cut -d' ' -f1; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port_from() {  # port
  local p=$1
  while port_in_use "$p"; do p=$((p + 1)); done
  echo "$p"
}

pid_of() {  # service: prints the PID when that service runs
  local pid_file="$run_dir/$1.pid" pid
  [[ -f $pid_file ]] || return 1
  pid=$(<"$pid_file")
  [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$(basename "$(binary_of "$1")")" && echo "$pid"
}

secret() {  # [name]: a random secret made once and kept under $run_dir
  local file="$run_dir/${1:-internal-token}.secret"
  if [[ ! -s $file ]]; then
    (umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n/+=' >"$file")
  fi
  cat "$file"
}

start_one() {  # service
  local s=$1 pid port_file ports up
  if pid=$(pid_of "$s"); then
    log "$s already running (pid $pid)"
    return
  fi
  [[ -x $(binary_of "$s") ]] || die "$s is not built: run cmake --build $build_dir"
  local upper=${s^^}
  port_file="$run_dir/$s.ports"
  rm -f "$port_file"
  local extra=() up
  for up in ${needs[$s]:-}; do
    [[ -x $(binary_of "$up") ]] || continue  # a service not built yet is not called
    [[ -f $run_dir/$up.ports ]] || die "$s needs $up running: deploy/services.sh start $up"
    extra+=("${upper}_${up^^}_ADDR=127.0.0.1:$(sed -n 's/^GRPC_PORT=//p' "$run_dir/$up.ports")")
  done
  if [[ $s == gateway ]]; then
    # Locally, end-user tokens come from build/tools/mint_token --user (HS256, this secret).
    extra+=("GATEWAY_HTTP_LISTEN=127.0.0.1:$(free_port_from 8080)" "GATEWAY_JWT_ISSUER=mentoring-local-idp"
            "GATEWAY_JWT_AUDIENCE=mentoring-api" "GATEWAY_JWT_HS256_SECRET=$(secret user-jwt)")
  fi
  env MENTORING_ENV_FILE="$env_file" INTERNAL_TOKEN_SECRET="$(secret)" "${extra[@]}" \
    "${upper}_GRPC_LISTEN=127.0.0.1:$(free_port_from "${grpc_port[$s]}")" \
    "${upper}_ADMIN_LISTEN=127.0.0.1:$(free_port_from "${admin_port[$s]}")" \
    "${upper}_PORT_FILE=$port_file" \
    setsid "$(binary_of "$s")" >>"$run_dir/$s.log" 2>&1 9>&- &
  echo $! >"$run_dir/$s.pid"
  binary_id "$s" >"$run_dir/$s.binary"
  for _ in $(seq 1 300); do
    [[ -f $port_file ]] && break
    kill -0 "$!" 2>/dev/null || { tail -n 20 "$run_dir/$s.log" >&2; die "$s exited during start (log: $run_dir/$s.log)"; }
    sleep 0.1
  done
  [[ -f $port_file ]] || die "$s did not start within 30 s (log: $run_dir/$s.log)"
  ports=$(tr '\n' ' ' <"$port_file")
  log "$s running (pid $!): $ports"
}

stop_one() {  # service
  local pid
  pid=$(pid_of "$1") || { log "$1 not running"; return 0; }
  kill -TERM "$pid"
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$1 did not drain in 30 s: killing"
    kill -KILL "$pid"
  fi
  rm -f "$run_dir/$1.pid" "$run_dir/$1.ports" "$run_dir/$1.binary"
  log "$1 stopped"
}

# Whether a running service must restart: its binary changed since it started (or nobody
# recorded which it started), or a service it calls was restarted just now.
stale() {  # service, restarted services...
  local s=$1 up
  shift
  [[ -f $run_dir/$s.binary && $(<"$run_dir/$s.binary") == "$(binary_id "$s")" ]] || return 0
  for up in ${needs[$s]:-}; do [[ " $* " == *" $up "* ]] && return 0; done
  return 1
}

write_services_env() {
  local s key value
  : >"$services_env.tmp"
  for s in "${all_services[@]}"; do
    [[ -f $run_dir/$s.ports ]] || continue
    while IFS='=' read -r key value; do
      echo "${s^^}_${key}=$value" >>"$services_env.tmp"
    done <"$run_dir/$s.ports"
  done
  echo "INTERNAL_TOKEN_SECRET_FILE=$run_dir/internal-token.secret" >>"$services_env.tmp"
  echo "USER_JWT_SECRET_FILE=$run_dir/user-jwt.secret" >>"$services_env.tmp"
  mv "$services_env.tmp" "$services_env"
}

main() {
  local verb=${1:-} s
  shift || true
  mkdir -p "$run_dir"
  local targets=("$@")
  ((${#targets[@]})) || mapfile -t targets < <(built_services)
  case $verb in
    start)
      [[ -f $env_file ]] || die "no $env_file: run deploy/stack.sh up first"
      ((${#targets[@]})) || die "no service is built: run cmake --build $build_dir"
      local restarted=()
      for s in "${targets[@]}"; do
        if pid_of "$s" >/dev/null && stale "$s" "${restarted[@]}"; then
          log "$s runs an older binary (or calls a service restarted just now): restarting"
          stop_one "$s"
          restarted+=("$s")
        fi
        start_one "$s"
      done
      write_services_env
      ;;
    stop)
      # In reverse: the gateway first, profiles (which the others call) last.
      for ((i = ${#targets[@]} - 1; i >= 0; i--)); do stop_one "${targets[i]}"; done
      write_services_env
      ;;
    status)
      for s in "${targets[@]}"; do
        if pid=$(pid_of "$s"); then echo "$s running pid $pid $(tr '\n' ' ' <"$run_dir/$s.ports")"; else echo "$s stopped"; fi
      done
      ;;
    *)
      sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
      exit 2
      ;;
  esac
}

main "$@"
