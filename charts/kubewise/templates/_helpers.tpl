{{- define "kubewise.labels" -}}
app.kubernetes.io/name: kubewise
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "kubewise.aggregatorName" -}}{{ .Release.Name }}-aggregator{{- end -}}
{{- define "kubewise.agentName" -}}{{ .Release.Name }}-agent{{- end -}}
{{- define "kubewise.webName" -}}{{ .Release.Name }}-web{{- end -}}

{{/* kubewise.image: (dict "root" $ "component" "aggregator"|"agent"|"web") -> registry/repository:tag or @digest */}}
{{- define "kubewise.image" -}}
{{- $img := .root.Values.image -}}
{{- $c := index $img .component -}}
{{- $repo := ternary $c.repository (printf "%s/%s" $img.registry $c.repository) (empty $img.registry) -}}
{{- if $c.digest -}}{{ $repo }}@{{ $c.digest }}{{- else -}}{{ $repo }}:{{ $img.tag | default .root.Chart.AppVersion }}{{- end -}}
{{- end -}}

{{- define "kubewise.selectorLabels" -}}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Everything Kubewise pods write goes to volumes: /tmp is an emptyDir (read-only root). */}}
{{- define "kubewise.tmpVolume" -}}
- name: tmp
  emptyDir: { sizeLimit: 64Mi }
{{- end -}}

{{- define "kubewise.restrictedContainer" -}}
securityContext:
  runAsNonRoot: true
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities: { drop: ["ALL"] }
  seccompProfile: { type: RuntimeDefault }
{{- end -}}

{{/* The name the agents check the aggregator's certificate against (its Service's DNS name). */}}
{{- define "kubewise.aggregatorServerName" -}}
{{ printf "%s.%s.svc" (include "kubewise.aggregatorName" .) .Release.Namespace }}
{{- end }}

{{/* The Secret holding the aggregator's serving certificate (tls.crt, tls.key) and its CA (ca.crt). */}}
{{- define "kubewise.aggregatorTlsSecret" -}}
{{ .Values.aggregator.tls.existingSecret | default (printf "%s-tls" (include "kubewise.aggregatorName" .)) }}
{{- end }}
