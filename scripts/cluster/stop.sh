#!/usr/bin/env bash
# Stops the processes started by start.sh (by their recorded PIDs only) and removes the state.
set -uo pipefail
D=${KUBEWISE_CLUSTER_DIR:-/tmp/kubewise-cluster}
[ -d "$D" ] || exit 0
for p in kube-controller-manager kube-apiserver etcd; do
  f=$D/$p.pid; [ -f "$f" ] || continue
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$f"
done
[ -f "$D/etcd.data" ] && rm -rf "$(cat "$D/etcd.data")"
rm -rf "$D"
echo "stopped"
