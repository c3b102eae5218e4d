// Command coredns is CoreDNS with only the plugins the cluster's Corefile uses.
//
// Upstream's own main imports every plugin it ships, which drags in the SDKs of
// three clouds, etcd and dnstap; none of them serve a single-node test cluster,
// and all of them lengthen the build. CoreDNS documents selecting plugins at
// compile time (its plugin.cfg); this file is that selection, written as Go so
// the wrapper module can stay a plain `go build`.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/metrics"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
	_ "github.com/coredns/coredns/plugin/template"
)

// directives keeps upstream's execution order (core/dnsserver/zdirectives.go)
// for the plugins linked in above; a plugin's place in this list, not in the
// Corefile, decides when it sees a query.
var directives = []string{
	"reload",
	"ready",
	"health",
	"prometheus",
	"errors",
	"log",
	"loadbalance",
	"cache",
	"template",
	"kubernetes",
}

func main() {
	dnsserver.Directives = directives
	coremain.Run()
}
