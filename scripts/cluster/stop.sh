#!/usr/bin/env bash
# Stops the processes started by start.sh (by their recorded PIDs only) and removes the state.
# With a node (start.sh --node): kubelet, kube-proxy and kube-scheduler stop first, then every pod
# container in containerd's k8s.io namespace is killed and removed, pod network namespaces and
# kube-proxy's rules are cleaned up, and containerd stops. Imported images stay in containerd's
# root (/var/lib/kubewise/containerd) for the next run.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.sh
. "$HERE/versions.sh"
# shellcheck source=node-env.sh
. "$HERE/node-env.sh"
D=${KUBEWISE_CLUSTER_DIR:-/tmp/kubewise-cluster}
[ -d "$D" ] || exit 0

stop_pid() {
  local f=$D/$1.pid pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$f"
}

for p in coredns kube-scheduler kube-proxy kubelet; do stop_pid "$p"; done
if [ -f "$D/containerd.pid" ]; then
  CTR=(ctr --address "$CONTAINERD_SOCK" -n k8s.io)
  for t in $("${CTR[@]}" tasks ls -q 2>/dev/null); do
    "${CTR[@]}" tasks kill -s SIGKILL "$t" >/dev/null 2>&1
  done
  for _ in $(seq 1 50); do
    [ -z "$("${CTR[@]}" tasks ls -q 2>/dev/null | while read -r t; do "${CTR[@]}" tasks ls 2>/dev/null | grep -w "$t" | grep -v STOPPED; done)" ] && break
    sleep 0.1
  done
  for t in $("${CTR[@]}" tasks ls -q 2>/dev/null); do "${CTR[@]}" tasks rm -f "$t" >/dev/null 2>&1; done
  for c in $("${CTR[@]}" containers ls -q 2>/dev/null); do "${CTR[@]}" containers rm "$c" >/dev/null 2>&1; done
  stop_pid containerd
  # volume mounts the kubelet left (projected tokens, emptyDirs), deepest first
  awk -v r="$KUBELET_ROOT/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount "$m" 2>/dev/null; done
  for ns in /var/run/netns/cni-*; do
    [ -e "$ns" ] || continue
    umount "$ns" 2>/dev/null; rm -f "$ns"
  done
  [ -x "$CLUSTER_BIN/kube-proxy" ] && "$CLUSTER_BIN/kube-proxy" --cleanup >/dev/null 2>&1
  iptables -D FORWARD -j KUBEWISE-NODE 2>/dev/null
  iptables -F KUBEWISE-NODE 2>/dev/null; iptables -X KUBEWISE-NODE 2>/dev/null
  ip link del "$NODE_BRIDGE" 2>/dev/null
  rm -f "$NODE_CNI_CONF_DIR/10-kubewise.conflist"
fi
for p in kube-controller-manager kube-apiserver etcd; do stop_pid "$p"; done
[ -f "$D/etcd.data" ] && rm -rf "$(cat "$D/etcd.data")"
rm -rf "$D"
echo "stopped"
