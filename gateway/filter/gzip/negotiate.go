package gzip

import (
	"regexp"
	"strings"
	"time"

	"github.com/gonjet/gonjet/gateway"
)

// Proxied is a set of conditions under which a request that came through
// a proxy (it carries a Via field) may get a compressed answer: nginx's
// gzip_proxied. The zero value means ProxiedOff, nginx's default.
type Proxied uint16

// The gzip_proxied conditions.
const (
	// ProxiedOff never compresses for proxied requests; it wins over the
	// other flags.
	ProxiedOff Proxied = 1 << iota
	// ProxiedExpired allows answers whose Expires lies before their Date
	// (or now). Without it, an answer with an Expires field is refused.
	ProxiedExpired
	// ProxiedNoCache, ProxiedNoStore and ProxiedPrivate allow answers
	// whose Cache-Control has that directive. Without a matching one, an
	// answer with a Cache-Control field is refused.
	ProxiedNoCache
	ProxiedNoStore
	ProxiedPrivate
	// ProxiedNoLastModified refuses answers that have a Last-Modified
	// field; ProxiedNoETag refuses answers that have an ETag.
	ProxiedNoLastModified
	ProxiedNoETag
	// ProxiedAuth allows requests with an Authorization field.
	ProxiedAuth
	// ProxiedAny allows every proxied request.
	ProxiedAny
)

// proxiedNames are the gzip_proxied keywords, in nginx's order.
var proxiedNames = [...]struct {
	name string
	bit  Proxied
}{
	{"off", ProxiedOff},
	{"expired", ProxiedExpired},
	{"no-cache", ProxiedNoCache},
	{"no-store", ProxiedNoStore},
	{"private", ProxiedPrivate},
	{"no_last_modified", ProxiedNoLastModified},
	{"no_etag", ProxiedNoETag},
	{"auth", ProxiedAuth},
	{"any", ProxiedAny},
}

// HTTP versions for Negotiation.MinHTTPVersion, as major*1000+minor.
const (
	HTTP10 = 1000
	HTTP11 = 1001
)

// Negotiation decides whether a client gets gzip-compressed content. It
// holds the settings nginx keeps in its core module because every
// producer of gzip content shares them: the gzip filter here, and
// handlers that serve precompressed files.
type Negotiation struct {
	// Vary adds "Vary: Accept-Encoding" to answers that could have been
	// compressed (gzip_vary).
	Vary bool
	// MinHTTPVersion is the lowest request version that gets compressed
	// answers: HTTP10 or HTTP11 (gzip_http_version). Zero means HTTP11.
	MinHTTPVersion int
	// Proxied says which requests with a Via field may get compressed
	// answers (gzip_proxied). Zero means ProxiedOff.
	Proxied Proxied
	// Disable lists User-Agent patterns that never get compressed
	// answers (gzip_disable); nginx compiles them case-insensitive.
	Disable []*regexp.Regexp
	// DisableMSIE6 refuses MSIE 4, 5 and 6 (but not 6 with SV1), the
	// gzip_disable "msie6" keyword.
	DisableMSIE6 bool
}

// OK reports whether the request's client gets a gzip-compressed answer,
// judged on the request and on the response header built so far: nginx's
// ngx_http_gzip_ok. Call it when the response header is complete but not
// yet sent (a header filter, or a handler about to send a .gz file).
func (n *Negotiation) OK(c *gateway.Ctx) bool {
	req := c.Req
	if !AcceptsGzip(req.Header.Get("Accept-Encoding")) {
		return false
	}
	if n.DisableMSIE6 && isMSIE6(&req.Header) {
		return false
	}
	min := n.MinHTTPVersion
	if min == 0 {
		min = HTTP11
	}
	if req.ProtoMajor*1000+req.ProtoMinor < min {
		return false
	}
	if req.Header.Has("Via") && !n.proxiedOK(c) {
		return false
	}
	if len(n.Disable) > 0 {
		if ua, ok := req.Header.Lookup("User-Agent"); ok {
			for _, re := range n.Disable {
				if re.MatchString(ua) {
					return false
				}
			}
		}
	}
	return true
}

// proxiedOK applies gzip_proxied to a request that came through a proxy.
func (n *Negotiation) proxiedOK(c *gateway.Ctx) bool {
	p := n.Proxied
	if p == 0 {
		p = ProxiedOff
	}
	switch {
	case p&ProxiedOff != 0:
		return false
	case p&ProxiedAny != 0:
		return true
	case p&ProxiedAuth != 0 && c.Req.Header.Has("Authorization"):
		return true
	}
	h := &c.RespHeader
	if e, ok := h.Lookup("Expires"); ok {
		if p&ProxiedExpired == 0 {
			return false
		}
		expires, ok := gateway.ParseHTTPTime(e)
		if !ok {
			return false
		}
		date := time.Now().Unix()
		if d, ok := h.Lookup("Date"); ok {
			if date, ok = gateway.ParseHTTPTime(d); !ok {
				return false
			}
		}
		return expires < date
	}
	if h.Has("Cache-Control") {
		cc := h.Values("Cache-Control")
		return p&ProxiedNoCache != 0 && hasToken(cc, "no-cache") ||
			p&ProxiedNoStore != 0 && hasToken(cc, "no-store") ||
			p&ProxiedPrivate != 0 && hasToken(cc, "private")
	}
	if p&ProxiedNoLastModified != 0 && h.Has("Last-Modified") {
		return false
	}
	if p&ProxiedNoETag != 0 && h.Has("ETag") {
		return false
	}
	return true
}

