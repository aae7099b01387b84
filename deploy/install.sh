#!/usr/bin/env bash
# Installs everything this project needs on a Debian 12 machine, so that a new
# machine (a developer's or CI's) can build, test and run the local stack:
#   1. the Debian packages (compilers, clang with libFuzzer, C++ libraries, PostgreSQL 15,
#      Redis 7, kcat, Java 17, Maven), installed only when dpkg says they are missing. The
#      PostgreSQL and Redis packages come for their binaries: the stack runs its own servers
#      under $STACK_DIR, so the system-wide servers the packages would start are kept from
#      starting while they install, and stopped and disabled whenever found running;
#   2. the Apache Kafka broker's jars, from Maven Central through the small
#      deploy/kafka/pom.xml, copied into $STACK_DIR/kafka/libs (skipped when that
#      folder already holds the jars of the pom's current content);
#   3. a Python environment in $STACK_DIR/python with the independent readers the tests
#      use (tests/python/requirements.txt, pinned by version and hash), from PyPI.
# Safe to run again; when everything is present it makes no network call.
# Usage: deploy/install.sh        (STACK_DIR defaults to <repo root>/.stack)
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)
stack_dir=$(realpath -m "${STACK_DIR:-$repo_root/.stack}")
kafka_pom="$script_dir/kafka/pom.xml"
kafka_libs="$stack_dir/kafka/libs"
python_requirements="$repo_root/tests/python/requirements.txt"
python_env="$stack_dir/python"

apt_packages=(
  build-essential cmake ninja-build pkg-config
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc grpc-proto
  libabsl-dev librdkafka-dev libhiredis-dev libpq-dev
  libgtest-dev libgmock-dev libbenchmark-dev libspdlog-dev prometheus-cpp-dev
  libboost-dev liblemon-dev libical-dev libjwt-dev
  postgresql-15 redis-server kcat  # 15 by name: deploy/stack.sh runs /usr/lib/postgresql/15/bin openjdk-17-jre-headless maven python3 python3-venv
  python3-scipy  # bench/cohort.sh: the dense linear_sum_assignment baseline
  clang libclang-rt-14-dev  # deploy/fuzz.sh: clang with libFuzzer (libclang_rt.fuzzer*.a) and the sanitizers
  clang-format  # deploy/format.sh: the one C++ format (.clang-format), checked in CI
)

log() { printf 'install: %s\n' "$*" >&2; }
die() { printf 'install: ERROR: %s\n' "$*" >&2; exit 1; }

# Prints the packages of apt_packages that dpkg does not report as installed.
missing_apt_packages() {
  local pkg status
  for pkg in "${apt_packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
    [[ $status == ii* ]] || printf '%s\n' "$pkg"
  done
}

