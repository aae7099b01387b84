{{/*
The services this chart knows, in render order. Adding a service: a values block with the
same fields as the others, and its key here. Nothing else is written per service.
*/}}
{{- define "mentoring.serviceKeys" -}}
profiles matching scheduling evaluation gateway
{{- end }}

{{- define "mentoring.fullname" -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- end }}

{{- define "mentoring.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on everything the chart creates. */}}
{{- define "mentoring.labels" -}}
helm.sh/chart: {{ include "mentoring.chart" . }}
app.kubernetes.io/part-of: mentoring
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}

{{/* Labels of one service's objects. Input: dict "root" $ "svc" <block>. */}}
{{- define "mentoring.componentLabels" -}}
{{ include "mentoring.labels" .root }}
app.kubernetes.io/name: {{ .svc.name }}
app.kubernetes.io/component: service
{{- end }}

{{/* Selector labels of one service. Input: dict "root" $ "svc" <block>. */}}
{{- define "mentoring.selectorLabels" -}}
app.kubernetes.io/name: {{ .svc.name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end }}

{{/* <release>-<service.name>. Input: dict "root" $ "svc" <block>. */}}
{{- define "mentoring.componentName" -}}
{{- printf "%s-%s" (include "mentoring.fullname" .root) .svc.name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* <release>-<name>:<grpcPort> of the service under values key "key". Input: dict "root" $ "key" <key>. */}}
{{- define "mentoring.grpcAddr" -}}
{{- $svc := index .root.Values .key -}}
{{- printf "%s:%d" (include "mentoring.componentName" (dict "root" .root "svc" $svc)) (int $svc.grpcPort) -}}
{{- end }}

{{/* <registry>/<image>:<tag>. Input: dict "root" $ "svc" <block>. */}}
{{- define "mentoring.image" -}}
{{- $img := .root.Values.global.image -}}
{{- $tag := .svc.tag | default $img.tag | default .root.Chart.AppVersion -}}
{{- if $img.registry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" $img.registry) .svc.image $tag -}}
{{- else -}}
{{- printf "%s:%s" .svc.image $tag -}}
{{- end -}}
{{- end }}

{{- define "mentoring.terminationGracePeriodSeconds" -}}
{{- $s := .Values.shared -}}
{{- $s.terminationGracePeriodSeconds | default (add $s.drainDelaySeconds $s.shutdownGraceSeconds 10) -}}
{{- end }}

{{/*
Checks the values as a whole; anything wrong stops the render with a message that names
the value. Field types are checked by values.schema.json.
*/}}
{{- define "mentoring.validate" -}}
{{- $s := .Values.shared -}}
{{- $budget := add $s.drainDelaySeconds $s.shutdownGraceSeconds -}}
{{- $tgps := include "mentoring.terminationGracePeriodSeconds" . | int -}}
{{- if le $tgps (int $budget) -}}
{{- fail (printf "shared.terminationGracePeriodSeconds (%d) must exceed shared.drainDelaySeconds + shared.shutdownGraceSeconds (%d), or the kubelet kills pods mid-drain" $tgps (int $budget)) -}}
{{- end -}}
{{- $k := .Values.kafkaTopics -}}
{{- if $k.enabled -}}
{{- if lt (int $k.partitions) 1 -}}{{- fail "kafkaTopics.partitions must be at least 1" -}}{{- end -}}
{{- if lt (int $k.replicationFactor) 1 -}}{{- fail "kafkaTopics.replicationFactor must be at least 1" -}}{{- end -}}
{{- if gt (int $k.minInsyncReplicas) (int $k.replicationFactor) -}}
{{- fail (printf "kafkaTopics.minInsyncReplicas (%d) exceeds kafkaTopics.replicationFactor (%d): every acks=all write would fail" (int $k.minInsyncReplicas) (int $k.replicationFactor)) -}}
{{- end -}}
{{- range $k.topics -}}
{{- if not (regexMatch "^[a-zA-Z0-9._-]{1,249}$" .) -}}{{- fail (printf "kafkaTopics.topics: %q is not a valid Kafka topic name" .) -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- $names := dict -}}
{{- range $key := splitList " " (include "mentoring.serviceKeys" .) -}}
{{- $svc := index $.Values $key -}}
{{- if not $svc -}}{{- fail (printf "values block %q is missing" $key) -}}{{- end -}}
{{- if $svc.enabled -}}
{{- if not (regexMatch "^[a-z]([-a-z0-9]*[a-z0-9])?$" $svc.name) -}}
{{- fail (printf "%s.name %q must be a DNS label (lower case letters, digits, '-')" $key $svc.name) -}}
{{- end -}}
{{- if hasKey $names $svc.name -}}{{- fail (printf "%s.name %q is already used by %s" $key $svc.name (get $names $svc.name)) -}}{{- end -}}
{{- $_ := set $names $svc.name $key -}}
{{- if eq (int $svc.grpcPort) (int $svc.adminPort) -}}{{- fail (printf "%s.grpcPort and %s.adminPort must differ" $key $key) -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- if and $s.mtls.enabled (not $s.mtls.secretName) -}}
{{- fail "shared.mtls.enabled needs shared.mtls.secretName: a Secret with tls.crt, tls.key and ca.crt whose SANs cover every service (<release>-<name>)" -}}
{{- end -}}
{{- $gw := .Values.gateway -}}
{{- if $gw.enabled -}}
{{- range $needed := list "profiles" "matching" "scheduling" "evaluation" -}}
{{- if not (index $.Values $needed).enabled -}}
{{- fail (printf "gateway.enabled needs %s.enabled: the gateway routes to profiles, matching, scheduling and evaluation (GATEWAY_PROFILES_ADDR, GATEWAY_MATCHING_ADDR, GATEWAY_SCHEDULING_ADDR, GATEWAY_EVALUATION_ADDR); disable the gateway or enable %s" $needed $needed) -}}
{{- end -}}
{{- end -}}
{{- if not $gw.httpPort -}}{{- fail "gateway.httpPort is required: it is the gateway's HTTP/JSON API" -}}{{- end -}}
{{- if not (or $gw.jwt.rs256KeysConfigMap $gw.jwt.hs256Secret.name) -}}
{{- fail "gateway.enabled needs a JWT key: set gateway.jwt.rs256KeysConfigMap (a ConfigMap of <kid>.pem public keys) and/or gateway.jwt.hs256Secret.name (a Secret with the HS256 key)" -}}
{{- end -}}
{{- if and (eq $gw.jwt.hs256Secret.name $s.internalTokenSecret) (eq $gw.jwt.hs256Secret.key $s.secretKeys.internalToken) -}}
{{- fail "gateway.jwt.hs256Secret is the internal-token secret: whoever mints user tokens could then mint internal tokens; use another Secret or key" -}}
{{- end -}}
{{- if and $gw.ingress.enabled $gw.ingress.tlsSecret (not $gw.ingress.host) -}}
{{- fail "gateway.ingress.tlsSecret needs gateway.ingress.host (the name the certificate is for)" -}}
{{- end -}}
{{- end -}}
{{- $d := .Values.devSecrets -}}
{{- if $d.create -}}
{{- if lt (len $d.internalToken) 32 -}}
{{- fail "devSecrets.create needs devSecrets.internalToken of at least 32 bytes (the services refuse shorter keys)" -}}
{{- end -}}
{{- if and $gw.enabled $gw.jwt.hs256Secret.name -}}
{{- if lt (len $d.jwtHs256Secret) 32 -}}
{{- fail "devSecrets.create with gateway.jwt.hs256Secret.name needs devSecrets.jwtHs256Secret of at least 32 bytes (the gateway refuses shorter keys)" -}}
{{- end -}}
{{- if contains "-----BEGIN" $d.jwtHs256Secret -}}
{{- fail "devSecrets.jwtHs256Secret looks like a PEM key; an HS256 secret is a random string (RS256 public keys go in gateway.jwt.rs256KeysConfigMap)" -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end }}

{{/* Non-secret environment of one service. Input: dict "root" $ "key" <key> "svc" <block>. */}}
{{- define "mentoring.configData" -}}
{{- $root := .root -}}
{{- $s := $root.Values.shared -}}
{{- $svc := .svc -}}
{{- $prefix := upper .key -}}
{{- $host := $root.Values.global.listenHost -}}
{{ $prefix }}_GRPC_LISTEN: {{ printf "%s:%d" $host (int $svc.grpcPort) | quote }}
{{ $prefix }}_ADMIN_LISTEN: {{ printf "%s:%d" $host (int $svc.adminPort) | quote }}
{{- if $svc.httpPort }}
{{ $prefix }}_HTTP_LISTEN: {{ printf "%s:%d" $host (int $svc.httpPort) | quote }}
{{- end }}
KAFKA_BOOTSTRAP: {{ $s.kafkaBootstrap | quote }}
REDIS_ADDR: {{ $s.redisAddr | quote }}
LOG_LEVEL: {{ $svc.logLevel | default $s.logLevel | quote }}
DRAIN_DELAY: {{ printf "%ds" (int $s.drainDelaySeconds) | quote }}
SHUTDOWN_GRACE: {{ printf "%ds" (int $s.shutdownGraceSeconds) | quote }}
{{- if eq .key "matching" }}
{{- /* matching keeps a read model of people, fetched from profiles over gRPC */}}
MATCHING_PROFILES_ADDR: {{ include "mentoring.grpcAddr" (dict "root" $root "key" "profiles") | quote }}
{{- end }}
{{- if eq .key "scheduling" }}
{{- /* scheduling keeps a read model of people's zones and availability, loaded from profiles */}}
SCHEDULING_PROFILES_ADDR: {{ include "mentoring.grpcAddr" (dict "root" $root "key" "profiles") | quote }}
{{- end }}
{{- if eq .key "evaluation" }}
{{- /* evaluation reads the mentee's goals from profiles and sets their status there */}}
EVALUATION_PROFILES_ADDR: {{ include "mentoring.grpcAddr" (dict "root" $root "key" "profiles") | quote }}
{{- end }}
{{- if eq .key "gateway" }}
{{ include "mentoring.gatewayConfigData" $root }}
{{- end }}
{{- if $s.mtls.enabled }}
{{- /* the gateway's TLS is towards the services only; its own gRPC port (health) stays plaintext */}}
{{- $tls := printf "%s_%s" $prefix (ternary "UPSTREAM_TLS" "TLS" (eq .key "gateway")) }}
{{ $tls }}_CERT_FILE: {{ printf "%s/tls.crt" (include "mentoring.mtlsDir" .) | quote }}
{{ $tls }}_KEY_FILE: {{ printf "%s/tls.key" (include "mentoring.mtlsDir" .) | quote }}
{{ $tls }}_CA_FILE: {{ printf "%s/ca.crt" (include "mentoring.mtlsDir" .) | quote }}
{{- end }}
{{- range $name, $value := $svc.env }}
{{ $name }}: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{- define "mentoring.mtlsDir" -}}/etc/mentoring/tls{{- end }}
{{- define "mentoring.jwtKeysDir" -}}/etc/mentoring/jwt-keys{{- end }}

{{/* The gateway's own settings (GATEWAY_*), non-secret. Input: $. */}}
{{- define "mentoring.gatewayConfigData" -}}
{{- $gw := .Values.gateway -}}
GATEWAY_PROFILES_ADDR: {{ include "mentoring.grpcAddr" (dict "root" . "key" "profiles") | quote }}
GATEWAY_MATCHING_ADDR: {{ include "mentoring.grpcAddr" (dict "root" . "key" "matching") | quote }}
GATEWAY_SCHEDULING_ADDR: {{ include "mentoring.grpcAddr" (dict "root" . "key" "scheduling") | quote }}
GATEWAY_EVALUATION_ADDR: {{ include "mentoring.grpcAddr" (dict "root" . "key" "evaluation") | quote }}
GATEWAY_JWT_ISSUER: {{ $gw.jwt.issuer | quote }}
GATEWAY_JWT_AUDIENCE: {{ $gw.jwt.audience | quote }}
{{- if $gw.jwt.rs256KeysConfigMap }}
GATEWAY_JWT_RS256_KEYS_DIR: {{ include "mentoring.jwtKeysDir" . | quote }}
{{- end }}
GATEWAY_RATE_LIMIT_PER_MINUTE: {{ int64 $gw.rateLimitPerMinute | quote }}
GATEWAY_MAX_BODY_BYTES: {{ int64 $gw.maxBodyBytes | quote }}
GATEWAY_MAX_UPLOAD_BYTES: {{ int64 $gw.maxUploadBytes | quote }}
GATEWAY_UPLOAD_DEADLINE: {{ $gw.uploadDeadline | quote }}
{{- end }}

{{/*
What one service adds to the generic container: Secret-backed variables, volume mounts
and volumes (the mTLS certificate for every service; the gateway's JWT keys). Each
renders list items at column 0. Input: dict "root" $ "key" <key> "svc" <block>.
*/}}
{{- define "mentoring.extraEnv" -}}
{{- $gw := .root.Values.gateway -}}
{{- if and (eq .key "gateway") $gw.jwt.hs256Secret.name }}
- name: GATEWAY_JWT_HS256_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ $gw.jwt.hs256Secret.name }}
      key: {{ $gw.jwt.hs256Secret.key }}
{{- end }}
{{- end }}

