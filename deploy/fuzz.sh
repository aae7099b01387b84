#!/usr/bin/env bash
# Fuzzes the gateway's request path (HTTP parsing, routing, JSON → protobuf) with libFuzzer
# for a while: a clang build of its own (only the fuzz target and what it links: the protos,
# the runtime, the gateway library), AddressSanitizer and UndefinedBehaviorSanitizer on our
# code, the committed seed corpus and dictionary. Fails on a crash, a broken invariant, a
# leak, a timeout or running out of memory, and prints the reproducer's path.
# See gateway/fuzz/README.md.
# Usage: deploy/fuzz.sh [seconds]      (default 60; FUZZ_BUILD_DIR defaults to <repo>/build-fuzz)
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-60}
build_dir=${FUZZ_BUILD_DIR:-$repo_root/build-fuzz}
fuzz_dir=$repo_root/gateway/fuzz

log() { printf 'fuzz: %s\n' "$*" >&2; }
die() { printf 'fuzz: ERROR: %s\n' "$*" >&2; exit 1; }

[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || die "seconds must be a positive whole number, not '$seconds'"
command -v clang++ >/dev/null || die "clang++ not found: run deploy/install.sh (Debian packages clang, libclang-rt-14-dev)"

started=$SECONDS
# MENTORING_WERROR off: clang warns in places gcc does not (the gcc build keeps -Werror).
CC=clang CXX=clang++ cmake -S "$repo_root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMENTORING_FUZZ=ON -DMENTORING_WERROR=OFF >/dev/null
cmake --build "$build_dir" --target request_fuzzer -- -j2
log "built in $((SECONDS - started))s"

# libFuzzer writes the inputs it finds into the first corpus folder: a copy of the seeds
# kept in the build dir (it grows from run to run locally; CI starts from the seeds).
work_corpus=$build_dir/fuzz-corpus
artifacts=$build_dir/fuzz-artifacts
mkdir -p "$work_corpus" "$artifacts"
cp "$fuzz_dir"/corpus/* "$work_corpus"/
if [[ -d $fuzz_dir/regressions ]] && compgen -G "$fuzz_dir/regressions/*" >/dev/null; then
  cp "$fuzz_dir"/regressions/* "$work_corpus"/
fi

run_log=$build_dir/fuzz.log
log "fuzzing for ${seconds}s (log: $run_log)"
status=0
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
  "$build_dir/gateway/fuzz/request_fuzzer" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=20000 \
  -dict="$fuzz_dir/http.dict" -artifact_prefix="$artifacts/" -print_final_stats=1 \
  "$work_corpus" >"$run_log" 2>&1 || status=$?
grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)' "$run_log" >&2 || true

if ((status != 0)); then
  tail -n 60 "$run_log" >&2
  reproducer=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$run_log" | tail -n 1)
  log "FAILED (libFuzzer exit $status) after $((SECONDS - started))s"
  if [[ -n $reproducer ]]; then
    log "reproducer: $reproducer"
    log "replay it: $build_dir/gateway/fuzz/request_fuzzer $reproducer"
    # An input already committed (a seed, or a regression not fixed yet) is named as such.
    committed=$(sha1sum "$fuzz_dir"/corpus/* "$fuzz_dir"/regressions/* 2>/dev/null |
      awk -v h="$(sha1sum <"$reproducer" | cut -d' ' -f1)" '$1 == h { print $2; exit }')
    if [[ -n $committed ]]; then
      log "it is the committed input ${committed#"$repo_root"/}"
    else
      log "keep it as a regression test: cp $reproducer $fuzz_dir/regressions/<what-it-broke>.http"
    fi
  fi
  exit 1
fi
log "no crash in ${seconds}s; done in $((SECONDS - started))s"
