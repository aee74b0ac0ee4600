#!/usr/bin/env bash
# Starts etcd + kube-apiserver + kube-controller-manager on 127.0.0.1 with a static admin token
# and writes a kubeconfig. Idempotent: a healthy running cluster in $KUBEWISE_CLUSTER_DIR is reused.
#   KUBEWISE_CLUSTER_DIR  state dir (default /tmp/kubewise-cluster): kubeconfig, logs, pids
# Prints the kubeconfig path on the last line of stdout.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.sh
. "$HERE/versions.sh"
D=${KUBEWISE_CLUSTER_DIR:-/tmp/kubewise-cluster}
KC=$D/kubeconfig
for b in etcd kube-apiserver kube-controller-manager; do
  [ -x "$CLUSTER_BIN/$b" ] || { echo "missing $CLUSTER_BIN/$b: run scripts/cluster/build.sh" >&2; exit 1; }
done

alive() { [ -f "$D/$1.pid" ] && kill -0 "$(cat "$D/$1.pid")" 2>/dev/null; }
ready() { curl -sfk --max-time 2 -H "Authorization: Bearer $(cat "$D/token")" "https://127.0.0.1:$(cat "$D/apiserver.port")/readyz" >/dev/null 2>&1; }
if alive etcd && alive kube-apiserver && ready; then echo "reusing running cluster in $D" >&2; echo "$KC"; exit 0; fi
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

"$CLUSTER_BIN/etcd" --name kubewise-e2e --data-dir "$DATA" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$PEER_PORT" \
  --initial-cluster "kubewise-e2e=http://127.0.0.1:$PEER_PORT" --unsafe-no-fsync --log-level warn \
  > "$D/etcd.log" 2>&1 &
echo $! > "$D/etcd.pid"
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$ETCD_PORT/health" >/dev/null 2>&1 && break; sleep 0.1; done

"$CLUSTER_BIN/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" \
  --cert-dir="$D/pki" --token-auth-file="$D/tokens.csv" --authorization-mode=RBAC \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$D/pki/sa.pub" --service-account-signing-key-file="$D/pki/sa.key" \
  --service-cluster-ip-range=10.0.0.0/24 --disable-admission-plugins=ServiceAccount \
  --enable-admission-plugins=ValidatingAdmissionPolicy \
  --endpoint-reconciler-type=none --allow-privileged=true --enable-priority-and-fairness=false \
  > "$D/kube-apiserver.log" 2>&1 &
echo $! > "$D/kube-apiserver.pid"

cat > "$KC" <<KCEOF
apiVersion: v1
kind: Config
clusters:
- name: kubewise-e2e
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority: $D/pki/apiserver.crt
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

# deployment/replicaset: rollouts; namespace/garbagecollector: deletion; disruption: PDB status
"$CLUSTER_BIN/kube-controller-manager" --kubeconfig="$KC" --leader-elect=false --secure-port=0 \
  --controllers=deployment,replicaset,statefulset,daemonset,namespace,garbagecollector,disruption \
  > "$D/kube-controller-manager.log" 2>&1 &
echo $! > "$D/kube-controller-manager.pid"
echo "cluster ready in $(( ($(date +%s%N) - T0) / 1000000 )) ms: KUBECONFIG=$KC" >&2
echo "$KC"
