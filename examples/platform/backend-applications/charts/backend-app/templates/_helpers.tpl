{{- define "backend-app.labels" -}}
app: {{ required "name is required" .Values.name }}
environment: {{ .Values.environment }}
team: {{ .Values.team }}
{{- end }}
