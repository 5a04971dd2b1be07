#!/usr/bin/env sh
# Wait for a connector the way CI or a GitOps health check would. Ready changes only when a
# run ends (never during a resync); Stalled=True means only a person can help (refused
# credentials, an invalid spec): the operator does not retry until the spec, the Secret or the
# requestedAt annotation changes; Degraded=True means some customer tenants fail.
set -eu
NS="${1:-default}" NAME="${2:-contoso}"
kubectl -n "$NS" wait --for=condition=Ready --timeout=10m "microsoftconnector/$NAME" || {
  kubectl -n "$NS" get microsoftconnector "$NAME" \
    -o jsonpath='{range .status.conditions[*]}{.type}={.status} {.reason}: {.message}{"\n"}{end}'
  exit 1
}
kubectl -n "$NS" get microsoftconnector "$NAME" \
  -o jsonpath='{.status.phase}{"  "}{range .status.conditions[?(@.type=="Degraded")]}{.message}{end}{"\n"}'
