package upstream

import (
	"context"
	"errors"
	"net/netip"
	"strconv"
	"strings"
)

var (
	errInvalidHost = errors.New("invalid host")
	errInvalidPort = errors.New("invalid port")
	errNoHost      = errors.New("no host")
)

// endpoint is one resolved address of a server line.
type endpoint struct {
	network string // "tcp" or "unix"
	dial    string // address for net.Dial
	name    string // nginx's printable form, shown in $upstream_addr
}

// maxUnixPath is sizeof(sun_path) on Linux, including the trailing NUL.
const maxUnixPath = 108

// resolveServer turns a server address into endpoints the way nginx's
// ngx_parse_url does for the "server" directive (default port 80, no URI
// part, host names resolved once). Errors read like nginx's:
// `host not found in upstream "foo:80"`.
func resolveServer(ctx context.Context, r Resolver, addr string) ([]endpoint, error) {
	eps, err := parseServerAddr(ctx, r, addr)
	if err != nil {
		return nil, errors.New(err.Error() + ` in upstream "` + addr + `"`)
	}
	return eps, nil
}

func parseServerAddr(ctx context.Context, r Resolver, addr string) ([]endpoint, error) {
	if len(addr) >= 5 && strings.EqualFold(addr[:5], "unix:") {
		path := addr[5:]
		if path == "" {
			return nil, errors.New("no path in the unix domain socket")
		}
		if len(path)+1 > maxUnixPath {
			return nil, errors.New("too long path in the unix domain socket")
		}
		return []endpoint{{network: "unix", dial: path, name: addr}}, nil
	}
	if addr != "" && addr[0] == '[' {
		return parseInet6(addr)
	}
	return parseInet(ctx, r, addr)
}

func parseInet6(addr string) ([]endpoint, error) {
	end := strings.IndexByte(addr, ']')
	if end < 0 {
		return nil, errInvalidHost
	}
	host, rest := addr[1:end], addr[end+1:]
	if strings.IndexByte(rest, '/') >= 0 {
		return nil, errInvalidHost
	}
	port := 80
	if rest != "" {
		if rest[0] != ':' {
			return nil, errInvalidHost
		}
		p, ok := parsePort(rest[1:])
		if !ok {
			return nil, errInvalidPort
		}
		port = p
	}
	if host == "" {
		return nil, errNoHost
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Is6() || ip.Zone() != "" {
		return nil, errors.New("invalid IPv6 address")
	}
	return []endpoint{inetEndpoint(ip, port)}, nil
}

func parseInet(ctx context.Context, r Resolver, addr string) ([]endpoint, error) {
	if strings.ContainsAny(addr, "/?") {
		// nginx parses these as a URI part, which "server" does not allow.
		return nil, errInvalidHost
	}
	host, port := addr, 80
	if i := strings.IndexByte(addr, ':'); i >= 0 {
		p, ok := parsePort(addr[i+1:])
		if !ok {
			return nil, errInvalidPort
		}
		host, port = addr[:i], p
	}
	if host == "" {
		return nil, errNoHost
	}
	if ip, ok := parseIPv4(host); ok {
		return []endpoint{inetEndpoint(ip, port)}, nil
	}
	ips, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil || len(ips) == 0 {
		return nil, errors.New("host not found")
	}
	eps := make([]endpoint, 0, len(ips))
	for _, ip := range ips {
		eps = append(eps, inetEndpoint(ip.Unmap().WithZone(""), port))
	}
	return eps, nil
}

// parsePort accepts what nginx's ngx_atoi accepts (digits only) in 1..65535.
func parsePort(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
		if n > 65535 {
			return 0, false
		}
	}
	return n, n >= 1
}

// parseIPv4 is nginx's ngx_inet_addr: four dot-separated decimal octets,
// leading zeros allowed. Anything else is treated as a host name.
func parseIPv4(s string) (netip.Addr, bool) {
	var b [4]byte
	octet, n := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			octet = octet*10 + int(c-'0')
			if octet > 255 {
				return netip.Addr{}, false
			}
		case c == '.':
			if n == 3 {
				return netip.Addr{}, false
			}
			b[n] = byte(octet)
			octet = 0
			n++
		default:
			return netip.Addr{}, false
		}
	}
	if n != 3 {
		return netip.Addr{}, false
	}
	b[3] = byte(octet)
	return netip.AddrFrom4(b), true
}

func inetEndpoint(ip netip.Addr, port int) endpoint {
	p := strconv.Itoa(port)
	dial := netip.AddrPortFrom(ip, uint16(port)).String()
	if ip.Is4() {
		return endpoint{network: "tcp", dial: dial, name: ip.String() + ":" + p}
	}
	return endpoint{network: "tcp", dial: dial, name: "[" + formatIPv6(ip.As16()) + "]:" + p}
}

// formatIPv6 prints an IPv6 address the way nginx's ngx_inet6_ntop does, so
// that peer names match $upstream_addr of nginx byte for byte: the longest
// run of two or more zero groups becomes "::", and IPv4-mapped or
// IPv4-compatible addresses end in dotted decimal.
func formatIPv6(p [16]byte) string {
	zero, last, max, n := -1, -1, 1, 0
	for i := 0; i < 16; i += 2 {
		if p[i] != 0 || p[i+1] != 0 {
			if max < n {
				zero, max = last, n
			}
			n = 0
			continue
		}
		if n == 0 {
			last = i
		}
		n++
	}
	if max < n {
		zero, max = last, n
	}

	buf := make([]byte, 0, 46)
	end := 16
	if zero == 0 {
		if (max == 5 && p[10] == 0xff && p[11] == 0xff) || max == 6 ||
			(max == 7 && p[14] != 0 && p[15] != 1) {
			end = 12
		}
		buf = append(buf, ':')
	}
	for i := 0; i < end; i += 2 {
		if i == zero {
			buf = append(buf, ':')
			i += (max - 1) * 2
			continue
		}
		buf = strconv.AppendUint(buf, uint64(p[i])<<8|uint64(p[i+1]), 16)
		if i < 14 {
			buf = append(buf, ':')
		}
	}
	if end == 12 {
		for i := 12; i < 16; i++ {
			buf = strconv.AppendUint(buf, uint64(p[i]), 10)
			if i < 15 {
				buf = append(buf, '.')
			}
		}
	}
	return string(buf)
}
