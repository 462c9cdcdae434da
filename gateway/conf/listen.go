package conf

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gonjet/gonjet/gateway"
)

// ListenOptions is the complete set of options of one listen socket, as
// nginx merges them from every listen directive naming the address:
// socket options may be given once per address, default_server once,
// and ssl/http2/proxy_protocol on any of them.
type ListenOptions struct {
	// Listen carries the key (Addr) and the options gateway.Listen has.
	gateway.Listen
	// Text is the address as nginx prints it in messages
	// ("0.0.0.0:80", "[::1]:8080", "unix:/tmp/s").
	Text string
	// RcvBuf and SndBuf are SO_RCVBUF/SO_SNDBUF sizes, -1 when not set.
	RcvBuf, SndBuf int
	// Deferred asks for TCP_DEFER_ACCEPT.
	Deferred bool
	// AcceptFilter is the BSD accept filter name (ignored on Linux).
	AcceptFilter string
	// SoKeepalive: 0 not set, 1 on, 2 off; KeepIdle, KeepIntvl and KeepCnt
	// are the TCP_KEEP* values of "so_keepalive=idle:intvl:cnt".
	SoKeepalive int
	KeepIdle    time.Duration
	KeepIntvl   time.Duration
	KeepCnt     int
	// IPv6Only is IPV6_V6ONLY, on by default.
	IPv6Only bool
	// FastOpen is the TCP_FASTOPEN queue length, -1 when not set.
	FastOpen int
	// SetFib is FreeBSD's SO_SETFIB, -1 when not set.
	SetFib int
	// Multipath asks for MPTCP.
	Multipath bool
	// QUIC marks an HTTP/3 (UDP) socket.
	QUIC bool

	set     bool // a socket option was given: the options are fixed
	servers []*gateway.Server
}

// listenBacklog is nginx's NGX_LISTEN_BACKLOG on Linux.
const listenBacklog = 511

// listenTable collects the listen sockets of the http{} block to apply
// nginx's checks across servers.
type listenTable struct {
	byKey map[string]*ListenOptions
	order []string
}

func newListenTable() *listenTable { return &listenTable{byKey: map[string]*ListenOptions{}} }

// tableKey keeps HTTP/3 sockets apart from TCP ones on the same address.
func tableKey(o *ListenOptions) string {
	if o.QUIC {
		return "quic " + o.Addr
	}
	return o.Addr
}

// add registers one address of a listen directive for srv, with
// ngx_http_add_addresses' errors.
func (t *listenTable) add(n *Node, srv *gateway.Server, o *ListenOptions) error {
	key := tableKey(o)
	cur, ok := t.byKey[key]
	if !ok {
		c := *o
		c.servers = []*gateway.Server{srv}
		t.byKey[key] = &c
		t.order = append(t.order, key)
		return nil
	}
	for _, s := range cur.servers {
		if s == srv {
			return Errorf(n, "a duplicate listen %s", cur.Text)
		}
	}
	cur.servers = append(cur.servers, srv)
	def := cur.DefaultServer
	ssl := cur.SSL || o.SSL
	h2 := cur.HTTP2 || o.HTTP2
	pp := cur.ProxyProtocol || o.ProxyProtocol
	if o.set {
		if cur.set {
			return Errorf(n, "duplicate listen options for %s", cur.Text)
		}
		servers := cur.servers
		*cur = *o
		cur.servers = servers
	}
	if o.DefaultServer {
		if def {
			return Errorf(n, "a duplicate default server for %s", cur.Text)
		}
		def = true
	}
	cur.DefaultServer, cur.SSL, cur.HTTP2, cur.ProxyProtocol = def, ssl, h2, pp
	return nil
}

// urlAddr is one address a listen (or resolver) argument stands for.
type urlAddr struct {
	key  string // gateway form: "*:80", "1.2.3.4:80", "[::1]:80", "unix:/p"
	text string // nginx's printed form
}