{{- define "mentoring.extraVolumeMounts" -}}
{{- if .root.Values.shared.mtls.enabled }}
- name: mtls
  mountPath: {{ include "mentoring.mtlsDir" . }}
  readOnly: true
{{- end }}
{{- if and (eq .key "gateway") .root.Values.gateway.jwt.rs256KeysConfigMap }}
- name: jwt-keys
  mountPath: {{ include "mentoring.jwtKeysDir" . }}
  readOnly: true
{{- end }}
{{- end }}

{{- define "mentoring.extraVolumes" -}}
{{- if .root.Values.shared.mtls.enabled }}
- name: mtls
  secret:
    secretName: {{ .root.Values.shared.mtls.secretName }}
    defaultMode: 288  # 0440: root and the pod's fsGroup (10001) only
{{- end }}
{{- if and (eq .key "gateway") .root.Values.gateway.jwt.rs256KeysConfigMap }}
- name: jwt-keys
  configMap:
    name: {{ .root.Values.gateway.jwt.rs256KeysConfigMap }}
{{- end }}
{{- end }}

{{/*
The check behind the startup/readiness/liveness probes: grpc.health.v1.Health/Check on the
gRPC port; with shared.mtls.enabled a TCP connect for the services (their port demands a
client certificate, which kubelet's gRPC probe cannot present; what that loses is said in
the comment rendered above the probes and in README.md). The gateway's gRPC port (health
only) stays plaintext, so it keeps gRPC probes. Input: dict "root" $ "key" <key> "svc" <block>.
*/}}
{{- define "mentoring.probeCheck" -}}
{{- if and .root.Values.shared.mtls.enabled (ne .key "gateway") -}}
tcpSocket:
  port: {{ .svc.grpcPort }}
{{- else -}}
grpc:
  port: {{ .svc.grpcPort }}
{{- end -}}
{{- end }}

