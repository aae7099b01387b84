#!/usr/bin/env bash
# Starts and stops the real local infrastructure that the services and the
# integration tests use: PostgreSQL 15, Redis 7 and a single-node Apache Kafka 3.9
# (KRaft), each on a loopback port, all state under $STACK_DIR (default
# <repo root>/.stack). Run deploy/install.sh first.
#
#   deploy/stack.sh up                 start all three (or re-check them), create the
#                                      databases and topics, write $STACK_DIR/stack.env
#   deploy/stack.sh down               stop what this stack started (data is kept)
#   deploy/stack.sh stop  postgres|redis|kafka   for fault injection: stop one server,
#   deploy/stack.sh start postgres|redis|kafka   keep its data and port; start it again
#                                      on the same port and wait until it is ready
#   deploy/stack.sh status             what runs, on which port, and whether it answers
#   deploy/stack.sh env                print the path of stack.env
#   deploy/stack.sh topic NAME [PARTITIONS]      create one more topic (default 6)
#
# stack.env holds KEY=VALUE lines without quotes or spaces (database URLs, Redis and
# Kafka addresses, pid files), so bash can source it and C++ can parse it.
# Ports: PG_PORT, REDIS_PORT, KAFKA_PORT, KAFKA_CONTROLLER_PORT choose them; otherwise
# the first `up` takes the first free port from 55432, 56379, 59092, 59093 upward.
# Either way they are remembered in $STACK_DIR/ports.env and reused from then on.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)
stack_dir=$(realpath -m "${STACK_DIR:-$repo_root/.stack}")

pg_bin=/usr/lib/postgresql/15/bin
pg_dir=$stack_dir/postgres             # owned by the postgres user; also the socket folder
# PostgreSQL refuses to run as root, so as root its folder must be reachable by the
# postgres user. When STACK_DIR lies under a private folder (mktemp -d, /root), the
# PostgreSQL folder moves to /var/tmp, named after STACK_DIR so that stacks stay apart.
if ((EUID == 0)) && id postgres >/dev/null 2>&1; then
  reachable_probe=$stack_dir
  while [[ ! -e $reachable_probe ]]; do reachable_probe=$(dirname "$reachable_probe"); done
  if ! runuser -u postgres -- test -x "$reachable_probe"; then
    pg_dir=/var/tmp/mentoring-stack-$(printf '%s' "$stack_dir" | sha256sum | cut -c1-12)/postgres
  fi
fi
pg_data=$pg_dir/data
pg_pid_file=$pg_data/postmaster.pid    # written and removed by PostgreSQL itself
redis_dir=$stack_dir/redis
redis_pid_file=$redis_dir/redis.pid
kafka_dir=$stack_dir/kafka
kafka_libs=$kafka_dir/libs             # filled by deploy/install.sh
kafka_data=$kafka_dir/data
kafka_pid_file=$kafka_dir/kafka.pid
ports_file=$stack_dir/ports.env
env_file=$stack_dir/stack.env

databases=(profiles matching scheduling evaluation)
# The suite's topics. Tests make topics of their own per test process (tests/support).
topics=(mentoring.profiles.v1 mentoring.matching.v1 mentoring.scheduling.v1 mentoring.evaluation.v1)
default_partitions=6
components=(postgres redis kafka)

port_names=(PG_PORT REDIS_PORT KAFKA_PORT KAFKA_CONTROLLER_PORT)
declare -A default_port=([PG_PORT]=55432 [REDIS_PORT]=56379 [KAFKA_PORT]=59092 [KAFKA_CONTROLLER_PORT]=59093)
declare -A port=()
declare -A port_key=([postgres]=PG_PORT [redis]=REDIS_PORT [kafka]=KAFKA_PORT)
declare -A log_of=([postgres]=$pg_dir/postgres.log [redis]=$redis_dir/redis.log [kafka]=$kafka_dir/logs/server.log)
declare -A ready_timeout=([postgres]=60 [redis]=15 [kafka]=90)

