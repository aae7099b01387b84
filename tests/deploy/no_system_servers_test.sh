#!/usr/bin/env bash
# After deploy/install.sh (which deploy/test.sh runs first), no PostgreSQL or Redis server of
# the Debian packages runs or starts at boot: the stack runs its own under its folder, and a
# second server would only hold memory and the default ports.
set -euo pipefail
problems=()
if command -v pg_lsclusters >/dev/null; then
  while read -r ver cluster port status _; do
    [[ $status == online* ]] && problems+=("the system-wide PostgreSQL cluster $ver/$cluster runs (port $port)")
  done < <(pg_lsclusters -h 2>/dev/null)
fi
if [[ -x /etc/init.d/redis-server ]] && /etc/init.d/redis-server status >/dev/null 2>&1; then
  problems+=("the system-wide redis-server runs")
fi
if [[ -d /run/systemd/system ]]; then
  for unit in postgresql redis-server; do
    systemctl is-active --quiet "$unit" 2>/dev/null && problems+=("systemd unit $unit is active")
    systemctl is-enabled --quiet "$unit" 2>/dev/null && problems+=("systemd unit $unit starts at boot")
  done
fi
if ((${#problems[@]})); then
  printf 'FAIL: %s\n' "${problems[@]}" >&2
  exit 1
fi
echo "ok: no system-wide PostgreSQL or Redis server"
