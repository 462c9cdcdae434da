package access

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
)

// Addr is a client address as allow/deny rules (and realip) see it.
type Addr struct {
	// IP is the address; the zero Addr for clients on unix-domain
	// sockets.
	IP netip.Addr
	// Port is the client port, 0 when not known.
	Port uint16
	// Unix is true for clients on a unix-domain socket.
	Unix bool
}

// ParseRemote reads a client address in the form of
// gateway.ConnInfo.RemoteAddr and gateway.Ctx.RemoteAddr: "ip:port",
// "[ipv6]:port", "ip:" or "ip" without a port, or "unix:..." for unix
// sockets. A zone ("%eth0") is dropped.
func ParseRemote(s string) (Addr, bool) {
	if strings.HasPrefix(s, "unix:") {
		return Addr{Unix: true}, true
	}
	host, port := s, ""
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return Addr{}, false
		}
		host = s[1:end]
		rest := s[end+1:]
		if rest != "" {
			if rest[0] != ':' {
				return Addr{}, false
			}
			port = rest[1:]
		}
	} else if i := strings.LastIndexByte(s, ':'); i >= 0 && strings.IndexByte(s, ':') == i {
		host, port = s[:i], s[i+1:]
	}
	if z := strings.IndexByte(host, '%'); z >= 0 {
		host = host[:z]
	}
	ip, ok := ParseIP(host)
	if !ok {
		return Addr{}, false
	}
	a := Addr{IP: ip}
	if port != "" {
		p, err := strconv.ParseUint(port, 10, 16)
		if err != nil {
			return Addr{}, false
		}
		a.Port = uint16(p)
	}
	return a, true
}

// ParseIP reads an IPv4 or IPv6 address the way nginx does (dotted quads
// with leading zeros are accepted, zones are not).
func ParseIP(s string) (netip.Addr, bool) {
	if v, ok := parseInet4(s); ok {
		return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
	}
	if b, ok := parseInet6(s); ok {
		return netip.AddrFrom16(b), true
	}
	return netip.Addr{}, false
}

// ParseAddrPort reads "ip", "ip:port" or "[ipv6]:port" as nginx reads the
// addresses of X-Forwarded-For and X-Real-IP: a port, when present, must
// be 1..65535.
func ParseAddrPort(s string) (Addr, bool) {
	if ip, ok := ParseIP(s); ok {
		return Addr{IP: ip}, true
	}
	host := s
	var portText string
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return Addr{}, false
		}
		if end == len(s)-1 {
			ip, ok := ParseIP(s[1:end])
			return Addr{IP: ip}, ok
		}
		if s[end+1] != ':' {
			return Addr{}, false
		}
		host, portText = s[1:end], s[end+2:]
	} else {
		i := strings.IndexByte(s, ':')
		if i < 0 {
			return Addr{}, false
		}
		host, portText = s[:i], s[i+1:]
	}
	port, ok := atoi(portText)
	if !ok || port < 1 || port > 65535 {
		return Addr{}, false
	}
	ip, ok := ParseIP(host)
	if !ok {
		return Addr{}, false
	}
	return Addr{IP: ip, Port: uint16(port)}, true
}

// String is the address as nginx prints $remote_addr: dotted IPv4,
// IPv6 without brackets, "unix:" for unix sockets.
func (a Addr) String() string {
	switch {
	case a.Unix:
		return "unix:"
	case a.IP.Is4():
		return a.IP.String()
	case a.IP.Is6():
		return formatInet6(a.IP.As16())
	}
	return ""
}

// Remote is the address in gateway.ConnInfo.RemoteAddr form, with an
// empty port when none is known: "192.0.2.1:", "[::1]:8080", "unix:".
func (a Addr) Remote() string {
	if a.Unix {
		return "unix:"
	}
	port := ""
	if a.Port != 0 {
		port = strconv.Itoa(int(a.Port))
	}
	if a.IP.Is6() {
		return "[" + a.String() + "]:" + port
	}
	return a.String() + ":" + port
}

// CIDR is an address range of an allow/deny or set_real_ip_from rule.
type CIDR struct {
	// Unix makes the range match clients on unix-domain sockets
	// ("unix:"); Prefix is then unused.
	Unix bool
	// Prefix is the range, its host bits cleared.
	Prefix netip.Prefix
}

// ErrInvalidCIDR is returned for text that is neither an address, a
// CIDR range nor "unix:".
var ErrInvalidCIDR = errors.New("invalid address or CIDR")

// ParseCIDR reads "unix:", an address ("10.0.0.1", "::1") or a range
// ("10.0.0.0/8", "2001:db8::/32") as nginx does. lowBits reports a range
// whose host bits were set ("10.0.0.1/8"): nginx warns "low address bits
// of ... are meaningless" and clears them, and so does ParseCIDR.
func ParseCIDR(s string) (c CIDR, lowBits bool, err error) {
	if s == "unix:" {
		return CIDR{Unix: true}, false, nil
	}
	addr, mask, hasMask := strings.Cut(s, "/")
	ip, ok := ParseIP(addr)
	if !ok {
		return CIDR{}, false, ErrInvalidCIDR
	}
	if !hasMask {
		return CIDR{Prefix: netip.PrefixFrom(ip, ip.BitLen())}, false, nil
	}
	bits, ok := atoi(mask)
	if !ok || bits > ip.BitLen() {
		return CIDR{}, false, ErrInvalidCIDR
	}
	p := netip.PrefixFrom(ip, bits)
	m := p.Masked()
	return CIDR{Prefix: m}, m.Addr() != ip, nil
}

