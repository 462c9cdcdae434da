package gateway

// remoteAddrKey holds a client address that replaces the connection's
// peer address for the rest of the request (realip, set by a trusted
// proxy's header). It lives in the per-request data until Ctx gets a
// field of its own.
var remoteAddrKey = NewCtxKey()

// SetRemoteAddr replaces the client address the request reports from now
// on: $remote_addr, $remote_port, allow/deny checks and the "client:" part
// of error-log lines. addr has the form of ConnInfo.RemoteAddr: "ip:port",
// "[ipv6]:port", "ip:" when the port is not known, or "unix:". The
// connection itself is not changed, so $realip_remote_addr and the next
// request on the same connection still see the peer address.
func (c *Ctx) SetRemoteAddr(addr string) { c.SetData(remoteAddrKey, addr) }

// RemoteAddr returns the client address of the request: the one set with
// SetRemoteAddr, else the connection's peer address (ConnInfo.RemoteAddr),
// "" when the request has no connection.
func (c *Ctx) RemoteAddr() string {
	if a, ok := c.Data(remoteAddrKey).(string); ok {
		return a
	}
	if c.Req == nil || c.Req.Conn == nil {
		return ""
	}
	return c.Req.Conn.RemoteAddr
}
