package upstream

// Additions made for telemetry/vts (the traffic status page lists every
// upstream{} block with all its peers); the upstream owner may fold them
// into directives.go.

import (
	"sort"

	"github.com/gonjet/gonjet/gateway"
)

// Blocks returns the upstream{} blocks of a configuration built from
// njet.conf, sorted by name; implicit upstreams of "proxy_pass
// http://host:port" are not among them. It returns nil for a
// configuration built by hand.
func Blocks(cfg *gateway.Config) []*Upstream {
	if cfg == nil {
		return nil
	}
	r, _ := cfg.Ext[extKey].(*registry)
	if r == nil {
		return nil
	}
	out := make([]*Upstream, 0, len(r.byName))
	for _, u := range r.byName {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}
