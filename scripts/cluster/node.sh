#!/usr/bin/env bash
# The suite's real node, started by `start.sh --node` once the control plane is up:
#   containerd (Debian, default socket: cAdvisor reads container stats through it) + runc,
#   CNI bridge/host-local/loopback/portmap (Debian) on bridge kw0 = 10.88.0.1/16 (the node IP),
#   kubelet, kube-proxy (iptables), kube-scheduler and CoreDNS (Go module proxy, scripts/cluster/build.sh),
#   and the image archives of `npm run images` imported with ctr (nothing is pulled).
# Usage: node.sh <state dir> <admin kubeconfig>. Needs root, cgroup v1 or v2, iptables.
#   KUBEWISE_CONTAINERD_BIN  containerd binary (default: containerd on PATH)
# Checks every binary before it changes anything; a daemon that exits or does not come up in time
# ends it at once with the component's name and the path of its log (daemon.sh).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
# shellcheck source=versions.sh
. "$HERE/versions.sh"
# shellcheck source=node-env.sh
. "$HERE/node-env.sh"
# shellcheck source=daemon.sh
. "$HERE/daemon.sh"
[ $# -eq 2 ] || fail "usage: node.sh <state dir> <admin kubeconfig> (try --help)"
D=$1 KC=$2
IMAGES_DIR=${KUBEWISE_IMAGES_DIR:-$HERE/../../dist/images}
CONTAINERD_BIN=${KUBEWISE_CONTAINERD_BIN:-containerd}
N=$D/node
T0=$(date +%s%N)

# what is missing is named before anything on the machine changes
command -v "$CONTAINERD_BIN" >/dev/null 2>&1 || fail "missing containerd binary $CONTAINERD_BIN: apt-get install containerd (.ci/run does), or set KUBEWISE_CONTAINERD_BIN"
for b in runc ctr iptables conntrack; do
  command -v "$b" >/dev/null 2>&1 || fail "missing $b: apt-get install containerd runc iptables conntrack containernetworking-plugins (.ci/run does)"
done
for p in bridge host-local loopback portmap; do
  [ -x "$CNI_BIN_DIR/$p" ] || fail "missing CNI plugin $CNI_BIN_DIR/$p: apt-get install containernetworking-plugins"
done
for b in kubelet kube-proxy kube-scheduler coredns; do
  [ -x "$CLUSTER_BIN/$b" ] || fail "missing $CLUSTER_BIN/$b: run scripts/cluster/build.sh"
done
[ -f "$IMAGES_DIR/pause.oci.tar" ] || fail "missing $IMAGES_DIR/pause.oci.tar (the pod sandbox image): run npm run images"
[ "$(id -u)" = 0 ] || fail "the real node needs root (containerd, kubelet, iptables)"
mkdir -p "$N" "$NODE_CNI_CONF_DIR" "$CONTAINERD_ROOT"

# Writes stdin to $1 only when it differs: kube-proxy exits when its config file is written, even
# with the same content, so a reused node must leave unchanged files alone.
put() {
  local tmp
  tmp=$(mktemp "$1.XXXXXX")
  cat > "$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
}

# --- network: bridge with the node IP, forwarding kept inside the pod network -------------------
if ! ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
  ip link add "$NODE_BRIDGE" type bridge
fi
bridge_has_node_ip || ip addr add "$NODE_IP/16" dev "$NODE_BRIDGE"
ip link set "$NODE_BRIDGE" up
sysctl -qw net.ipv4.ip_forward=1
# Service traffic between pods on one bridge must pass iptables (kube-proxy's DNAT).
[ -w /proc/sys/net/bridge/bridge-nf-call-iptables ] && sysctl -qw net.bridge.bridge-nf-call-iptables=1
# Pods talk to each other and to the node only: anything they forward elsewhere is dropped.
iptables -N KUBEWISE-NODE 2>/dev/null || iptables -F KUBEWISE-NODE
iptables -A KUBEWISE-NODE -s "$POD_CIDR" -d "$POD_CIDR" -j RETURN
iptables -A KUBEWISE-NODE -s "$POD_CIDR" -j DROP
iptables -C FORWARD -j KUBEWISE-NODE 2>/dev/null || iptables -I FORWARD 1 -j KUBEWISE-NODE

put "$NODE_CNI_CONF_DIR/10-kubewise.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "kubewise",
  "plugins": [
    { "type": "bridge", "bridge": "$NODE_BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "$NODE_IP", "rangeStart": "10.88.1.1" }]],
                "routes": [{ "dst": "0.0.0.0/0" }], "dataDir": "$N/cni-ipam" } },
    { "type": "portmap", "capabilities": { "portMappings": true } },
    { "type": "loopback" }
  ]
}
EOF

# --- containerd ------------------------------------------------------------------------------
put "$N/containerd.toml" <<EOF
version = 2
root = "$CONTAINERD_ROOT"
state = "$CONTAINERD_STATE"
[grpc]
  address = "$CONTAINERD_SOCK"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # root lacks CAP_SYS_RESOURCE on this VM kind: runc may not lower oom_score_adj
  restrict_oom_score_adj = true
  enable_cdi = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN_DIR"
    conf_dir = "$NODE_CNI_CONF_DIR"
EOF
if [ -S "$CONTAINERD_SOCK" ] && ! alive containerd; then
  ctr --address "$CONTAINERD_SOCK" version >/dev/null 2>&1 &&
    fail "another containerd answers on $CONTAINERD_SOCK: stop it, or run the suite against it with KUBECONFIG"
fi
if ! alive containerd; then
  start_bg containerd "$CONTAINERD_BIN" --config "$N/containerd.toml"
  wait_up containerd 60 "its socket $CONTAINERD_SOCK answered" ctr --address "$CONTAINERD_SOCK" version
