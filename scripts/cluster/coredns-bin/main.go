// CoreDNS for the suite's real node, with only the plugins its Corefile uses (node.sh): the
// cluster's Service and pod names from the API server (kubernetes), nothing forwarded upstream.
// The same build as upstream's coredns.go, minus core/plugin's import of every plugin.
package main

import (
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/ready"
)

func main() {
	coremain.Run()
}
