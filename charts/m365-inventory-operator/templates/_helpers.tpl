{{/* Names, labels and the operator's RBAC rules, shared by the templates. */}}

{{- define "m365inv.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "m365inv.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "m365inv.selectorLabels" -}}
app.kubernetes.io/name: {{ include "m365inv.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "m365inv.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "m365inv.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: m365-inventory-operator
{{- end -}}

{{- define "m365inv.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "m365inv.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "m365inv.namespaced" -}}
{{- if eq .Values.watch.scope "Namespaces" -}}true{{- end -}}
{{- end -}}

{{/*
What the operator does in a namespace it serves: read and write its six kinds and their
status, read the Secrets its connectors name (get only: no list or watch, so it cannot
enumerate Secrets it is not pointed at, and no write: see m365inv.secretWriteRules), request
tokens for the ServiceAccounts workload-identity connectors name (TokenRequest), and post Events.
*/}}
{{- define "m365inv.operatorRules" -}}
- apiGroups: [m365.inventory.dev]
  resources: [microsoftconnectors]
  verbs: [get, list, watch, patch]
- apiGroups: [m365.inventory.dev]
  resources: [tenantmatches, devicematches, organizations, contacts, configurations]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [m365.inventory.dev]
  resources:
    - microsoftconnectors/status
    - tenantmatches/status
    - devicematches/status
    - organizations/status
    - contacts/status
    - configurations/status
  verbs: [get, patch]
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
{{- if .Values.rbac.serviceAccountTokens }}
- apiGroups: [""]
  resources: [serviceaccounts/token]
  verbs: [create]
{{- end }}
- apiGroups: [""]
  resources: [events]
  verbs: [create]
{{- end -}}

{{/*
Writing Secrets: only to store BitLocker recovery keys (spec.sync.bitlockerKeys), so only
when bitlockerKeys.enabled (everywhere the operator works) or in bitlockerKeys.namespaces.
create and patch (server-side apply); never list, watch or delete.
*/}}
{{- define "m365inv.secretWriteRules" -}}
- apiGroups: [""]
  resources: [secrets]
  verbs: [create, patch]
{{- end -}}

