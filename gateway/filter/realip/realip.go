package realip

import (
	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/filter/access"
)

// Source says where a trusted proxy puts the client's address.
type Source uint8

// The sources real_ip_header can name.
const (
	// XRealIP is the first X-Real-IP header field (the default).
	XRealIP Source = iota
	// XForwardedFor is the X-Forwarded-For list, taken from its end; with
	// several fields, the last one (and, recursively, those before it).
	XForwardedFor
	// Header is the first field named Filter.Header.
	Header
	// ProxyProtocol is the source address of the PROXY protocol header
	// the connection started with.
	ProxyProtocol
)

// Filter replaces the request's client address (gateway.Ctx.RemoteAddr:
// $remote_addr, $remote_port, allow/deny) with the one a trusted proxy
// reports, when the connection comes from one of From. It runs once per
// request: in the post-read phase with the server's settings and, if the
// address was not replaced there, in the pre-access phase with the
// location's. The connection's own address stays available as
// $realip_remote_addr and $realip_remote_port. A Filter is immutable and
// safe for concurrent use.
type Filter struct {
	// From lists the trusted proxies; a proxy on a unix socket is
	// trusted through access.CIDR{Unix: true}.
	From []access.CIDR
	// Source says which header carries the address; Header names it for
	// the Header source.
	Source Source
	Header string
	// Recursive walks X-Forwarded-For from the end past every trusted
	// address and takes the first untrusted one; otherwise the last
	// address is taken.
	Recursive bool
}

// appliedKey marks a request whose address realip has replaced, so that
// it is replaced once only, internal redirects included.
var appliedKey = gateway.NewCtxKey()

// Handle replaces the client address when the request came through a
// trusted proxy. It always lets the request go on.
func (f *Filter) Handle(c *gateway.Ctx) gateway.Result {
	if len(f.From) == 0 || c.Data(appliedKey) != nil {
		return gateway.Continue
	}
	h := &c.Req.Header
	var (
		values []string // the header fields, in order
		value  string
		ok     bool
		ppPort uint16
	)
	switch f.Source {
	case XRealIP:
		value, ok = h.Lookup("X-Real-IP")
	case XForwardedFor:
		values = h.Values("X-Forwarded-For")
		ok = len(values) > 0
	case Header:
		value, ok = h.Lookup(f.Header)
	case ProxyProtocol:
		value, ppPort, ok = proxyProtocolSource(c)
	}
	if !ok {
		return gateway.Continue
	}
	if values == nil {
		values = []string{value}
	}
	cur, ok := access.ParseRemote(c.RemoteAddr())
	if !ok {
		return gateway.Continue
	}
	addr, ok := forwardedAddr(cur, values, f.From, f.Recursive)
	if !ok {
		return gateway.Continue
	}
	if f.Source == ProxyProtocol {
		addr.Port = ppPort
	}
	c.SetRemoteAddr(addr.Remote())
	c.SetData(appliedKey, true)
	return gateway.Continue
}

// trusted reports whether a is one of the proxies.
func trusted(a access.Addr, from []access.CIDR) bool {
	for _, n := range from {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// Outcomes of forwardedIn, as nginx's ngx_http_get_forwarded_addr: no
// address taken, the chain walked to its start, or stopped early at an
// untrusted or unreadable entry after taking at least one address.
const (
	declined = iota
	walked
	stopped
)

// forwardedAddr returns the client address the header fields give when
// the connection's address addr is trusted: it reads the fields from the
// last to the first when recursive, the last one only otherwise.
func forwardedAddr(addr access.Addr, fields []string, from []access.CIDR, recursive bool) (access.Addr, bool) {
	rc := declined
	found := false
	for i := len(fields) - 1; i >= 0; i-- {
		addr, rc = forwardedIn(addr, fields[i], from, recursive)
		if !recursive {
			break
		}
		if rc == declined && found {
			rc = stopped
			break
		}
		if rc != walked {
			break
		}
		found = true
	}
	return addr, rc != declined
}

// forwardedIn reads a comma- or space-separated address list from its
// end: while the current address is a trusted proxy, the entry before it
// becomes the client (only the last entry unless recursive). It follows
// nginx's ngx_http_get_forwarded_addr_internal, corner cases included.
func forwardedIn(addr access.Addr, list string, from []access.CIDR, recursive bool) (access.Addr, int) {
	found := false
	n := len(list) // the entries not yet read are list[:n]
	for trusted(addr, from) && n > 0 {
		p := n - 1
		for p > 0 && isSep(list[p]) {
			p--
		}
		end := p + 1
		for p > 0 {
			if isSep(list[p]) {
				p++
				break
			}
			p--
		}
		next, ok := access.ParseAddrPort(list[p:end])
		if !ok {
			break
		}
		addr, found = next, true
		if !recursive || p == 0 {
			return addr, walked
		}
		n = p - 1
	}
	if found {
		return addr, stopped
	}
	return addr, declined
}

func isSep(b byte) bool { return b == ' ' || b == ',' }

// proxyProtocolSource returns the client address and port of the PROXY
// protocol header. The engines do not report it on gateway.ConnInfo yet,
// so "real_ip_header proxy_protocol" leaves the address unchanged.
func proxyProtocolSource(c *gateway.Ctx) (addr string, port uint16, ok bool) {
	return "", 0, false
}
