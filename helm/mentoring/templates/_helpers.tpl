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
{{- if and .Values.devSecrets.create (not .Values.devSecrets.internalToken) -}}
{{- fail "devSecrets.create needs devSecrets.internalToken" -}}
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
MATCHING_PROFILES_ADDR: {{ printf "%s:%d" (include "mentoring.componentName" (dict "root" $root "svc" $root.Values.profiles)) (int $root.Values.profiles.grpcPort) | quote }}
{{- end }}
{{- range $name, $value := $svc.env }}
{{ $name }}: {{ $value | toString | quote }}
{{- end }}
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
          # grpc.health.v1.Health/Check with service "" (the whole server). The service
          # answers NOT_SERVING from SIGTERM on, so it leaves the endpoints while draining.
          startupProbe:
            grpc:
              port: {{ $svc.grpcPort }}
            {{- toYaml $g.probes.startup | nindent 12 }}
          readinessProbe:
            grpc:
              port: {{ $svc.grpcPort }}
            {{- toYaml $g.probes.readiness | nindent 12 }}
          livenessProbe:
            grpc:
              port: {{ $svc.grpcPort }}
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
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
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
