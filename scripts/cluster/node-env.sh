# Fixed names and paths of the suite's real node (sourced by start.sh, node.sh and stop.sh).
# containerd and the kubelet use the machine's default socket and directories: one node per machine.
NODE_NAME=kw-node
NODE_BRIDGE=kw0
NODE_IP=10.88.0.1
POD_CIDR=10.88.0.0/16
SERVICE_CIDR=10.0.0.0/24
# CoreDNS (a host process like kube-proxy) answers the pods' queries on the node IP
CLUSTER_DNS_IP=$NODE_IP
CLUSTER_DOMAIN=cluster.local
CNI_BIN_DIR=${CNI_BIN_DIR:-/usr/lib/cni}
NODE_CNI_CONF_DIR=/etc/cni/net.d
CONTAINERD_SOCK=/run/containerd/containerd.sock
CONTAINERD_STATE=/run/containerd
# imported images survive restarts here, so a warm run imports only what changed
CONTAINERD_ROOT=/var/lib/kubewise/containerd
KUBELET_ROOT=/var/lib/kubelet
IMAGE_TAG=$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$(dirname "${BASH_SOURCE[0]}")/../../charts/kubewise/Chart.yaml")
PAUSE_IMAGE=localhost/kubewise/pause:$IMAGE_TAG
# Whether the bridge carries the node IP. No `ip ... | grep -q` here: under pipefail, grep exiting
# at the first match can fail the pipeline (SIGPIPE to ip), and `ip addr add` then fails the script.
bridge_has_node_ip() { [[ "$(ip -4 addr show dev "$NODE_BRIDGE" 2>/dev/null)" == *"inet $NODE_IP/"* ]]; }