install_apt_packages() {
  local missing sudo=()
  mapfile -t missing < <(missing_apt_packages)
  if ((${#missing[@]} == 0)); then
    log "Debian packages: all ${#apt_packages[@]} present"
    return
  fi
  if ((EUID != 0)); then
    command -v sudo >/dev/null || die "need root (or sudo) to install: ${missing[*]}"
    sudo=(sudo)
  fi
  log "Debian packages missing: ${missing[*]}"
  "${sudo[@]}" apt-get update -q
  # Packages start their services on install (invoke-rc.d, deb-systemd-invoke) unless
  # policy-rc.d says no (101); a policy already in place is the machine's, and kept.
  local policy=/usr/sbin/policy-rc.d added_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# deploy/install.sh: no service starts while it installs packages\nexit 101\n' |
      "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 755 "$policy"
    added_policy=1
  fi
  local installed=0
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" || installed=$?
  ((added_policy == 0)) || "${sudo[@]}" rm -f "$policy"
  ((installed == 0)) || die "apt-get install failed (exit $installed)"
  mapfile -t missing < <(missing_apt_packages)
  ((${#missing[@]} == 0)) || die "apt-get finished but these are still not installed: ${missing[*]}"
}

# The system-wide PostgreSQL and Redis servers the Debian packages set up: the project never
# uses them (deploy/stack.sh runs its own under $STACK_DIR), so none keeps running or starts
# at boot. Only the packages' own servers are touched: PostgreSQL clusters under
# /etc/postgresql (pg_lsclusters) and the redis-server service, never a stack's.
stop_system_servers() {
  local sudo=() ver cluster status unit
  ((EUID == 0)) || sudo=(sudo)
  if [[ -d /run/systemd/system ]]; then
    for unit in postgresql redis-server; do
      if systemctl is-enabled --quiet "$unit" 2>/dev/null || systemctl is-active --quiet "$unit" 2>/dev/null; then
        log "stopping and disabling the system-wide $unit service (the stack runs its own)"
        "${sudo[@]}" systemctl disable --now --quiet "$unit"
      fi
    done
  fi
  # Without systemd (or a cluster started by hand): the clusters and the init script.
  if command -v pg_lsclusters >/dev/null; then
    while read -r ver cluster _ status _; do
      [[ $status == online* ]] || continue
      log "stopping the system-wide PostgreSQL cluster $ver/$cluster (the stack runs its own)"
      "${sudo[@]}" pg_ctlcluster "$ver" "$cluster" stop
    done < <(pg_lsclusters -h 2>/dev/null)
  fi
  if [[ -x /etc/init.d/redis-server ]] && /etc/init.d/redis-server status >/dev/null 2>&1; then
    log "stopping the system-wide redis-server (the stack runs its own)"
    "${sudo[@]}" /etc/init.d/redis-server stop >/dev/null
  fi
  if [[ ! -d /run/systemd/system ]] && command -v update-rc.d >/dev/null; then
    for unit in postgresql redis-server; do
      if compgen -G "/etc/rc[2-5].d/S*$unit" >/dev/null; then
        "${sudo[@]}" update-rc.d "$unit" disable >/dev/null 2>&1 || true
      fi
    done
  fi
}

# Copies the broker's jars named by deploy/kafka/pom.xml into $kafka_libs. A stamp
# file holds the pom's hash, so a changed pom (e.g. a new Kafka version) refetches.
install_kafka_jars() {
  local pom_hash stamp="$kafka_libs/.pom.sha256" staging jar mvn_log
  pom_hash=$(sha256sum "$kafka_pom" | cut -d' ' -f1)
  if [[ -f $stamp && $(<"$stamp") == "$pom_hash" ]] && compgen -G "$kafka_libs/kafka_2.13-*.jar" >/dev/null; then
    log "Kafka jars: present in $kafka_libs"
    return
  fi
  command -v mvn >/dev/null || die "mvn not found (the Debian package 'maven' should have installed it)"
  mkdir -p "$stack_dir/kafka"
  staging="$kafka_libs.staging"
  rm -rf "$staging"
  mvn_log="$stack_dir/kafka/mvn.log"
  log "Kafka jars: fetching from Maven Central with $kafka_pom (log: $mvn_log)"
  if ! mvn -B -Dstyle.color=never -f "$kafka_pom" dependency:copy-dependencies \
    -DoutputDirectory="$staging" >"$mvn_log" 2>&1; then
    rm -rf "$staging"
    grep -m 5 '^\[ERROR\]' "$mvn_log" >&2 || tail -n 20 "$mvn_log" >&2
    die "could not fetch the Kafka broker jars from Maven Central: mvn dependency:copy-dependencies -f $kafka_pom failed (full log: $mvn_log). Nothing was substituted; the local stack cannot run Kafka until this works."
  fi
  for jar in kafka_2.13 kafka-tools kafka-clients slf4j-reload4j reload4j; do
    compgen -G "$staging/$jar-[0-9]*.jar" >/dev/null || { rm -rf "$staging"; die "Maven finished but $jar-*.jar is missing from the fetched jars"; }
  done
  printf '%s\n' "$pom_hash" >"$staging/.pom.sha256"
  rm -rf "$kafka_libs"
  mv "$staging" "$kafka_libs"
  log "Kafka jars: $(find "$kafka_libs" -name '*.jar' | wc -l) jars in $kafka_libs"
}

# Debian's Python (never one found first on PATH) with the pinned packages. A stamp holds
# the requirements' hash, so a changed pin reinstalls.
install_python_env() {
  local hash stamp="$python_env/.requirements.sha256"
  hash=$(sha256sum "$python_requirements" | cut -d' ' -f1)
  if [[ -f $stamp && $(<"$stamp") == "$hash" && -x $python_env/bin/python ]]; then
    log "Python packages: present in $python_env"
    return
  fi
  rm -rf "$python_env"
  /usr/bin/python3 -m venv "$python_env"
  log "Python packages: installing tests/python/requirements.txt into $python_env"
  "$python_env/bin/pip" install -q --disable-pip-version-check --require-hashes -r "$python_requirements" ||
    die "pip could not install $python_requirements (is PyPI reachable?)"
  printf '%s\n' "$hash" >"$stamp"
}

install_apt_packages
stop_system_servers
install_kafka_jars
install_python_env
log "done"
