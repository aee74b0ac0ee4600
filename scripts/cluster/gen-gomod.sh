#!/usr/bin/env bash
# Regenerates the wrapper Go modules (kube-bin/, etcd-bin/, coredns-bin/) for a Kubernetes/etcd/CoreDNS version.
# Run once when bumping versions, then commit go.mod + go.sum. See shared notes/kubernetes-e2e.md §2.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.sh
. "$HERE/versions.sh"
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
STG=v0.${K8S_VERSION#v1.}

# fresh go.mod in $HERE/<dir> named e2e.invalid/<module>; go mod init writes the local Go version,
# so start low and let tidy set the dependencies' own minimum
init_module() {
  cd "$HERE/$1"
  rm -f go.mod go.sum
  go mod init "e2e.invalid/$2" >/dev/null
  go mod edit -go=1.21.0
}

init_module kube-bin kubebin
GOMOD=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
for m in $(sed -n 's|^[[:space:]]*\(k8s\.io/[^ ]*\) => \./staging/src/.*|\1|p' "$GOMOD"); do
  go mod edit -replace="$m=$m@$STG"
done
go mod edit -require="k8s.io/kubernetes@$K8S_VERSION"
go mod tidy

init_module etcd-bin etcdbin
go mod edit -require="go.etcd.io/etcd/server/v3@$ETCD_VERSION"
go mod tidy

init_module coredns-bin corednsbin
go mod edit -require="github.com/coredns/coredns@$COREDNS_VERSION"
go mod tidy
