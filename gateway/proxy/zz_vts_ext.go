package proxy

// Additions made for telemetry/vts (per-peer counters need the upstream a
// request was proxied to); the proxy owner may fold them into exchange.go.

import (
	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/upstream"
)

// UpstreamOf returns the upstream the request was last proxied to: the
// upstream{} block or the implicit upstream of the proxy_pass target. It
// returns nil when the request was not proxied.
func UpstreamOf(c *gateway.Ctx) *upstream.Upstream {
	rd, ok := c.Data(dataKey).(*reqData)
	if !ok || rd.tgt == nil {
		return nil
	}
	return rd.tgt.up
}