fi

# --- images: imported, never pulled; an archive whose manifest containerd already has under its
# name is skipped (a reused node re-imports only the images that changed) -----------------------
CTR="ctr --address $CONTAINERD_SOCK -n k8s.io"
have=$($CTR images ls 2>/dev/null | awk 'NR > 1 { print $1 " " $3 }')
imported=0 kept=0
for archive in "$IMAGES_DIR"/*.oci.tar; do
  index=$(tar -xOf "$archive" index.json) || fail "$archive has no index.json: rebuild it with npm run images"
  name=$(printf '%s' "$index" | grep -o '"io.containerd.image.name":"[^"]*"' | head -1 | cut -d'"' -f4)
  digest=$(printf '%s' "$index" | grep -o '"digest":"sha256:[0-9a-f]*"' | head -1 | cut -d'"' -f4)
  if [ -n "$name" ] && grep -qxF "$name $digest" <<< "$have"; then kept=$((kept + 1)); continue; fi
  $CTR images import "$archive" >/dev/null || fail "ctr images import $archive failed"
  imported=$((imported + 1))
done
say "images from $IMAGES_DIR: $imported imported, $kept already in containerd (same manifest digest)"

# --- kubelet ---------------------------------------------------------------------------------
NODE_TOKEN=$(cat "$D/node-token")
put "$N/kubelet.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kubewise-e2e
  cluster: { server: "https://127.0.0.1:$(cat "$D/apiserver.port")", certificate-authority: "$D/pki/ca.crt" }
users:
- name: kubelet
  user: { token: "$NODE_TOKEN" }
contexts:
- name: kubelet
  context: { cluster: kubewise-e2e, user: kubelet }
current-context: kubelet
EOF
chmod 600 "$N/kubelet.kubeconfig"
# Pods resolve cluster names through CoreDNS (clusterDNS) and nothing outside the cluster: the
# kubelet's upstream resolv.conf is empty (this machine has no internet).
: > "$N/resolv.conf"
put "$N/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
# the VM mounts cgroup v1 and PID 1 is not systemd
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
address: $NODE_IP
port: 10250
readOnlyPort: 0
tlsCertFile: $D/pki/kubelet.crt
tlsPrivateKeyFile: $D/pki/kubelet.key
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $D/pki/ca.crt }
authorization: { mode: Webhook }
clusterDomain: $CLUSTER_DOMAIN
clusterDNS: [$CLUSTER_DNS_IP]
resolvConf: $N/resolv.conf
evictionHard: { memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%" }
# imported images cannot be pulled again: never garbage-collect them
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
syncFrequency: 10s
nodeStatusUpdateFrequency: 5s
# A crashing container restarts after at most 1 s (the minimum) instead of 5 min, so the suite can kill the agent
# 20 times in a row (KEP-4603, beta in 1.35).
featureGates: { KubeletCrashLoopBackOffMax: true }
crashLoopBackOff: { maxContainerRestartPeriod: 1s }
EOF
if ! alive kubelet; then
  start_bg kubelet "$CLUSTER_BIN/kubelet" --config="$N/kubelet.yaml" --kubeconfig="$N/kubelet.kubeconfig" \
    --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" --root-dir="$KUBELET_ROOT" --v=1
fi

# --- kube-proxy and kube-scheduler -----------------------------------------------------------
put "$N/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: { kubeconfig: "$KC" }
hostnameOverride: $NODE_NAME
mode: iptables
clusterCIDR: $POD_CIDR
bindAddress: 127.0.0.1
# no healthz/metrics listeners: nothing here scrapes them
healthzBindAddress: ""
metricsBindAddress: ""
# leave the host's conntrack sysctls alone
conntrack: { maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }
EOF
# --- cluster DNS: CoreDNS on the node IP, names from the API server (Services, pods) --------
put "$N/Corefile" <<EOF
$CLUSTER_DOMAIN:53 in-addr.arpa:53 ip6.arpa:53 {
    bind $CLUSTER_DNS_IP
    errors
    health 127.0.0.1:18080
    ready 127.0.0.1:18181
    kubernetes $CLUSTER_DOMAIN in-addr.arpa ip6.arpa {
        kubeconfig $KC
        pods verified
    }
    cache 5
    loadbalance
}
EOF
alive coredns || start_bg coredns "$CLUSTER_BIN/coredns" -conf "$N/Corefile"

alive kube-proxy || start_bg kube-proxy "$CLUSTER_BIN/kube-proxy" --config="$N/kube-proxy.yaml"
alive kube-scheduler || start_bg kube-scheduler "$CLUSTER_BIN/kube-scheduler" --kubeconfig="$KC" \
  --authentication-kubeconfig="$KC" --authorization-kubeconfig="$KC" --leader-elect=false --secure-port=0

# --- wait for the node to be Ready -----------------------------------------------------------
node_ready() {
  [ "$("$CLUSTER_BIN/kubectl" --kubeconfig="$KC" get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}
wait_up kubelet 120 "node $NODE_NAME registered and Ready" node_ready
for p in kube-proxy kube-scheduler coredns; do
  alive "$p" || { tail -5 "$D/$p.log" >&2; fail "$p exited; see $D/$p.log"; }
done
# CoreDNS answers once its informers have synced with the API server
wait_up coredns 60 "CoreDNS ready (informers synced)" curl -sf --max-time 1 http://127.0.0.1:18181/ready
say "node $NODE_NAME Ready in $(( ($(date +%s%N) - T0) / 1000000 )) ms (containerd $(containerd --version | awk '{print $3}'), runc $(runc --version | awk 'NR==1{print $3}'))"