{{/*
Everything one service needs: ServiceAccount, ConfigMap, Deployment, Service and
PodDisruptionBudget. Input: dict "root" $ "key" <values key> "svc" <values block>.
*/}}
{{- define "mentoring.component" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
{{- $g := $root.Values.global -}}
{{- $s := $root.Values.shared -}}
{{- $name := include "mentoring.componentName" . -}}
{{- $prefix := upper .key -}}
{{- $configData := include "mentoring.configData" . -}}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $name }}
  labels:
    {{- include "mentoring.componentLabels" . | nindent 4 }}
automountServiceAccountToken: false
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $name }}
  labels:
    {{- include "mentoring.componentLabels" . | nindent 4 }}
data:
  {{- $configData | nindent 2 }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  labels:
    {{- include "mentoring.componentLabels" . | nindent 4 }}
spec:
  replicas: {{ $svc.replicas }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  selector:
    matchLabels:
      {{- include "mentoring.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "mentoring.componentLabels" . | nindent 8 }}
      annotations:
        # Roll the pods when their configuration changes.
        checksum/config: {{ $configData | sha256sum }}
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ $svc.adminPort | quote }}
        prometheus.io/path: /metrics
        {{- with $g.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ $name }}
      automountServiceAccountToken: false
      # More than DRAIN_DELAY + SHUTDOWN_GRACE, so the service finishes its own drain.
      terminationGracePeriodSeconds: {{ include "mentoring.terminationGracePeriodSeconds" $root }}
      {{- with $g.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        fsGroup: 10001
        seccompProfile:
          type: RuntimeDefault
      {{- if $g.spreadAcrossNodes }}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "mentoring.selectorLabels" . | nindent 14 }}
      {{- end }}
      {{- with $g.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $g.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ $svc.name }}
          image: {{ include "mentoring.image" . | quote }}
          imagePullPolicy: {{ $g.image.pullPolicy }}
          ports:
            - name: grpc
              containerPort: {{ $svc.grpcPort }}
              protocol: TCP
            - name: admin
              containerPort: {{ $svc.adminPort }}
              protocol: TCP
            {{- if $svc.httpPort }}
            - name: http
              containerPort: {{ $svc.httpPort }}
              protocol: TCP
            {{- end }}
          envFrom:
            - configMapRef:
                name: {{ $name }}
          env:
            - name: INTERNAL_TOKEN_SECRET
              valueFrom:
                secretKeyRef:
                  name: {{ $s.internalTokenSecret }}
                  key: {{ $s.secretKeys.internalToken }}
            {{- if $svc.databaseUrlSecret }}
            - name: {{ $prefix }}_DATABASE_URL
              valueFrom:
                secretKeyRef:
                  name: {{ $svc.databaseUrlSecret }}
                  key: {{ $s.secretKeys.databaseUrl }}
            {{- end }}
            {{- with include "mentoring.extraEnv" . | trim }}{{ . | nindent 12 }}{{ end }}
          {{- if and $s.mtls.enabled (ne .key "gateway") }}
          # shared.mtls: the gRPC port demands a client certificate, which kubelet's gRPC
          # probe cannot present, so these are TCP connects. NOT_SERVING during the drain no
          # longer takes the pod out of the endpoints (that relies on the pod's deletion and
          # DRAIN_DELAY), and liveness only proves the port is bound.
          {{- else }}
          # grpc.health.v1.Health/Check with service "" (the whole server). The service
          # answers NOT_SERVING from SIGTERM on, so it leaves the endpoints while draining.
          {{- end }}
          startupProbe:
            {{- include "mentoring.probeCheck" . | nindent 12 }}
            {{- toYaml $g.probes.startup | nindent 12 }}
          readinessProbe:
            {{- include "mentoring.probeCheck" . | nindent 12 }}
            {{- toYaml $g.probes.readiness | nindent 12 }}
          livenessProbe:
            {{- include "mentoring.probeCheck" . | nindent 12 }}
            {{- toYaml $g.probes.liveness | nindent 12 }}
          resources:
            {{- toYaml $svc.resources | nindent 12 }}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- with include "mentoring.extraVolumeMounts" . | trim }}{{ . | nindent 12 }}{{ end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
        {{- with include "mentoring.extraVolumes" . | trim }}{{ . | nindent 8 }}{{ end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  labels:
    {{- include "mentoring.componentLabels" . | nindent 4 }}
spec:
  type: ClusterIP
  {{- if $g.headlessServices }}
  clusterIP: None
  {{- end }}
  selector:
    {{- include "mentoring.selectorLabels" . | nindent 4 }}
  ports:
    - name: grpc
      port: {{ $svc.grpcPort }}
      targetPort: grpc
      protocol: TCP
      appProtocol: grpc
    - name: admin
      port: {{ $svc.adminPort }}
      targetPort: admin
      protocol: TCP
      appProtocol: http
    {{- if $svc.httpPort }}
    - name: http
      port: {{ $svc.httpPort }}
      targetPort: http
      protocol: TCP
      appProtocol: http
    {{- end }}
{{- if $root.Values.pdb.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $name }}
  labels:
    {{- include "mentoring.componentLabels" . | nindent 4 }}
spec:
  maxUnavailable: {{ $root.Values.pdb.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "mentoring.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end }}