# JVM flags for Kafka's short-lived command-line tools: quick start-up, warnings to stderr.
tool_jvm=(java -Xmx256m -XX:TieredStopAtLevel=1 -cp "$kafka_libs/*"
  "-Dlog4j.configuration=file:$kafka_dir/tools-log4j.properties")

log() { printf 'stack: %s\n' "$*" >&2; }
die() { printf 'stack: ERROR: %s\n' "$*" >&2; exit 1; }

# Dies after showing the end of the log file that explains the failure.
die_with_log() {  # message logfile
  if [[ -s $2 ]]; then
    printf 'stack: ---- last lines of %s ----\n' "$2" >&2
    tail -n 40 "$2" >&2
    printf 'stack: ----\n' >&2
  fi
  die "$1 (log: $2)"
}

# Runs a command as the postgres user when we are root (initdb and pg_ctl refuse root).
as_pg() {
  if ((EUID == 0)); then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# ---------------------------------------------------------------- processes

# True while the process exists and is not a zombie.
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

# Prints the PID on the first line of a pid file if that process is alive and its
# command line contains every given string (so a reused PID is never taken for ours).
live_pid() {  # pidfile needle...
  local pidfile=$1 pid cmdline needle
  shift
  pid=$(head -n 1 "$pidfile" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
  for needle; do [[ $cmdline == *"$needle"* ]] || return 1; done
  printf '%s\n' "$pid"
}

# Prints the PID of a component's server if it is running.
running_pid() {  # component
  case $1 in
    postgres) live_pid "$pg_pid_file" "$pg_bin/postgres" "-D $pg_data" ;;
    redis) live_pid "$redis_pid_file" redis-server "127.0.0.1:${port[REDIS_PORT]}" ;;
    kafka) live_pid "$kafka_pid_file" kafka.Kafka "$kafka_dir/server.properties" ;;
  esac
}

# Runs a check every half second until it succeeds. Dies, showing the log, after
# timeout seconds or as soon as the server's process (if a PID is given) is gone.
wait_until() {  # what timeout_s logfile pid check...
  local what=$1 timeout=$2 logfile=$3 pid=$4
  shift 4
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [[ -n $pid ]] && ! alive "$pid"; then
      die_with_log "$what: its process (pid $pid) exited" "$logfile"
    fi
    ((SECONDS < deadline)) || die_with_log "$what: still not ready after ${timeout}s" "$logfile"
    sleep 0.5
  done
}

# SIGTERM, up to 30 s to exit, then SIGKILL; returns once the process is gone.
terminate_pid() {  # name pid
  local i
  kill -TERM "$2" 2>/dev/null || true
  for ((i = 0; i < 60; i++)); do
    alive "$2" || return 0
    sleep 0.5
  done
  log "$1: pid $2 still running after 30 s, sending SIGKILL"
  kill -KILL "$2" 2>/dev/null || true
  while alive "$2"; do sleep 0.2; done
}

# Stops one component's server, found by its pid file, and waits until it has exited.
stop_component() {  # component
  local c=$1 pid
  if ! pid=$(running_pid "$c"); then
    log "$c: not running"
    return 0
  fi
  log "$c: stopping (pid $pid)"
  if [[ $c == postgres ]]; then
    as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w -t 30 stop >/dev/null ||
      log "postgres: pg_ctl stop failed, signalling pid $pid"
  fi
  terminate_pid "$c" "$pid"
  [[ $c == postgres ]] || rm -f "$(pid_file_of "$c")"
  log "$c: stopped"
}

pid_file_of() {
  case $1 in postgres) echo "$pg_pid_file" ;; redis) echo "$redis_pid_file" ;; kafka) echo "$kafka_pid_file" ;; esac
}

# ---------------------------------------------------------------- ports