// Contains reports whether the range holds a. IPv4-mapped IPv6 clients
// ("::ffff:192.0.2.1") are matched as IPv4, as nginx does.
func (c CIDR) Contains(a Addr) bool {
	if c.Unix || a.Unix {
		return c.Unix && a.Unix
	}
	ip := a.IP
	if ip.Is4In6() {
		ip = ip.Unmap()
	}
	return c.Prefix.Contains(ip)
}

// String is the range as written in nginx notation.
func (c CIDR) String() string {
	if c.Unix {
		return "unix:"
	}
	if c.Prefix.Addr().Is6() {
		return formatInet6(c.Prefix.Addr().As16()) + "/" + strconv.Itoa(c.Prefix.Bits())
	}
	return c.Prefix.String()
}

// atoi is nginx's ngx_atoi: decimal digits only, no sign, not empty.
func atoi(s string) (int, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// parseInet4 reads a dotted quad as nginx's ngx_inet_addr: exactly four
// decimal octets of at most 255 (empty octets count as 0).
func parseInet4(s string) (uint32, bool) {
	var addr, octet uint32
	dots := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			octet = octet*10 + uint32(c-'0')
			if octet > 255 {
				return 0, false
			}
		case c == '.':
			addr = addr<<8 + octet
			octet = 0
			dots++
		default:
			return 0, false
		}
	}
	if dots != 3 {
		return 0, false
	}
	return addr<<8 + octet, true
}

// parseInet6 reads an IPv6 address as nginx's ngx_inet6_addr, including
// a trailing dotted IPv4 part ("::ffff:192.0.2.1").
func parseInet6(s string) ([16]byte, bool) {
	var out [16]byte
	if s == "" {
		return out, false
	}
	w := 0       // next byte of out to write
	zero := -1   // where "::" stands in out
	digit := -1  // start in s of the group being read
	nibbles := 0 // hex digits in the current group
	word := 0    // value of the current group
	groups := 8  // groups still to write
	i := 0
	if s[0] == ':' {
		i = 1
	}
	for ; i < len(s); i++ {
		c := s[i]
		if c == ':' {
			if nibbles > 0 {
				digit = i + 1
				out[w], out[w+1] = byte(word>>8), byte(word)
				w += 2
				groups--
				if groups > 0 {
					nibbles, word = 0, 0
					continue
				}
			} else if zero < 0 {
				digit = i + 1
				zero = w
				continue
			}
			return out, false
		}
		if c == '.' && nibbles > 0 {
			if groups < 2 || digit < 0 {
				return out, false
			}
			v4, ok := parseInet4(s[digit:])
			if !ok {
				return out, false
			}
			out[w], out[w+1] = byte(v4>>24), byte(v4>>16)
			w += 2
			groups--
			word = int(v4 & 0xffff)
			nibbles = 1
			break
		}
		nibbles++
		if nibbles > 4 {
			return out, false
		}
		switch {
		case c >= '0' && c <= '9':
			word = word*16 + int(c-'0')
		case c|0x20 >= 'a' && c|0x20 <= 'f':
			word = word*16 + int(c|0x20-'a') + 10
		default:
			return out, false
		}
	}
	if nibbles == 0 && zero < 0 {
		return out, false
	}
	out[w], out[w+1] = byte(word>>8), byte(word)
	w += 2
	groups--
	if groups > 0 {
		if zero < 0 {
			return out, false
		}
		gap := groups * 2
		copy(out[zero+gap:], out[zero:w])
		clear(out[zero : zero+gap])
		return out, true
	}
	return out, zero < 0
}

// formatInet6 prints an IPv6 address as nginx's ngx_inet6_ntop: the
// longest run of two or more zero groups becomes "::", and mapped or
// compatible IPv4 addresses end in dotted form.
func formatInet6(p [16]byte) string {
	zero, last, maxRun, run := -1, -1, 1, 0
	for i := 0; i < 16; i += 2 {
		if p[i] != 0 || p[i+1] != 0 {
			if maxRun < run {
				zero, maxRun = last, run
			}
			run = 0
			continue
		}
		if run == 0 {
			last = i
		}
		run++
	}
	if maxRun < run {
		zero, maxRun = last, run
	}
	var b strings.Builder
	n := 16
	if zero == 0 {
		if maxRun == 5 && p[10] == 0xff && p[11] == 0xff || maxRun == 6 || maxRun == 7 && p[14] != 0 && p[15] != 1 {
			n = 12
		}
		b.WriteByte(':')
	}
	for i := 0; i < n; i += 2 {
		if i == zero {
			b.WriteByte(':')
			i += (maxRun - 1) * 2
			continue
		}
		b.WriteString(strconv.FormatUint(uint64(p[i])<<8|uint64(p[i+1]), 16))
		if i < 14 {
			b.WriteByte(':')
		}
	}
	if n == 12 {
		for i := 12; i < 16; i++ {
			b.WriteString(strconv.Itoa(int(p[i])))
			if i < 15 {
				b.WriteByte('.')
			}
		}
	}
	return b.String()
}
