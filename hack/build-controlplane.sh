#!/usr/bin/env bash
# Builds the real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager)
# from Go modules and caches the binaries by version outside the repository.
#
# There is no Docker engine on the project's machines, so kind cannot run; this is the
# envtest approach with binaries we compile ourselves. A second run is a no-op.
#
# Recipe: a throwaway Go module requires k8s.io/kubernetes at the pinned version and
# replaces every staging module (which the k8s.io/kubernetes module zip does not carry)
# with its published v0.Y.Z tag.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.33.13}"
ETCD_VERSION="${ETCD_VERSION:-v3.5.35}"
CACHE_DIR="${M365_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/m365-inventory}"
export GOFLAGS="${GOFLAGS:--p=2}"
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"

k8s_dir="$CACHE_DIR/k8s-$K8S_VERSION"
etcd_dir="$CACHE_DIR/etcd-$ETCD_VERSION"
mkdir -p "$k8s_dir" "$etcd_dir"

log() { printf '[controlplane] %s\n' "$*" >&2; }

build_etcd() {
  if [[ -x "$etcd_dir/etcd" ]]; then
    log "etcd $ETCD_VERSION cached at $etcd_dir/etcd"
    return
  fi
  log "building etcd $ETCD_VERSION"
  local work
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  cat >"$work/main.go" <<'GO'
// Command etcd is etcd's own entry point, built from go.etcd.io/etcd/server/v3.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (
    cd "$work"
    go mod init m365inventory.local/etcd >/dev/null 2>&1
    go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null
    go mod tidy >/dev/null
    go build -trimpath -ldflags "-s -w" -o "$etcd_dir/etcd.partial" .
  )
  mv "$etcd_dir/etcd.partial" "$etcd_dir/etcd"
}

build_k8s() {
  if [[ -x "$k8s_dir/kube-apiserver" && -x "$k8s_dir/kube-controller-manager" ]]; then
    log "kubernetes $K8S_VERSION cached at $k8s_dir"
    return
  fi
  log "building kube-apiserver and kube-controller-manager $K8S_VERSION"
  local work staging_version modfile
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  staging_version="v0.${K8S_VERSION#v1.}"
  (
    cd "$work"
    go mod init m365inventory.local/controlplane >/dev/null 2>&1
    go mod download -json "k8s.io/kubernetes@$K8S_VERSION" >/dev/null
    modfile="$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/$K8S_VERSION.mod"
    # Every module that k8s.io/kubernetes replaces with ./staging/... gets its tag instead.
    sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$modfile" | while read -r mod; do
      go mod edit -replace "$mod=$mod@$staging_version"
    done
    go mod edit -require "k8s.io/kubernetes@$K8S_VERSION"
    go get "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" \
           "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION" >/dev/null
    local minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
    local pkg="k8s.io/component-base/version"
    local ld="-s -w -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ld="$ld -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
    ld="$ld -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION"
    for cmd in kube-apiserver kube-controller-manager; do
      log "  go build $cmd"
      go build -trimpath -ldflags "$ld" -o "$k8s_dir/$cmd.partial" "k8s.io/kubernetes/cmd/$cmd"
    done
  )
  for cmd in kube-apiserver kube-controller-manager; do
    mv "$k8s_dir/$cmd.partial" "$k8s_dir/$cmd"
  done
}

build_etcd
build_k8s
printf 'ETCD=%s\nKUBE_APISERVER=%s\nKUBE_CONTROLLER_MANAGER=%s\n' \
  "$etcd_dir/etcd" "$k8s_dir/kube-apiserver" "$k8s_dir/kube-controller-manager"
