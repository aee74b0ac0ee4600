#!/usr/bin/env bash
# Starts etcd + kube-apiserver + kube-controller-manager on 127.0.0.1 with a static admin token
# and writes a kubeconfig. Idempotent: a healthy running cluster in $KUBEWISE_CLUSTER_DIR is reused.
#   --node (or KUBEWISE_CLUSTER_NODE=1)  also run a real node (node.sh): containerd, kubelet,
#                         kube-proxy, kube-scheduler; root only, one per machine
#   KUBEWISE_CLUSTER_DIR  state dir (default /tmp/kubewise-cluster): kubeconfig, logs, pids
# Prints the kubeconfig path on the last line of stdout.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.sh
. "$HERE/versions.sh"
# shellcheck source=node-env.sh
. "$HERE/node-env.sh"
# shellcheck source=pki.sh
. "$HERE/pki.sh"
NODE=${KUBEWISE_CLUSTER_NODE:-0}
for arg in "$@"; do
  case $arg in
    --node) NODE=1 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "start.sh: unknown argument $arg (try --help)" >&2; exit 2 ;;
  esac
done
D=${KUBEWISE_CLUSTER_DIR:-/tmp/kubewise-cluster}
KC=$D/kubeconfig
for b in etcd kube-apiserver kube-controller-manager; do
  [ -x "$CLUSTER_BIN/$b" ] || { echo "missing $CLUSTER_BIN/$b: run scripts/cluster/build.sh" >&2; exit 1; }
done

alive() { [ -f "$D/$1.pid" ] && kill -0 "$(cat "$D/$1.pid")" 2>/dev/null; }
ready() { curl -sfk --max-time 2 -H "Authorization: Bearer $(cat "$D/token")" "https://127.0.0.1:$(cat "$D/apiserver.port")/readyz" >/dev/null 2>&1; }
mode_ok() { [ "$NODE" = 0 ] || [ -f "$D/node-mode" ]; }
if alive etcd && alive kube-apiserver && ready && mode_ok; then
  echo "reusing running cluster in $D" >&2
  [ "$NODE" = 1 ] && "$HERE/node.sh" "$D" "$KC"
  echo "$KC"; exit 0
fi
[ -d "$D" ] && "$HERE/stop.sh" >/dev/null 2>&1 || true

T0=$(date +%s%N)
mkdir -p "$D/pki"
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
ETCD_PORT=$(free_port); PEER_PORT=$(free_port); API_PORT=$(free_port)
echo "$API_PORT" > "$D/apiserver.port"
# etcd data on tmpfs when available: the suite is throwaway and fsync dominates on slow disks
if [ -d /dev/shm ] && [ -w /dev/shm ]; then DATA=$(mktemp -d /dev/shm/kubewise-etcd.XXXXXX); else DATA=$D/etcd; fi
echo "$DATA" > "$D/etcd.data"

openssl genrsa -out "$D/pki/sa.key" 2048 2>/dev/null
openssl rsa -in "$D/pki/sa.key" -pubout -out "$D/pki/sa.pub" 2>/dev/null
TOKEN=$(openssl rand -hex 16); echo "$TOKEN" > "$D/token"; chmod 600 "$D/token"
echo "$TOKEN,kubewise-e2e-admin,kubewise-e2e-admin,\"system:masters\"" > "$D/tokens.csv"