// resolveHost is the name lookup used for host names in listen and
// resolver directives; tests replace it.
var resolveHost = defaultResolveHost

func defaultResolveHost(host string) ([]netip.Addr, error) {
	ips, err := net.DefaultResolver.LookupNetIP(context.Background(), "ip", host)
	if err != nil {
		return nil, err
	}
	// nginx lists IPv4 addresses first, then IPv6.
	var v4, v6 []netip.Addr
	for _, ip := range ips {
		ip = ip.Unmap()
		if ip.Is4() {
			v4 = append(v4, ip)
		} else {
			v6 = append(v6, ip)
		}
	}
	return append(v4, v6...), nil
}

// parseURL reads an address as ngx_parse_url does for listen (listen=true:
// a bare number is a port, "*" is every address, port ranges expand) or
// for resolver and upstream-like arguments. It returns nginx's reason on
// failure ("invalid port", "host not found", ...).
func parseURL(s string, listen bool, defPort int) ([]urlAddr, string) {
	if len(s) >= 5 && strings.EqualFold(s[:5], "unix:") {
		path := s[5:]
		if path == "" {
			return nil, "no path in the unix domain socket"
		}
		if len(path)+1 > 108 {
			return nil, "too long path in the unix domain socket"
		}
		return []urlAddr{{key: "unix:" + path, text: s}}, ""
	}
	if s != "" && s[0] == '[' {
		return parseURL6(s, listen, defPort)
	}
	if strings.ContainsAny(s, "/?") {
		return nil, "invalid host"
	}
	first, last := defPort, defPort
	host, portText, hasPort := strings.Cut(s, ":")
	if hasPort {
		var err string
		if first, last, err = parsePorts(portText, listen); err != "" {
			return nil, err
		}
	} else if listen {
		if addrs, err, isPort := barePort(s); isPort {
			return addrs, err
		}
	}
	if host == "" {
		return nil, "no host"
	}
	if listen && host == "*" {
		return expand(netip.Addr{}, true, first, last), ""
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.Is4() {
		return expand(ip, ip.IsUnspecified(), first, last), ""
	}
	ips, err := resolveHost(host)
	if err != nil || len(ips) == 0 {
		return nil, "host not found"
	}
	var out []urlAddr
	seen := map[string]bool{}
	for _, ip := range ips {
		for _, a := range expand(ip, ip.IsUnspecified() && ip.Is4(), first, last) {
			if !seen[a.key] {
				seen[a.key] = true
				out = append(out, a)
			}
		}
	}
	return out, ""
}

func parseURL6(s string, listen bool, defPort int) ([]urlAddr, string) {
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return nil, "invalid host"
	}
	rest := s[end+1:]
	if strings.IndexByte(rest, '/') >= 0 {
		return nil, "invalid host"
	}
	first, last := defPort, defPort
	if rest != "" {
		if rest[0] != ':' {
			return nil, "invalid host"
		}
		var err string
		if first, last, err = parsePorts(rest[1:], listen); err != "" {
			return nil, err
		}
	}
	host := s[1:end]
	if host == "" {
		return nil, "no host"
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Is6() || ip.Zone() != "" {
		return nil, "invalid IPv6 address"
	}
	return expand(ip, false, first, last), ""
}

// barePort reads a listen argument without a colon as a port (or port
// range) on every address; isPort is false when it is a host name.
func barePort(s string) (addrs []urlAddr, reason string, isPort bool) {
	portText, lastText, hasDash := strings.Cut(s, "-")
	last := 0
	if hasDash {
		l, err := atoi(lastText)
		if err != nil {
			return nil, "", false
		}
		if l < 1 || l > 65535 {
			reason = "invalid port"
		} else {
			last = int(l)
		}
	}
	n, err := atoi(portText)
	if err != nil {
		return nil, "", false
	}
	switch {
	case reason != "":
		return nil, reason, true
	case n < 1 || n > 65535:
		return nil, "invalid port", true
	case last != 0 && int(n) > last:
		return nil, "invalid port range", true
	case last == 0:
		last = int(n)
	}
	return expand(netip.Addr{}, true, int(n), last), "", true
}

// parsePorts reads "80" or, for listen, a range "8000-8010".
func parsePorts(s string, listen bool) (first, last int, reason string) {
	lastText, hasDash := "", false
	if listen {
		s, lastText, hasDash = strings.Cut(s, "-")
	}
	n, err := atoi(s)
	if hasDash {
		l, lerr := atoi(lastText)
		if lerr != nil || l < 1 || l > 65535 {
			return 0, 0, "invalid port"
		}
		last = int(l)
	}
	if err != nil || n < 1 || n > 65535 {
		return 0, 0, "invalid port"
	}
	first = int(n)
	if !hasDash {
		last = first
	} else if first > last {
		return 0, 0, "invalid port range"
	}
	return first, last, ""
}

// expand lists the addresses of ip (or every IPv4 address when wildcard)
// for the ports first..last.
func expand(ip netip.Addr, wildcard bool, first, last int) []urlAddr {
	var out []urlAddr
	for p := first; p <= last; p++ {
		port := strconv.Itoa(p)
		switch {
		case wildcard:
			out = append(out, urlAddr{key: "*:" + port, text: "0.0.0.0:" + port})
		case ip.Is4():
			out = append(out, urlAddr{key: ip.String() + ":" + port, text: ip.String() + ":" + port})
		default:
			a := "[" + ip.String() + "]:" + port
			out = append(out, urlAddr{key: a, text: a})
		}
	}
	return out
}

// setListen is the "listen" directive of a server.
func setListen(bl *Block, n *Node) error {
	srv := bl.Server
	addrs, reason := parseURL(n.Args[0], true, 80)
	if reason != "" {
		return Errorf(n, "%s in \"%s\" of the \"listen\" directive", reason, n.Args[0])
	}
	o := &ListenOptions{RcvBuf: -1, SndBuf: -1, FastOpen: -1, SetFib: -1, IPv6Only: true}
	o.Backlog = listenBacklog
	backlog := false
	for _, a := range n.Args[1:] {
		opt, val, hasVal := strings.Cut(a, "=")
		switch {
		case a == "default_server" || a == "default":
			o.DefaultServer = true
		case a == "bind":
			o.set, o.Bind = true, true
		case hasVal && opt == "setfib":
			v, err := atoi(val)
			if err != nil {
				return Errorf(n, "invalid setfib \"%s\"", a)
			}
			o.SetFib, o.set, o.Bind = int(v), true, true
		case hasVal && opt == "fastopen":
			v, err := atoi(val)
			if err != nil {
				return Errorf(n, "invalid fastopen \"%s\"", a)
			}
			o.FastOpen, o.set, o.Bind = int(v), true, true
		case hasVal && opt == "backlog":
			v, err := atoi(val)
			if err != nil || v == 0 {
				return Errorf(n, "invalid backlog \"%s\"", a)
			}
			o.Backlog, o.set, o.Bind, backlog = int(v), true, true, true
		case hasVal && (opt == "rcvbuf" || opt == "sndbuf"):
			v, err := ParseSize(val)
			if err != nil {
				return Errorf(n, "invalid %s \"%s\"", opt, a)
			}
			if opt == "rcvbuf" {
				o.RcvBuf = int(v)
			} else {
				o.SndBuf = int(v)
			}
			o.set, o.Bind = true, true
		case hasVal && opt == "accept_filter":
			o.AcceptFilter = val
			bl.B.Warnf(n, "accept filters \"%s\" are not supported on this platform, ignored", a)
		case a == "deferred":
			o.Deferred, o.set, o.Bind = true, true, true
		case strings.HasPrefix(a, "ipv6only=o"):
			switch a[len("ipv6only=o"):] {
			case "n":
				o.IPv6Only = true
			case "ff":
				o.IPv6Only = false
			default:
				return Errorf(n, "invalid ipv6only flags \"%s\"", a[len("ipv6only="):])
			}
			o.set, o.Bind = true, true
		case a == "reuseport":
			o.ReusePort, o.set, o.Bind = true, true, true
		case a == "multipath":
			o.Multipath, o.set, o.Bind = true, true, true
		case a == "ssl":
			o.SSL = true
		case a == "http2":
			bl.B.Warnf(n, "the \"listen ... http2\" directive is deprecated, use the \"http2\" directive instead")
			o.HTTP2 = true
		case a == "quic":
			o.QUIC = true
		case hasVal && opt == "so_keepalive":
			if err := parseSoKeepalive(o, val); err != nil {
				return Errorf(n, "invalid so_keepalive value: \"%s\"", val)
			}
			o.set, o.Bind = true, true
		case a == "proxy_protocol":
			o.ProxyProtocol = true
		default:
			return Errorf(n, "invalid parameter \"%s\"", a)
		}
	}
	if o.QUIC {
		for _, c := range []struct {
			on   bool
			name string
		}{
			{o.FastOpen != -1, "fastopen"}, {backlog, "backlog"}, {o.AcceptFilter != "", "accept_filter"},
			{o.Deferred, "deferred"}, {o.Multipath, "multipath"}, {o.SSL, "ssl"}, {o.HTTP2, "http2"},
			{o.SoKeepalive != 0, "so_keepalive"}, {o.ProxyProtocol, "proxy_protocol"},
		} {
			if c.on {
				return DirectiveError(n, "\""+c.name+"\" parameter is incompatible with \"quic\"")
			}
		}
	}
	for _, a := range addrs {
		lo := *o
		lo.Addr, lo.Text = a.key, a.text
		if err := bl.B.listen.add(n, srv, &lo); err != nil {
			return err
		}
		if !lo.QUIC {
			// HTTP/3 sockets are kept in ListenOptions only until
			// gateway.Listen can tell UDP from TCP.
			srv.Listens = append(srv.Listens, lo.Listen)
		}
	}
	bl.B.extra.hasListen[srv] = true
	return nil
}

// parseSoKeepalive reads "on", "off" or "idle:intvl:cnt" with parts
// optional, as nginx on Linux.
func parseSoKeepalive(o *ListenOptions, v string) error {
	switch v {
	case "on":
		o.SoKeepalive = 1
		return nil
	case "off":
		o.SoKeepalive = 2
		return nil
	}
	parts := strings.SplitN(v, ":", 3)
	for len(parts) < 3 {
		parts = append(parts, "")
	}
	var err error
	if parts[0] != "" {
		if o.KeepIdle, err = ParseSeconds(parts[0]); err != nil {
			return err
		}
	}
	if parts[1] != "" {
		if o.KeepIntvl, err = ParseSeconds(parts[1]); err != nil {
			return err
		}
	}
	if parts[2] != "" {
		if o.KeepCnt, err = ParseNumber(parts[2]); err != nil {
			return err
		}
	}
	if o.KeepIdle == 0 && o.KeepIntvl == 0 && o.KeepCnt == 0 {
		return errInvalid
	}
	o.SoKeepalive = 1
	return nil
}

// defaultListen gives a server without listen directives nginx's
// "listen *:80" (or *:8000 when not running as root).
func defaultListen(b *Builder, n *Node, srv *gateway.Server) error {
	port := "80"
	if euid() != 0 {
		port = "8000"
	}
	o := &ListenOptions{RcvBuf: -1, SndBuf: -1, FastOpen: -1, SetFib: -1, IPv6Only: true, Text: "0.0.0.0:" + port}
	o.Addr, o.Backlog = "*:"+port, listenBacklog
	if err := b.listen.add(n, srv, o); err != nil {
		return err
	}
	srv.Listens = append(srv.Listens, o.Listen)
	return nil
}
