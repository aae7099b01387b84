#!/usr/bin/env bash
# Lint and render the Helm chart with several value combinations; fail on any error.
#
#   bash .ci/lint-helm.sh                 # install helm if missing, lint, render
#   bash .ci/lint-helm.sh --install-only  # only make sure helm is installed (warm a CI cache)
#
# helm comes from the Go module proxy (`go install`), pinned to HELM_VERSION, into
# GOBIN (or $(go env GOPATH)/bin). Rendered manifests go to $HELM_OUT (a temp dir by default,
# kept only when something failed). CHART and KUBE_VERSION can be overridden.
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-v3.16.4}"
# A go-installed helm defaults to Kubernetes v1.20 for Capabilities; render for a real one
# (the chart needs >= 1.27 for native gRPC probes).
KUBE_VERSION="${KUBE_VERSION:-1.31.0}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHART="${CHART:-${ROOT}/helm/mentoring}"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
log() { printf '[lint-helm] %s\n' "$*" >&2; }

ensure_helm() {
  if command -v helm >/dev/null 2>&1; then
    log "using $(command -v helm) ($(helm version --short 2>/dev/null))"
    return
  fi
  command -v go >/dev/null 2>&1 || { log "helm is missing and go is not installed"; exit 1; }
  local gobin
  gobin="$(go env GOBIN)"
  [[ -n "${gobin}" ]] || gobin="$(go env GOPATH)/bin"
  export PATH="${gobin}:${PATH}"
  if command -v helm >/dev/null 2>&1; then
    log "using ${gobin}/helm ($(helm version --short 2>/dev/null))"
    return
  fi
  log "installing helm ${HELM_VERSION} with go install (cold: several minutes)"
  local t0; t0="$(now)"
  # The version stamp is what helm's own Makefile sets; without it `helm version` says "v3.16".
  go install -ldflags "-X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}" \
    "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"
  log "helm installed in $(elapsed "${t0}"): $(helm version --short)"
}

ensure_helm
[[ "${1:-}" == "--install-only" ]] && exit 0

OUT="${HELM_OUT:-$(mktemp -d)}"
mkdir -p "${OUT}"
t_lint="$(now)"

# name|--set flags (space separated). Each combination is linted and rendered.
ALL_ON="profiles.enabled=true,matching.enabled=true,scheduling.enabled=true,evaluation.enabled=true,gateway.enabled=true"
COMBOS=(
  "defaults|"
  "all-services|--set ${ALL_ON}"
  "replicas-3|--set ${ALL_ON} --set profiles.replicas=3,matching.replicas=3,scheduling.replicas=3,evaluation.replicas=3,gateway.replicas=3"
  "custom-registry|--set global.image.registry=registry.example.com/mentoring,global.image.tag=1.2.3,global.image.pullPolicy=Always"
  "no-topics-job|--set kafkaTopics.enabled=false"
  "dev-kafka|--set kafkaTopics.partitions=3,kafkaTopics.replicationFactor=1,kafkaTopics.minInsyncReplicas=1,kafkaTopics.config.retention\\.ms=604800000"
  "dev-secrets|--set ${ALL_ON} --set devSecrets.create=true,devSecrets.internalToken=dev,devSecrets.databaseUrls.profiles=postgresql://p/profiles,devSecrets.databaseUrls.matching=postgresql://p/matching,devSecrets.databaseUrls.scheduling=postgresql://p/scheduling,devSecrets.databaseUrls.evaluation=postgresql://p/evaluation"
  "headless-kafka-auth|--set global.headlessServices=true,kafkaTopics.commandConfigSecret=kafka-client,shared.logLevel=debug,profiles.logLevel=warn"
  "only-profiles-off|--set profiles.enabled=false,matching.enabled=true,pdb.enabled=false"
  "single-replica|--set profiles.replicas=1"
)

fail=0
for combo in "${COMBOS[@]}"; do
  name="${combo%%|*}"
  # shellcheck disable=SC2206  # intentional word splitting of the flag list
  flags=(${combo#*|})
  if ! helm lint --strict --kube-version "${KUBE_VERSION}" "${CHART}" "${flags[@]}" >"${OUT}/${name}.lint" 2>&1; then
    log "FAIL lint ${name}"; cat "${OUT}/${name}.lint" >&2; fail=1; continue
  fi
  if ! helm template mentoring "${CHART}" --namespace mentoring --kube-version "${KUBE_VERSION}" "${flags[@]}" \
      >"${OUT}/${name}.yaml" 2>"${OUT}/${name}.err"; then
    log "FAIL template ${name}"; cat "${OUT}/${name}.err" >&2; fail=1; continue
  fi
  kinds="$(grep -E '^kind: ' "${OUT}/${name}.yaml" | sort | uniq -c | awk '{printf "%s=%s ", $3, $1}')"
  log "ok   ${name}: ${kinds}"
done

# Values that must be rejected (the chart validates them instead of rendering nonsense).
BAD=(
  "bad-partitions|--set kafkaTopics.partitions=0"
  "bad-grace|--set shared.shutdownGraceSeconds=30,shared.terminationGracePeriodSeconds=20"
  "bad-min-isr|--set kafkaTopics.replicationFactor=1"
  "bad-typo|--set profiles.replica=3"
  "bad-name|--set matching.enabled=true,matching.name=profiles"
  "old-kubernetes|--kube-version 1.26.0"
)
for combo in "${BAD[@]}"; do
  name="${combo%%|*}"
  # shellcheck disable=SC2206
  flags=(${combo#*|})
  if helm template mentoring "${CHART}" --kube-version "${KUBE_VERSION}" "${flags[@]}" \
      >/dev/null 2>"${OUT}/${name}.err"; then
    log "FAIL ${name}: rendered, expected a validation error"; fail=1
  else
    reason="$(grep -m1 -v -e '^Error: values don.t meet' -e '^mentoring:$' -e '^$' "${OUT}/${name}.err" \
      | sed -e 's/.*error calling fail: //' -e 's/^Error: //')"
    log "ok   ${name}: rejected (${reason})"
  fi
done

log "lint+template took $(elapsed "${t_lint}")"
if [[ "${fail}" -ne 0 ]]; then
  log "FAILED; rendered output and errors in ${OUT}"
elif [[ -z "${HELM_OUT:-}" ]]; then
  rm -rf "${OUT}"
fi
exit "${fail}"
