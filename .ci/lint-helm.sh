#!/usr/bin/env bash
# Lint and render the Helm chart with several value combinations, check what some rendered
# objects contain, and check that bad values are rejected with the expected message; fail on
# any error.
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
DEV_TOKEN="dev-only-internal-token-0123456789abcdef"   # the services refuse keys under 32 bytes
DEV_JWT="dev-only-hs256-user-jwt-key-0123456789abcdef"
COMBOS=(
  "defaults|"
  "all-services|--set ${ALL_ON}"
  "replicas-3|--set ${ALL_ON} --set profiles.replicas=3,matching.replicas=3,scheduling.replicas=3,evaluation.replicas=3,gateway.replicas=3"
  "custom-registry|--set global.image.registry=registry.example.com/mentoring,global.image.tag=1.2.3,global.image.pullPolicy=Always"
  "no-topics-job|--set kafkaTopics.enabled=false"
  "dev-kafka|--set kafkaTopics.partitions=3,kafkaTopics.replicationFactor=1,kafkaTopics.minInsyncReplicas=1,kafkaTopics.config.retention\\.ms=604800000"
  "dev-secrets|--set ${ALL_ON} --set devSecrets.create=true,devSecrets.internalToken=${DEV_TOKEN},devSecrets.databaseUrls.profiles=postgresql://p/profiles,devSecrets.databaseUrls.matching=postgresql://p/matching,devSecrets.databaseUrls.scheduling=postgresql://p/scheduling,devSecrets.databaseUrls.evaluation=postgresql://p/evaluation --set gateway.jwt.hs256Secret.name=mentoring-jwt-hs256,devSecrets.jwtHs256Secret=${DEV_JWT}"
  "headless-kafka-auth|--set global.headlessServices=true,kafkaTopics.commandConfigSecret=kafka-client,shared.logLevel=debug,profiles.logLevel=warn"
  "only-profiles-off|--set profiles.enabled=false,matching.enabled=true,gateway.enabled=false,pdb.enabled=false"
  "no-gateway|--set gateway.enabled=false"
  "single-replica|--set profiles.replicas=1"
  "gateway-rs256|--set gateway.jwt.rs256KeysConfigMap=idp-public-keys,gateway.jwt.issuer=https://idp.example.com/,gateway.jwt.audience=mentoring"
  "gateway-hs256|--set gateway.jwt.rs256KeysConfigMap=,gateway.jwt.hs256Secret.name=mentoring-jwt-hs256,gateway.jwt.hs256Secret.key=hs256"
  "gateway-tuned|--set gateway.rateLimitPerMinute=0,gateway.maxBodyBytes=65536,gateway.maxUploadBytes=1099511627776,gateway.uploadDeadline=1h30m"
  "gateway-ingress|--set gateway.ingress.enabled=true,gateway.ingress.className=nginx,gateway.ingress.host=api.example.com,gateway.ingress.tlsSecret=api-example-tls"
  "mtls|--set ${ALL_ON} --set shared.mtls.enabled=true,shared.mtls.secretName=mentoring-tls"
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

# What the rendered objects must contain: combination|kind|metadata.name|lines|ERE. `lines` is
# how many lines of that one object match (0: none may).
CHECKS=(
  # the gateway's wiring with the default values (RS256 keys from a ConfigMap)
  'defaults|ConfigMap|mentoring-gateway|1|^  GATEWAY_PROFILES_ADDR: "mentoring-profiles:50061"$'
  'defaults|ConfigMap|mentoring-gateway|1|^  GATEWAY_MATCHING_ADDR: "mentoring-matching:50062"$'
  'defaults|ConfigMap|mentoring-gateway|1|^  GATEWAY_SCHEDULING_ADDR: "mentoring-scheduling:50063"$'
  'defaults|ConfigMap|mentoring-gateway|1|^  GATEWAY_EVALUATION_ADDR: "mentoring-evaluation:50064"$'
  # scheduling: on by default, its read model of people loaded from profiles
  'defaults|ConfigMap|mentoring-scheduling|1|^  SCHEDULING_PROFILES_ADDR: "mentoring-profiles:50061"$'
  'defaults|ConfigMap|mentoring-scheduling|1|^  SCHEDULING_GRPC_LISTEN: "0.0.0.0:50063"$'
  'defaults|Deployment|mentoring-scheduling|1|^ +name: mentoring-scheduling-db$'
  # evaluation: on by default, reading goals from profiles
  'defaults|ConfigMap|mentoring-evaluation|1|^  EVALUATION_PROFILES_ADDR: "mentoring-profiles:50061"$'
  'defaults|ConfigMap|mentoring-evaluation|1|^  EVALUATION_GRPC_LISTEN: "0.0.0.0:50064"$'
  'defaults|Deployment|mentoring-evaluation|1|^ +name: mentoring-evaluation-db$'
  'defaults|ConfigMap|mentoring-gateway|1|^  GATEWAY_JWT_ISSUER: "mentoring-idp"$'
  'defaults|ConfigMap|mentoring-gateway|1|^  GATEWAY_JWT_AUDIENCE: "mentoring-api"$'
  'defaults|ConfigMap|mentoring-gateway|1|^  GATEWAY_JWT_RS256_KEYS_DIR: "/etc/mentoring/jwt-keys"$'
  'defaults|ConfigMap|mentoring-gateway|1|^  GATEWAY_RATE_LIMIT_PER_MINUTE: "600"$'
  'defaults|ConfigMap|mentoring-gateway|1|^  GATEWAY_MAX_BODY_BYTES: "1048576"$'
  'defaults|ConfigMap|mentoring-gateway|1|^  GATEWAY_MAX_UPLOAD_BYTES: "4294967296"$'
  'defaults|ConfigMap|mentoring-gateway|1|^  GATEWAY_UPLOAD_DEADLINE: "30m"$'
  'defaults|ConfigMap|mentoring-gateway|1|^  GATEWAY_HTTP_LISTEN: "0.0.0.0:8080"$'
  'defaults|ConfigMap|mentoring-gateway|0|TLS'
  'defaults|Deployment|mentoring-gateway|1|^ +name: mentoring-jwt-keys$'
  'defaults|Deployment|mentoring-gateway|1|^ +mountPath: /etc/mentoring/jwt-keys$'
  'defaults|Deployment|mentoring-gateway|0|GATEWAY_JWT_HS256_SECRET|_DATABASE_URL'
  'defaults|Deployment|mentoring-gateway|3|^ +grpc:$'
  'defaults|Service|mentoring-gateway|1|^ +port: 8080$'
  'defaults|Deployment|mentoring-profiles|3|^ +grpc:$'
  'defaults|Deployment|mentoring-profiles|0|tcpSocket|/etc/mentoring/tls'
  'gateway-rs256|Deployment|mentoring-gateway|1|^ +name: idp-public-keys$'
  'gateway-rs256|ConfigMap|mentoring-gateway|1|^  GATEWAY_JWT_ISSUER: "https://idp.example.com/"$'
  # HS256 only: a secretKeyRef, no keys directory
  'gateway-hs256|Deployment|mentoring-gateway|1|^ +- name: GATEWAY_JWT_HS256_SECRET$'
  'gateway-hs256|Deployment|mentoring-gateway|1|^ +name: mentoring-jwt-hs256$'
  'gateway-hs256|Deployment|mentoring-gateway|1|^ +key: hs256$'
  'gateway-hs256|Deployment|mentoring-gateway|0|jwt-keys'
  'gateway-hs256|ConfigMap|mentoring-gateway|0|GATEWAY_JWT_RS256_KEYS_DIR'
  'gateway-tuned|ConfigMap|mentoring-gateway|1|^  GATEWAY_RATE_LIMIT_PER_MINUTE: "0"$'
  'gateway-tuned|ConfigMap|mentoring-gateway|1|^  GATEWAY_MAX_UPLOAD_BYTES: "1099511627776"$'
  'gateway-tuned|ConfigMap|mentoring-gateway|1|^  GATEWAY_UPLOAD_DEADLINE: "1h30m"$'
  'gateway-ingress|Ingress|mentoring-gateway|1|^ +secretName: api-example-tls$'
  'gateway-ingress|Ingress|mentoring-gateway|1|^ +host: "api.example.com"$'
  'gateway-ingress|Ingress|mentoring-gateway|1|^ +name: http$'
  'dev-secrets|Secret|mentoring-jwt-hs256|1|^  secret: "dev-only-hs256-'
  'dev-secrets|Deployment|mentoring-gateway|1|^ +- name: GATEWAY_JWT_HS256_SECRET$'
  # mTLS: every service mounts the certificate and names it; services are probed over TCP,
  # the gateway (plaintext health port) keeps its gRPC probes and uses the upstream settings
  'mtls|ConfigMap|mentoring-profiles|1|^  PROFILES_TLS_CERT_FILE: "/etc/mentoring/tls/tls.crt"$'
  'mtls|ConfigMap|mentoring-profiles|1|^  PROFILES_TLS_KEY_FILE: "/etc/mentoring/tls/tls.key"$'
  'mtls|ConfigMap|mentoring-profiles|1|^  PROFILES_TLS_CA_FILE: "/etc/mentoring/tls/ca.crt"$'
  'mtls|ConfigMap|mentoring-matching|3|^  MATCHING_TLS_(CERT|KEY|CA)_FILE: "/etc/mentoring/tls/'
  'mtls|ConfigMap|mentoring-scheduling|3|^  SCHEDULING_TLS_(CERT|KEY|CA)_FILE: "/etc/mentoring/tls/'
  'mtls|ConfigMap|mentoring-evaluation|3|^  EVALUATION_TLS_(CERT|KEY|CA)_FILE: "/etc/mentoring/tls/'
  'mtls|Deployment|mentoring-profiles|1|^ +mountPath: /etc/mentoring/tls$'
  'mtls|Deployment|mentoring-profiles|1|^ +secretName: mentoring-tls$'
  'mtls|Deployment|mentoring-profiles|3|^ +tcpSocket:$'
  'mtls|Deployment|mentoring-profiles|0|^ +grpc:$'
  'mtls|Deployment|mentoring-evaluation|3|^ +tcpSocket:$'
  'mtls|ConfigMap|mentoring-gateway|3|^  GATEWAY_UPSTREAM_TLS_(CERT|KEY|CA)_FILE: "/etc/mentoring/tls/'
  'mtls|ConfigMap|mentoring-gateway|0|^  GATEWAY_TLS_'
  'mtls|Deployment|mentoring-gateway|1|^ +mountPath: /etc/mentoring/tls$'
  'mtls|Deployment|mentoring-gateway|3|^ +grpc:$'
  'mtls|Deployment|mentoring-gateway|0|tcpSocket'
)
# One object of a rendered file: the document with that kind and metadata.name.
object() {
  awk -v kind="$2" -v name="$3" 'BEGIN { RS = "\n---\n" }
    index($0, "\nkind: " kind "\n") && index($0, "\n  name: " name "\n") { print }' "$1"
}
for check in "${CHECKS[@]}"; do
  IFS='|' read -r name kind object_name want pattern <<<"${check}"
  rendered="${OUT}/${name}.yaml"
  [[ -f "${rendered}" ]] || { log "FAIL check ${name}: not rendered"; fail=1; continue; }
  obj="$(object "${rendered}" "${kind}" "${object_name}")"
  if [[ -z "${obj}" ]]; then
    log "FAIL check ${name}: no ${kind} ${object_name}"; fail=1; continue
  fi
  got="$(grep -cE -- "${pattern}" <<<"${obj}" || true)"
  if [[ "${got}" -ne "${want}" ]]; then
    log "FAIL check ${name}: ${kind} ${object_name} has ${got} lines matching '${pattern}', want ${want}"; fail=1
  fi
done
log "ok   ${#CHECKS[@]} content checks"

# Values that must be rejected (the chart validates them instead of rendering nonsense):
# name|text the error must contain|flags.
BAD=(
  "bad-partitions|kafkaTopics.partitions|--set kafkaTopics.partitions=0"
  "bad-grace|must exceed shared.drainDelaySeconds|--set shared.shutdownGraceSeconds=30,shared.terminationGracePeriodSeconds=20"
  "bad-min-isr|exceeds kafkaTopics.replicationFactor|--set kafkaTopics.replicationFactor=1"
  "bad-typo|Additional property replica is not allowed|--set profiles.replica=3"
  "bad-name|is already used by profiles|--set matching.enabled=true,matching.name=profiles"
  "old-kubernetes|requires kubeVersion|--kube-version 1.26.0"
  "bad-gateway-no-jwt-key|gateway.enabled needs a JWT key|--set gateway.jwt.rs256KeysConfigMap="
  "bad-gateway-no-profiles|gateway.enabled needs profiles.enabled|--set profiles.enabled=false"
  "bad-gateway-no-matching|gateway.enabled needs matching.enabled|--set matching.enabled=false"
  "bad-gateway-no-evaluation|gateway.enabled needs evaluation.enabled|--set evaluation.enabled=false"
  "bad-gateway-no-scheduling|gateway.enabled needs scheduling.enabled|--set scheduling.enabled=false"
  "bad-gateway-no-issuer|gateway.jwt.issuer|--set gateway.jwt.issuer="
  "bad-gateway-typo|Additional property rateLimit is not allowed|--set gateway.rateLimit=10"
  "bad-gateway-body|gateway.maxBodyBytes|--set gateway.maxBodyBytes=100"
  "bad-gateway-deadline|gateway.uploadDeadline: Does not match pattern|--set gateway.uploadDeadline=30min"
  "bad-gateway-hs256-internal|is the internal-token secret|--set gateway.jwt.hs256Secret.name=mentoring-internal-token,gateway.jwt.hs256Secret.key=token"
  "bad-ingress-tls-no-host|needs gateway.ingress.host|--set gateway.ingress.enabled=true,gateway.ingress.tlsSecret=api-tls"
  "bad-mtls-no-secret|shared.mtls.enabled needs shared.mtls.secretName|--set shared.mtls.enabled=true"
  "bad-dev-short-token|devSecrets.internalToken of at least 32 bytes|--set devSecrets.create=true,devSecrets.internalToken=dev"
  "bad-dev-short-jwt|devSecrets.jwtHs256Secret of at least 32 bytes|--set devSecrets.create=true,devSecrets.internalToken=${DEV_TOKEN},devSecrets.databaseUrls.profiles=p,devSecrets.databaseUrls.matching=m,devSecrets.databaseUrls.scheduling=s,devSecrets.databaseUrls.evaluation=e,gateway.jwt.hs256Secret.name=jwt,devSecrets.jwtHs256Secret=short"
)
for combo in "${BAD[@]}"; do
  IFS='|' read -r name expected rest <<<"${combo}"
  # shellcheck disable=SC2206
  flags=(${rest})
  if helm template mentoring "${CHART}" --kube-version "${KUBE_VERSION}" "${flags[@]}" \
      >/dev/null 2>"${OUT}/${name}.err"; then
    log "FAIL ${name}: rendered, expected a validation error"; fail=1
  elif ! grep -qF -- "${expected}" "${OUT}/${name}.err"; then
    log "FAIL ${name}: rejected, but not for '${expected}':"; cat "${OUT}/${name}.err" >&2; fail=1
  else
    reason="$(grep -m1 -F -- "${expected}" "${OUT}/${name}.err" \
      | sed -e 's/.*error calling fail: //' -e 's/^Error: //' -e 's/^execution error at ([^)]*): //')"
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
