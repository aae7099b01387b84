#!/usr/bin/env bash
# deploy/services.sh start, run again after a build (what deploy/up.sh does), restarts what
# changed so that the new code runs: a service whose binary changed, then every service that
# calls a restarted one, in dependency order. Runs against stand-in binaries (shell scripts
# that write their port file and wait) in a scratch build and stack folder.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
scratch=$(mktemp -d)
export BUILD_DIR=$scratch/build STACK_DIR=$scratch/stack
cleanup() {
  "$repo_root/deploy/services.sh" stop >/dev/null 2>&1 || true
  rm -rf "$scratch"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$STACK_DIR" "$BUILD_DIR/gateway"
touch "$STACK_DIR/stack.env"
stand_in() {  # path
  mkdir -p "$(dirname "$1")"
  cat >"$1" <<'SERVICE'
#!/usr/bin/env bash
name=$(basename "$0")
name=${name%_service}
port_file_var="${name^^}_PORT_FILE"
port_file=${!port_file_var}
echo "$name" >>"$(dirname "$port_file")/starts.log"
printf 'GRPC_PORT=1\nADMIN_PORT=2\n' >"$port_file"
trap 'exit 0' TERM
while :; do sleep 0.1; done
SERVICE
  chmod +x "$1"
}
for s in profiles matching scheduling evaluation; do stand_in "$BUILD_DIR/services/$s/${s}_service"; done
stand_in "$BUILD_DIR/gateway/gateway"
starts="$STACK_DIR/services/starts.log"

# The starts since the last look, on one line, in $got.
seen=0
look() {
  got=$(tail -n "+$((seen + 1))" "$starts" | tr '\n' ' ')
  seen=$(wc -l <"$starts")
}

"$repo_root/deploy/services.sh" start 2>/dev/null
look
[[ $got == "profiles matching scheduling evaluation gateway " ]] || fail "first start order: '$got'"

"$repo_root/deploy/services.sh" start 2>/dev/null
look
[[ -z $got ]] || fail "nothing changed, yet restarted: '$got'"

echo "# rebuilt" >>"$BUILD_DIR/services/matching/matching_service"
"$repo_root/deploy/services.sh" start 2>/dev/null
look
[[ $got == "matching gateway " ]] || fail "after matching changed, restarted: '$got' (want matching, then the gateway that calls it)"

echo "# rebuilt" >>"$BUILD_DIR/services/profiles/profiles_service"
"$repo_root/deploy/services.sh" start 2>/dev/null
look
[[ $got == "profiles matching scheduling evaluation gateway " ]] ||
  fail "after profiles changed, restarted: '$got' (want everything, in dependency order)"

status=$("$repo_root/deploy/services.sh" status)
[[ $(grep -c ' running ' <<<"$status") == 5 ]] || fail "not all running: $status"
echo "ok: services.sh start restarts what changed, in dependency order"
