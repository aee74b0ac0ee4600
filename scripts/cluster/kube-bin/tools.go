//go:build tools

// Package tools pins the Kubernetes commands this wrapper module builds: the control plane, and
// the node (kubelet, kube-proxy) plus kube-scheduler for the suite's real node.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
