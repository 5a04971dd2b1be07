#!/usr/bin/env sh
# Ask for a sync now (the reference's "Start Manual Sync"). The token is echoed to
# status.lastHandledRequestedAt once the operator has acted on it.
kubectl annotate microsoftconnector "${1:-contoso}" --overwrite \
  "m365.inventory.dev/requestedAt=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