// hasToken reports whether one of the comma-separated lists in values has
// an element that is exactly name (any case), perhaps followed by spaces,
// as nginx's ngx_http_parse_multi_header_lines: `private="x"` does not
// count as "private".
func hasToken(values []string, name string) bool {
	for _, v := range values {
		if len(name) > len(v) {
			continue
		}
		for s := v; s != ""; {
			if len(s) >= len(name) && strings.EqualFold(s[:len(name)], name) {
				rest := strings.TrimLeft(s[len(name):], " ")
				if rest == "" || rest[0] == ',' {
					return true
				}
			}
			// on to the next element
			i := strings.IndexByte(s, ',')
			if i < 0 {
				break
			}
			s = strings.TrimLeft(s[i+1:], " ")
		}
	}
	return false
}

// AcceptsGzip reports whether an Accept-Encoding value admits gzip, by
// nginx's rules: "gzip" must start the value or follow a comma or a
// space, and a quality, if given, must be 0.001 to 1 ("gzip;q=0" and
// malformed qualities refuse it). "x-gzip" does not count.
func AcceptsGzip(ae string) bool {
	if len(ae) < len("gzip") {
		return false
	}
	// the common "gzip, deflate" needs no further look
	if strings.HasPrefix(ae, "gzip,") {
		return true
	}
	start := 0
	p := -1
	for {
		i := indexFold(ae[start:], "gzip")
		if i < 0 {
			return false
		}
		i += start
		// nginx compares with the start of the current search, not of the
		// value, so a match right after a rejected one counts too
		if i == start || ae[i-1] == ',' || ae[i-1] == ' ' {
			p = i
			break
		}
		start = i + 4
	}
	s := ae[p+4:]
	for s != "" {
		ch := s[0]
		s = s[1:]
		switch ch {
		case ',':
			return true
		case ';':
			return quality(s)
		case ' ':
		default:
			return false
		}
	}
	return true
}

// quality reads the parameters after "gzip;": a "q=" whose value is not
// zero admits gzip; anything else malformed refuses it.
func quality(s string) bool {
	for s != "" {
		ch := s[0]
		s = s[1:]
		switch ch {
		case 'q', 'Q':
			if len(s) < 2 || s[0] != '=' {
				return false
			}
			return qvalue(s[1:]) > 0
		case ' ':
		default:
			return false
		}
	}
	return true
}

// qvalue parses a quality as nginx's ngx_http_gzip_quantity: 0 refuses,
// anything else admits. As in nginx the digits after the point are
// summed, not scaled: that is enough to tell zero from non-zero and to
// reject values above 1 or with more than three decimals.
func qvalue(s string) int {
	c := s[0]
	if c != '0' && c != '1' {
		return 0
	}
	q := int(c-'0') * 100
	s = s[1:]
	if s == "" {
		return q
	}
	c = s[0]
	s = s[1:]
	if c == ',' || c == ' ' {
		return q
	}
	if c != '.' {
		return 0
	}
	n := 0
	for s != "" {
		c = s[0]
		s = s[1:]
		if c == ',' || c == ' ' {
			break
		}
		if c < '0' || c > '9' {
			return 0
		}
		q += int(c - '0')
		n++
	}
	if q > 100 || n > 3 {
		return 0
	}
	return q
}

// indexFold is strings.Index for an ASCII lower-case needle, ignoring
// the case of s, without allocating.
func indexFold(s, needle string) int {
	for i := 0; i+len(needle) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(needle)], needle) {
			return i
		}
	}
	return -1
}

// isMSIE6 is nginx's User-Agent check for MSIE 4 to 6 ("MSIE 6.0" with
// "SV1" after it is a later, gzip-capable build); Opera pretending to be
// MSIE is not MSIE. Every User-Agent field is looked at, as nginx does.
func isMSIE6(h *gateway.Header) bool {
	msie6 := false
	for _, f := range h.Fields() {
		if !strings.EqualFold(f.Name, "User-Agent") {
			continue
		}
		ua := f.Value
		if i := strings.Index(ua, "MSIE "); i >= 0 && i+7 < len(ua) && ua[i+6] == '.' {
			switch ua[i+5] {
			case '4', '5':
				msie6 = true
			case '6':
				if !strings.Contains(ua[i+8:], "SV1") {
					msie6 = true
				}
			}
		}
		if strings.Contains(ua, "Opera") {
			msie6 = false
		}
	}
	return msie6
}
