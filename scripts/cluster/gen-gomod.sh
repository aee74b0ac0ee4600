#!/usr/bin/env bash
# Regenerates the wrapper Go modules (kube-bin/, etcd-bin/) for a Kubernetes/etcd version.
# Run once when bumping versions, then commit go.mod + go.sum. See shared notes/kubernetes-e2e.md §2.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.sh
. "$HERE/versions.sh"
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
STG=v0.${K8S_VERSION#v1.}

cd "$HERE/kube-bin"
rm -f go.mod go.sum
go mod init e2e.invalid/kubebin >/dev/null
# go mod init writes the local Go version; start low so tidy sets the dependencies' own minimum.
go mod edit -go=1.21.0
GOMOD=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
for m in $(sed -n 's|^[[:space:]]*\(k8s\.io/[^ ]*\) => \./staging/src/.*|\1|p' "$GOMOD"); do
  go mod edit -replace="$m=$m@$STG"
done
go mod edit -require="k8s.io/kubernetes@$K8S_VERSION"
go mod tidy

cd "$HERE/etcd-bin"
rm -f go.mod go.sum
go mod init e2e.invalid/etcdbin >/dev/null
go mod edit -go=1.21.0
go mod edit -require="go.etcd.io/etcd/server/v3@$ETCD_VERSION"
go mod tidy
