#!/usr/bin/env bash
# Builds helm from its Go module at a pinned version and caches it outside the repository,
# the same way hack/build-controlplane.sh builds the control plane. A second run is a no-op.
# Prints the path of the helm binary on stdout.
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-v3.19.5}"
CACHE_DIR="${M365_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/m365-inventory}"
export GOFLAGS="${GOFLAGS:--p=2}"
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"

helm_dir="$CACHE_DIR/helm-$HELM_VERSION"
mkdir -p "$helm_dir"

if [[ -x "$helm_dir/helm" ]]; then
  printf '[helm] helm %s cached at %s\n' "$HELM_VERSION" "$helm_dir/helm" >&2
else
  printf '[helm] building helm %s\n' "$HELM_VERSION" >&2
  GOBIN="$helm_dir/.partial" go install -trimpath -ldflags "-s -w" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  mv "$helm_dir/.partial/helm" "$helm_dir/helm"
  rmdir "$helm_dir/.partial"
fi
printf '%s\n' "$helm_dir/helm"