# Node mode: pods reach the API server at the node IP (bridge kw0) through the kubernetes Service,
# so it listens on all addresses with a serving certificate from our CA, authorizes the kubelet
# with the Node authorizer and mounts service-account tokens (ServiceAccount admission).
if [ "$NODE" = 1 ]; then
  [ "$(id -u)" = 0 ] || { echo "start.sh --node needs root" >&2; exit 1; }
  make_pki "$D/pki" "$NODE_IP"
  NODE_TOKEN=$(openssl rand -hex 16); echo "$NODE_TOKEN" > "$D/node-token"; chmod 600 "$D/node-token"
  echo "$NODE_TOKEN,system:node:$NODE_NAME,$NODE_NAME,\"system:nodes\"" >> "$D/tokens.csv"
  ip link show "$NODE_BRIDGE" >/dev/null 2>&1 || ip link add "$NODE_BRIDGE" type bridge
  bridge_has_node_ip || ip addr add "$NODE_IP/16" dev "$NODE_BRIDGE"
  ip link set "$NODE_BRIDGE" up
  API_FLAGS=(--bind-address=0.0.0.0 --advertise-address="$NODE_IP"
    --tls-cert-file="$D/pki/apiserver.crt" --tls-private-key-file="$D/pki/apiserver.key"
    --kubelet-client-certificate="$D/pki/apiserver-kubelet-client.crt"
    --kubelet-client-key="$D/pki/apiserver-kubelet-client.key"
    --kubelet-certificate-authority="$D/pki/ca.crt" --kubelet-preferred-address-types=InternalIP
    --authorization-mode=Node,RBAC --enable-admission-plugins=ValidatingAdmissionPolicy,NodeRestriction)
  CA_FILE=$D/pki/ca.crt
  # every default controller, as in a kubeadm cluster (node lifecycle lifts the not-ready taint)
  KCM_FLAGS=(--controllers='*' --root-ca-file="$D/pki/ca.crt"
    --service-account-private-key-file="$D/pki/sa.key"
    --cluster-signing-cert-file="$D/pki/ca.crt" --cluster-signing-key-file="$D/pki/ca.key")
  touch "$D/node-mode"
else
  API_FLAGS=(--bind-address=127.0.0.1 --advertise-address=127.0.0.1 --cert-dir="$D/pki"
    --authorization-mode=RBAC --disable-admission-plugins=ServiceAccount
    --enable-admission-plugins=ValidatingAdmissionPolicy --endpoint-reconciler-type=none)
  CA_FILE=$D/pki/apiserver.crt
  KCM_FLAGS=(--controllers=deployment,replicaset,statefulset,daemonset,namespace,garbagecollector,disruption)
fi

"$CLUSTER_BIN/etcd" --name kubewise-e2e --data-dir "$DATA" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$PEER_PORT" \
  --initial-cluster "kubewise-e2e=http://127.0.0.1:$PEER_PORT" --unsafe-no-fsync --log-level warn \
  > "$D/etcd.log" 2>&1 &
echo $! > "$D/etcd.pid"
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$ETCD_PORT/health" >/dev/null 2>&1 && break; sleep 0.1; done

"$CLUSTER_BIN/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" --secure-port="$API_PORT" \
  --token-auth-file="$D/tokens.csv" "${API_FLAGS[@]}" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$D/pki/sa.pub" --service-account-signing-key-file="$D/pki/sa.key" \
  --service-cluster-ip-range="$SERVICE_CIDR" \
  --allow-privileged=true --enable-priority-and-fairness=false \
  > "$D/kube-apiserver.log" 2>&1 &
echo $! > "$D/kube-apiserver.pid"

cat > "$KC" <<KCEOF
apiVersion: v1
kind: Config
clusters:
- name: kubewise-e2e
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority: $CA_FILE
users:
- name: kubewise-e2e-admin
  user:
    token: $TOKEN
contexts:
- name: kubewise-e2e
  context: { cluster: kubewise-e2e, user: kubewise-e2e-admin, namespace: default }
current-context: kubewise-e2e
KCEOF
chmod 600 "$KC"

for _ in $(seq 1 600); do ready && break; alive kube-apiserver || break; sleep 0.1; done
if ! ready; then echo "kube-apiserver did not become ready; see $D/kube-apiserver.log" >&2; tail -20 "$D/kube-apiserver.log" >&2; exit 1; fi

# deployment/replicaset: rollouts; namespace/garbagecollector: deletion; disruption: PDB status;
# node mode adds what pods on a real node need (service accounts, kube-root-ca.crt, endpoints)
"$CLUSTER_BIN/kube-controller-manager" --kubeconfig="$KC" --leader-elect=false --secure-port=0 \
  "${KCM_FLAGS[@]}" > "$D/kube-controller-manager.log" 2>&1 &
echo $! > "$D/kube-controller-manager.pid"
echo "control plane ready in $(( ($(date +%s%N) - T0) / 1000000 )) ms: KUBECONFIG=$KC" >&2
[ "$NODE" = 1 ] && "$HERE/node.sh" "$D" "$KC"
echo "$KC"