port_in_use() {  # port
  if command -v ss >/dev/null; then
    [[ -n $(ss -Htln "sport = :$1") ]]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

# Fills port[] from ports.env, else from the environment, else with the first free
# port from each default upward; `persist` saves the result to ports.env.
resolve_ports() {  # [persist]
  local name p override line
  local -A saved=()
  local -a taken=()
  if [[ -f $ports_file ]]; then
    while IFS= read -r line; do saved[${line%%=*}]=${line#*=}; done <"$ports_file"
  fi
  for name in "${port_names[@]}"; do
    override=${!name:-}
    [[ -z $override || $override =~ ^[0-9]+$ ]] || die "$name=$override is not a port number"
    if [[ -n ${saved[$name]:-} ]]; then
      [[ -z $override || $override == "${saved[$name]}" ]] ||
        die "$name=$override, but this stack already uses port ${saved[$name]} (remembered in $ports_file); unset $name, or delete that file while the stack is down"
      p=${saved[$name]}
    elif [[ -n $override ]]; then
      p=$override
    else
      p=${default_port[$name]}
      while port_in_use "$p" || [[ " ${taken[*]} " == *" $p "* ]]; do p=$((p + 1)); done
    fi
    port[$name]=$p
    taken+=("$p")
  done
  if [[ ${1:-} == persist && ! -f $ports_file ]]; then
    for name in "${port_names[@]}"; do printf '%s=%s\n' "$name" "${port[$name]}"; done >"$ports_file"
  fi
}

# Dies unless the port is free (called just before starting a server on it).
require_free_port() {  # port-name
  local p=${port[$1]}
  port_in_use "$p" || return 0
  die "$1 $p is taken by another process, so this stack's server cannot start there: $(ss -Htlnp "sport = :$p" 2>/dev/null | tr -s ' ')"
}

require_command() {  # command
  command -v "$1" >/dev/null || die "$1 not found: run deploy/install.sh"
}

# ---------------------------------------------------------------- PostgreSQL

psql_admin() {
  PGCONNECT_TIMEOUT=3 "$pg_bin/psql" -h 127.0.0.1 -p "${port[PG_PORT]}" -U postgres -d postgres \
    -X -q -At -v ON_ERROR_STOP=1 "$@"
}

ready_postgres() {
  "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "${port[PG_PORT]}" -t 2 && psql_admin -c 'select 1' >/dev/null
}

init_postgres() {
  [[ -f $pg_data/PG_VERSION ]] && return 0
  log "postgres: initdb in $pg_data"
  mkdir -p "$pg_dir"
  rm -rf "$pg_data"   # leftovers of an initdb that did not finish
  if ((EUID == 0)); then
    chown postgres:postgres "$pg_dir"
    runuser -u postgres -- test -w "$pg_dir" ||
      die "the postgres user cannot reach $pg_dir: put STACK_DIR under folders everyone may enter"
  fi
  # --no-sync: a throwaway dev/test cluster does not need initdb's fsync.
  as_pg "$pg_bin/initdb" -D "$pg_data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync \
    >"$pg_dir/initdb.log" 2>&1 || die_with_log "postgres: initdb failed" "$pg_dir/initdb.log"
}

launch_postgres() {
  [[ -x $pg_bin/postgres ]] || die "PostgreSQL 15 is not installed in $pg_bin: run deploy/install.sh"
  ((${#pg_dir} <= 90)) || die "STACK_DIR is too long for a PostgreSQL unix socket path: $pg_dir"
  require_free_port PG_PORT
  init_postgres
  log "postgres: starting on 127.0.0.1:${port[PG_PORT]}"
  # fsync, synchronous_commit and full_page_writes are off: this is a dev/test stack,
  # its data may be lost in a machine crash, and it is much faster this way.
  local options="-p ${port[PG_PORT]} -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=300"
  options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  as_pg "$pg_bin/pg_ctl" -D "$pg_data" -l "${log_of[postgres]}" -w -t 60 -o "$options" start \
    >/dev/null 9>&- || die_with_log "postgres: pg_ctl start failed" "${log_of[postgres]}"
}

provision_postgres() {
  local existing db
  existing=$(psql_admin -c 'select datname from pg_database') ||
    die_with_log "postgres: cannot list databases" "${log_of[postgres]}"
  for db in "${databases[@]}"; do
    grep -qx "$db" <<<"$existing" && continue
    psql_admin -c "create database $db" || die_with_log "postgres: cannot create database $db" "${log_of[postgres]}"
    log "postgres: created database $db"
  done
}

# ---------------------------------------------------------------- Redis

ready_redis() {
  [[ $(redis-cli -h 127.0.0.1 -p "${port[REDIS_PORT]}" ping 2>/dev/null) == PONG ]]
}

launch_redis() {
  require_command redis-server
  require_command redis-cli
  require_free_port REDIS_PORT
  mkdir -p "$redis_dir"
  rm -f "$redis_pid_file"
  log "redis: starting on 127.0.0.1:${port[REDIS_PORT]}"
  # No persistence (dev/test stack): a restarted Redis starts empty.
  redis-server --bind 127.0.0.1 --port "${port[REDIS_PORT]}" --save '' --appendonly no \
    --daemonize yes --pidfile "$redis_pid_file" --logfile "${log_of[redis]}" --dir "$redis_dir" \
    </dev/null >/dev/null 9>&- ||
    die_with_log "redis: redis-server failed to start" "${log_of[redis]}"
}

provision_redis() { :; }

# ---------------------------------------------------------------- Kafka

kafka_bootstrap() { echo "127.0.0.1:${port[KAFKA_PORT]}"; }

ready_kafka() {
  grep -q 'Kafka Server started' "${log_of[kafka]}" && kcat -b "$(kafka_bootstrap)" -L -m 3 >/dev/null
}

write_kafka_config() {
  mkdir -p "$kafka_data" "$(dirname "${log_of[kafka]}")"
  cat >"$kafka_dir/server.properties" <<EOF
# Written by deploy/stack.sh on every start: a single-node KRaft broker+controller.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${port[KAFKA_CONTROLLER_PORT]}
listeners=PLAINTEXT://127.0.0.1:${port[KAFKA_PORT]},CONTROLLER://127.0.0.1:${port[KAFKA_CONTROLLER_PORT]}
advertised.listeners=PLAINTEXT://127.0.0.1:${port[KAFKA_PORT]}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$kafka_data
num.partitions=$default_partitions
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
default.replication.factor=1
group.initial.rebalance.delay.ms=0
log.cleaner.dedupe.buffer.size=4194304
EOF
  cat >"$kafka_dir/log4j.properties" <<EOF
# The broker logs to one file (deploy/stack.sh waits for "Kafka Server started" in it).
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=${log_of[kafka]}
log4j.appender.file.Append=true
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
EOF
  cat >"$kafka_dir/tools-log4j.properties" <<'EOF'
# Kafka's command-line tools (storage format, topic admin): warnings to stderr only.
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
}

# Formats the KRaft storage once; the cluster id is kept so a wiped data folder
# is formatted again with the same id.
format_kafka_storage() {
  local id_file=$kafka_dir/cluster.id
  [[ -f $kafka_data/meta.properties ]] && return 0
  if [[ ! -s $id_file ]]; then
    # 16 random bytes as unpadded base64url: 22 characters
    head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"$id_file"
  fi
  log "kafka: formatting storage in $kafka_data (cluster id $(<"$id_file"))"
  "${tool_jvm[@]}" kafka.tools.StorageTool format --config "$kafka_dir/server.properties" \
    --cluster-id "$(<"$id_file")" --ignore-formatted >>"${log_of[kafka]}" 2>&1 9>&- ||
    die_with_log "kafka: storage format failed" "${log_of[kafka]}"
}

launch_kafka() {
  require_command java
  require_command kcat
  compgen -G "$kafka_libs/kafka_2.13-*.jar" >/dev/null ||
    die "the Kafka jars are missing from $kafka_libs: run deploy/install.sh"
  require_free_port KAFKA_PORT
  require_free_port KAFKA_CONTROLLER_PORT
  write_kafka_config
  # keep the previous run's log beside the new one
  [[ -f ${log_of[kafka]} ]] && mv -f "${log_of[kafka]}" "${log_of[kafka]}.1"
  format_kafka_storage
  log "kafka: starting on $(kafka_bootstrap) (controller 127.0.0.1:${port[KAFKA_CONTROLLER_PORT]})"
  # setsid: the broker outlives this script and the terminal or job that ran it.
  setsid java -Xmx512m -cp "$kafka_libs/*" "-Dlog4j.configuration=file:$kafka_dir/log4j.properties" \
    kafka.Kafka "$kafka_dir/server.properties" </dev/null >>"${log_of[kafka]}" 2>&1 9>&- &
  echo $! >"$kafka_pid_file"
}

# Prints the topics the broker reports.
list_topics() {
  kcat -b "$(kafka_bootstrap)" -L -m 5 | sed -n 's/^ *topic "\([^"]*\)" with .*/\1/p'
}

# True when the broker reports the topic with partitions that all have a leader.
topic_ready() {  # name
  local meta
  meta=$(kcat -b "$(kafka_bootstrap)" -L -m 3 -t "$1") || return 1
  grep -q "topic \"$1\" with [1-9][0-9]* partitions" <<<"$meta" && ! grep -q 'leader -1' <<<"$meta"
}

create_topic() {  # name partitions
  local err=$kafka_dir/topic-command.err
  log "kafka: creating topic $1 ($2 partitions)"
  "${tool_jvm[@]}" org.apache.kafka.tools.TopicCommand --bootstrap-server "$(kafka_bootstrap)" \
    --create --if-not-exists --topic "$1" --partitions "$2" --replication-factor 1 \
    >/dev/null 2>"$err" 9>&- || die_with_log "kafka: could not create topic $1" "$err"
  wait_until "kafka: topic $1" 30 "${log_of[kafka]}" "" topic_ready "$1"
}

provision_kafka() {
  local existing topic
  existing=$(list_topics) || die_with_log "kafka: cannot list topics" "${log_of[kafka]}"
  for topic in "${topics[@]}"; do
    grep -qx -- "$topic" <<<"$existing" || create_topic "$topic" "$default_partitions"
  done
}

# ---------------------------------------------------------------- commands

# Starts one component unless it already runs. (Not `running_pid || launch`: that
# would run launch_* with `set -e` switched off.)
launch_if_stopped() {  # component
  if running_pid "$1" >/dev/null; then return 0; fi
  "launch_$1"
}

# Starts one component if needed, waits until it answers, creates what it must hold.
ensure() {  # component
  local c=$1 pid
  launch_if_stopped "$c"
  wait_until "$c: pid file $(pid_file_of "$c")" 15 "${log_of[$c]}" "" running_pid "$c"
  pid=$(running_pid "$c")
  wait_until "$c on 127.0.0.1:${port[${port_key[$c]}]}" "${ready_timeout[$c]}" "${log_of[$c]}" "$pid" "ready_$c"
  log "$c: ready on 127.0.0.1:${port[${port_key[$c]}]} (pid $pid)"
  "provision_$c"
}

write_env_file() {
  local db pg_base="postgresql://postgres@127.0.0.1:${port[PG_PORT]}"
  {
    echo "STACK_DIR=$stack_dir"
    echo "PG_HOST=127.0.0.1"
    echo "PG_PORT=${port[PG_PORT]}"
    echo "PG_USER=postgres"
    echo "PG_SOCKET_DIR=$pg_dir"
    for db in "${databases[@]}"; do echo "${db^^}_DATABASE_URL=$pg_base/$db"; done
    echo "POSTGRES_PID_FILE=$pg_pid_file"
    echo "POSTGRES_LOG=${log_of[postgres]}"
    echo "REDIS_HOST=127.0.0.1"
    echo "REDIS_PORT=${port[REDIS_PORT]}"
    echo "REDIS_ADDR=127.0.0.1:${port[REDIS_PORT]}"
    echo "REDIS_PID_FILE=$redis_pid_file"
    echo "REDIS_LOG=${log_of[redis]}"
    echo "KAFKA_BOOTSTRAP=$(kafka_bootstrap)"
    echo "KAFKA_PORT=${port[KAFKA_PORT]}"
    echo "KAFKA_CONTROLLER_PORT=${port[KAFKA_CONTROLLER_PORT]}"
    echo "KAFKA_PID_FILE=$kafka_pid_file"
    echo "KAFKA_LOG=${log_of[kafka]}"
    echo "KAFKA_LIBS=$kafka_libs"
    echo "KAFKA_TOPICS=$(IFS=,; echo "${topics[*]}")"
    # The tests' independent readers (deploy/install.sh makes this environment).
    echo "PYTHON=$stack_dir/python/bin/python"
  } >"$env_file.tmp"
  mv -f "$env_file.tmp" "$env_file"
}

# Serialises the commands that change the stack. Servers are started with fd 9
# closed (9>&-) so that they do not hold the lock after this script exits.
lock_stack() {
  mkdir -p "$stack_dir"
  exec 9>"$stack_dir/.lock"
  flock -w 300 9 || die "another deploy/stack.sh is still working on $stack_dir"
}

require_component() {  # name
  [[ " ${components[*]} " == *" ${1:-} "* ]] || die "expected one of: ${components[*]} (got '${1:-}')"
}

cmd_up() {
  local started=$SECONDS
  lock_stack
  resolve_ports persist
  launch_if_stopped kafka   # the slowest to start: let it boot while the others come up
  ensure postgres
  ensure redis
  ensure kafka
  write_env_file
  log "up in $((SECONDS - started))s; env file: $env_file"
}

cmd_down() {
  local c
  lock_stack
  resolve_ports
  for c in kafka redis postgres; do stop_component "$c"; done
}

cmd_start() {  # component
  require_component "${1:-}"
  lock_stack
  resolve_ports persist
  ensure "$1"
  write_env_file
}

cmd_stop() {  # component
  require_component "${1:-}"
  lock_stack
  resolve_ports
  stop_component "$1"
}

cmd_status() {
  local c pid state rc=0
  resolve_ports
  for c in "${components[@]}"; do
    if pid=$(running_pid "$c"); then
      if "ready_$c" >/dev/null 2>&1; then state=ready; else state="NOT READY"; rc=1; fi
      printf '%-9s running  pid %-8s 127.0.0.1:%-6s %s\n' "$c" "$pid" "${port[${port_key[$c]}]}" "$state"
    else
      printf '%-9s stopped  %-12s 127.0.0.1:%s\n' "$c" "" "${port[${port_key[$c]}]}"
      rc=1
    fi
  done
  printf 'env file: %s\n' "$env_file"
  return "$rc"
}

cmd_env() {
  echo "$env_file"
  [[ -f $env_file ]] || { log "$env_file does not exist yet: run deploy/stack.sh up"; return 1; }
}

cmd_topic() {  # name [partitions]
  local name=${1:-} partitions=${2:-$default_partitions} pid
  [[ $name =~ ^[A-Za-z0-9._-]+$ ]] || die "usage: stack.sh topic NAME [PARTITIONS] (name of letters, digits, . _ -)"
  [[ $partitions =~ ^[1-9][0-9]*$ ]] || die "partitions must be a positive number, got '$partitions'"
  lock_stack
  resolve_ports
  pid=$(running_pid kafka) || die "kafka is not running: run deploy/stack.sh up"
  wait_until "kafka on $(kafka_bootstrap)" "${ready_timeout[kafka]}" "${log_of[kafka]}" "$pid" ready_kafka
  create_topic "$name" "$partitions"
}

[[ $stack_dir =~ ^[A-Za-z0-9/._+-]+$ ]] ||
  die "STACK_DIR must be a path without spaces or special characters (stack.env holds it unquoted): $stack_dir"

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  start) cmd_start "${2:-}" ;;
  stop) cmd_stop "${2:-}" ;;
  status) cmd_status ;;
  env) cmd_env ;;
  topic) shift; cmd_topic "$@" ;;
  *)
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
    exit 2
    ;;
esac
