package realip

import (
	"strconv"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/filter/access"
)

// The connection's own client address, whatever realip made of the
// request's: realip never changes gateway.ConnInfo.
func init() {
	gateway.RegisterVar(gateway.Var{Name: "realip_remote_addr", Get: func(c *gateway.Ctx) (string, bool) {
		a, ok := connAddr(c)
		if !ok {
			return "", c.Req != nil && c.Req.Conn != nil
		}
		return a.String(), true
	}})
	gateway.RegisterVar(gateway.Var{Name: "realip_remote_port", Get: func(c *gateway.Ctx) (string, bool) {
		a, ok := connAddr(c)
		if !ok || a.Port == 0 {
			return "", true
		}
		return strconv.Itoa(int(a.Port)), true
	}})
}

func connAddr(c *gateway.Ctx) (access.Addr, bool) {
	if c.Req == nil || c.Req.Conn == nil {
		return access.Addr{}, false
	}
	return access.ParseRemote(c.Req.Conn.RemoteAddr)
}
