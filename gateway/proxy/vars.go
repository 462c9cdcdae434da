package proxy

import (
	"strconv"
	"strings"

	"github.com/gonjet/gonjet/gateway"
)

// The proxy module's variables, as nginx's ngx_http_proxy_vars.
func init() {
	gateway.RegisterVar(gateway.Var{Name: "proxy_host", NoCache: true, Get: func(c *gateway.Ctx) (string, bool) {
		rd, ok := c.Data(dataKey).(*reqData)
		if !ok || rd.tgt == nil {
			return "", false
		}
		return rd.tgt.hostHeader, true
	}})
	gateway.RegisterVar(gateway.Var{Name: "proxy_port", NoCache: true, Get: func(c *gateway.Ctx) (string, bool) {
		rd, ok := c.Data(dataKey).(*reqData)
		if !ok || rd.tgt == nil {
			return "", false
		}
		return rd.tgt.port, true
	}})
	gateway.RegisterVar(gateway.Var{Name: "proxy_add_x_forwarded_for", Get: addXForwardedFor})
	gateway.RegisterVar(gateway.Var{Name: "proxy_internal_body_length", NoCache: true, Get: func(c *gateway.Ctx) (string, bool) {
		rd, ok := c.Data(dataKey).(*reqData)
		if !ok || rd.bodyLength < 0 {
			return "", false
		}
		return strconv.FormatInt(rd.bodyLength, 10), true
	}})
	gateway.RegisterVar(gateway.Var{Name: "proxy_internal_chunked", NoCache: true, Get: func(c *gateway.Ctx) (string, bool) {
		rd, ok := c.Data(dataKey).(*reqData)
		if !ok || !rd.chunked {
			return "", false
		}
		return "chunked", true
	}})
}

// addXForwardedFor is $proxy_add_x_forwarded_for: the client's
// X-Forwarded-For values followed by the client address.
func addXForwardedFor(c *gateway.Ctx) (string, bool) {
	// $remote_addr, so that realip's address is the one added
	addr, _ := c.VarByName("remote_addr")
	if c.Req == nil {
		return addr, true
	}
	var b strings.Builder
	for _, f := range c.Req.Header.Fields() {
		if eqFold(f.Name, "X-Forwarded-For") {
			b.WriteString(f.Value)
			b.WriteString(", ")
		}
	}
	if b.Len() == 0 {
		return addr, true
	}
	b.WriteString(addr)
	return b.String(), true
}
