package gateway

import (
	"encoding/base64"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// NginxVersion is the nginx version whose behaviour GoNJet follows; it is
// the value of $nginx_version.
const NginxVersion = "1.31.5"

// The core variables, as nginx's ngx_http_variables.c defines them. Values
// are computed on first use; NoCache marks the ones nginx recomputes at
// every use (NGX_HTTP_VAR_NOCACHEABLE) because rewrites, error pages or
// the clock change them during a request.
func init() {
	for _, v := range coreVars {
		RegisterVar(v)
	}
	for _, p := range corePrefixVars {
		RegisterPrefixVar(p)
	}
}

// found and notFound keep the tables below short.
func found(s string) (string, bool) { return s, true }

var notFound = func(*Ctx) (string, bool) { return "", false }

var coreVars = []Var{
	{Name: "uri", NoCache: true, Get: func(c *Ctx) (string, bool) { return found(c.URI) }},
	{Name: "document_uri", NoCache: true, Get: func(c *Ctx) (string, bool) { return found(c.URI) }},
	{Name: "request_uri", Get: func(c *Ctx) (string, bool) {
		if c.Req == nil || c.Req.RequestURI == "" {
			return "", false
		}
		return found(c.Req.RequestURI)
	}},
	{Name: "args", NoCache: true, Get: argsVar, Set: func(c *Ctx, v string) { c.Args = v }},
	{Name: "query_string", NoCache: true, Get: argsVar},
	{Name: "is_args", NoCache: true, Get: func(c *Ctx) (string, bool) {
		if c.Args == "" {
			return found("")
		}
		return found("?")
	}},
	{Name: "request_method", NoCache: true, Get: func(c *Ctx) (string, bool) {
		if c.Method != "" {
			return found(c.Method)
		}
		if c.Req != nil && c.Req.Method != "" {
			return found(c.Req.Method)
		}
		return "", false
	}},
	{Name: "request", Get: func(c *Ctx) (string, bool) {
		if c.Req == nil || c.Req.Method == "" {
			return "", false
		}
		return found(RequestLine(c.Req))
	}},
	{Name: "server_protocol", Get: func(c *Ctx) (string, bool) {
		if c.Req == nil || c.Req.Proto == "" || c.Req.Proto == "HTTP/0.9" {
			return "", false
		}
		return found(c.Req.Proto)
	}},
	{Name: "scheme", Get: func(c *Ctx) (string, bool) { return found(c.Scheme()) }},
	{Name: "https", Get: func(c *Ctx) (string, bool) {
		if c.Req != nil && c.Req.Conn != nil && c.Req.Conn.TLS != nil {
			return found("on")
		}
		return found("")
	}},

	// http2 is "h2" over TLS, "h2c" over plain TCP, "" for other protocols.
	{Name: "http2", Get: func(c *Ctx) (string, bool) {
		switch {
		case c.Req == nil || c.Req.ProtoMajor != 2:
			return found("")
		case c.Req.Conn != nil && c.Req.Conn.TLS != nil:
			return found("h2")
		}
		return found("h2c")
	}},

	{Name: "host", Get: func(c *Ctx) (string, bool) {
		if c.Host != "" {
			return found(c.Host)
		}
		if c.Server != nil {
			return found(c.Server.Name())
		}
		return found("")
	}},
	{Name: "hostname", Get: func(*Ctx) (string, bool) { return found(hostname()) }},
	{Name: "server_name", Get: func(c *Ctx) (string, bool) {
		if c.Server != nil {
			return found(c.Server.Name())
		}
		return found("")
	}},
	{Name: "server_addr", Get: func(c *Ctx) (string, bool) {
		if c.Req == nil || c.Req.Conn == nil {
			return "", false
		}
		host, _ := splitAddr(c.Req.Conn.LocalAddr)
		return found(host)
	}},
	{Name: "server_port", Get: func(c *Ctx) (string, bool) {
		if c.Req == nil || c.Req.Conn == nil {
			return "", false
		}
		_, port := splitAddr(c.Req.Conn.LocalAddr)
		return found(port)
	}},
	{Name: "remote_addr", Get: func(c *Ctx) (string, bool) {
		host, _ := splitAddr(clientAddr(c))
		return found(host)
	}},
	{Name: "remote_port", Get: func(c *Ctx) (string, bool) {
		_, port := splitAddr(clientAddr(c))
		return found(port)
	}},
	{Name: "binary_remote_addr", Get: func(c *Ctx) (string, bool) {
		host, _ := splitAddr(clientAddr(c))
		a, err := netip.ParseAddr(host)
		if err != nil {
			// unix sockets: nginx gives the address text
			return found(host)
		}
		if a.Is4() {
			b := a.As4()
			return found(string(b[:]))
		}
		b := a.As16()
		return found(string(b[:]))
	}},
	{Name: "remote_user", Get: func(c *Ctx) (string, bool) {
		if c.Req == nil {
			return "", false
		}
		return BasicAuthUser(c.Req.Header.Get("Authorization"))
	}},

	{Name: "http_cookie", Get: func(c *Ctx) (string, bool) {
		if c.Req == nil {
			return "", false
		}
		return c.Req.Header.Joined("Cookie", "; ")
	}},
	{Name: "content_type", Get: func(c *Ctx) (string, bool) {
		if c.Req == nil {
			return "", false
		}
		return headerVar(&c.Req.Header, "content_type")
	}},
	// content_length is not cached: for a chunked body nginx knows the
	// length only once the body is read.
	{Name: "content_length", NoCache: true, Get: func(c *Ctx) (string, bool) {
		if c.Req == nil {
			return "", false
		}
		if v, ok := c.Req.Header.Lookup("Content-Length"); ok {
			return found(v)
		}
		if b, ok := c.RequestBody(); ok && c.Req.Chunked {
			return found(strconv.Itoa(len(b)))
		}
		if !c.Req.Chunked && c.Req.ContentLength > 0 {
			return found(itoa(c.Req.ContentLength))
		}
		return "", false
	}},

	{Name: "status", NoCache: true, Get: func(c *Ctx) (string, bool) { return found(StatusText3(c.Status)) }},
	{Name: "body_bytes_sent", Get: func(c *Ctx) (string, bool) { return found(itoa(c.BodyBytesSent)) }},
	{Name: "bytes_sent", Get: func(c *Ctx) (string, bool) { return found(itoa(BytesSent(c))) }},
	{Name: "request_length", NoCache: true, Get: func(c *Ctx) (string, bool) { return found(itoa(RequestLength(c))) }},
	{Name: "request_time", NoCache: true, Get: func(c *Ctx) (string, bool) {
		if c.Req == nil {
			return found("0.000")
		}
		return found(MsecText(time.Since(c.Req.Start).Milliseconds()))
	}},
	{Name: "msec", NoCache: true, Get: func(*Ctx) (string, bool) { return found(MsecText(time.Now().UnixMilli())) }},
	{Name: "time_local", NoCache: true, Get: func(*Ctx) (string, bool) { return found(LogTimes().Local) }},
	{Name: "time_iso8601", NoCache: true, Get: func(*Ctx) (string, bool) { return found(LogTimes().ISO8601) }},
	{Name: "request_id", Get: func(c *Ctx) (string, bool) { return found(c.RequestID()) }},
	{Name: "pipe", Get: func(*Ctx) (string, bool) {
		// TODO: needs the engine to say whether the request was
		// pipelined; until then every request reads as not pipelined.
		return found(".")
	}},

	{Name: "connection", Get: func(c *Ctx) (string, bool) {
		if c.Req == nil || c.Req.Conn == nil {
			return found("0")
		}
		return found(strconv.FormatUint(c.Req.Conn.ID, 10))
	}},
	{Name: "connection_requests", Get: func(c *Ctx) (string, bool) {
		if c.Req == nil || c.Req.Conn == nil {
			return found("0")
		}
		return found(strconv.Itoa(c.Req.Conn.Requests))
	}},
	{Name: "connection_time", NoCache: true, Get: func(c *Ctx) (string, bool) {
		if c.Req == nil || c.Req.Conn == nil || c.Req.Conn.Start.IsZero() {
			return found("0.000")
		}
		ms := time.Since(c.Req.Conn.Start).Milliseconds()
		frac := strconv.FormatInt(1000+ms%1000, 10)[1:]
		return found(strconv.FormatInt(ms/1000, 10) + "." + frac)
	}},
	{Name: "nginx_version", Get: func(*Ctx) (string, bool) { return found(NginxVersion) }},
	{Name: "njet_version", Get: func(*Ctx) (string, bool) {
		if i := strings.IndexByte(Software, '/'); i >= 0 {
			return found(Software[i+1:])
		}
		return found(Software)
	}},
	{Name: "pid", Get: func(*Ctx) (string, bool) { return found(pidText) }},

	{Name: "request_body", Get: func(c *Ctx) (string, bool) {
		b, ok := c.RequestBody()
		return string(b), ok
	}},
	// Request bodies are never buffered to temporary files.
	{Name: "request_body_file", Get: notFound},
	{Name: "limit_rate", NoCache: true,
		Get: func(c *Ctx) (string, bool) { return found(itoa(c.LimitRate())) },
		Set: func(c *Ctx, v string) {
			n, ok := parseSize(v)
			if !ok {
				c.Logf(LevelError, "invalid $limit_rate \"%s\"", v)
				return
			}
			c.SetLimitRate(n)
		}},

	{Name: "sent_http_connection", Get: func(c *Ctx) (string, bool) {
		switch {
		case c.Status == 101:
			return found("upgrade")
		case c.keepAlive:
			return found("keep-alive")
		}
		return found("close")
	}},
	// keepalive_timeout's header argument is not modelled: nginx finds
	// no value then.
	{Name: "sent_http_keep_alive", Get: notFound},
	{Name: "sent_http_transfer_encoding", Get: func(c *Ctx) (string, bool) {
		if v, ok := c.RespHeader.Lookup("Transfer-Encoding"); ok {
			return found(v)
		}
		if chunkedResponse(c) {
			return found("chunked")
		}
		return "", false
	}},

	{Name: "upstream_addr", NoCache: true, Get: upstreamString(func(u *UpstreamInfo) string { return u.Addr })},
	{Name: "upstream_status", NoCache: true, Get: upstreamString(func(u *UpstreamInfo) string { return u.Status })},
	{Name: "upstream_connect_time", NoCache: true, Get: upstreamString(func(u *UpstreamInfo) string { return u.ConnectTime })},
	{Name: "upstream_header_time", NoCache: true, Get: upstreamString(func(u *UpstreamInfo) string { return u.HeaderTime })},
	{Name: "upstream_response_time", NoCache: true, Get: upstreamString(func(u *UpstreamInfo) string { return u.ResponseTime })},
	{Name: "upstream_response_length", NoCache: true, Get: upstreamString(func(u *UpstreamInfo) string {
		if u.ResponseLength == "" {
			return strconv.FormatInt(u.ResponseBytes, 10)
		}
		return u.ResponseLength
	})},
	{Name: "upstream_bytes_sent", NoCache: true, Get: upstreamString(func(u *UpstreamInfo) string { return itoa(u.BytesSent) })},
	{Name: "upstream_bytes_received", NoCache: true, Get: upstreamString(func(u *UpstreamInfo) string { return itoa(u.BytesRecv) })},
}

var corePrefixVars = []PrefixVar{
	{Prefix: "http_", Get: func(c *Ctx, name string) (string, bool) {
		if c.Req == nil {
			return "", false
		}
		return headerVar(&c.Req.Header, name)
	}},
	{Prefix: "sent_http_", Get: func(c *Ctx, name string) (string, bool) {
		return headerVar(&c.RespHeader, name)
	}},
	// Trailers are not sent by GoNJet, so there is never a value.
	{Prefix: "sent_trailer_", Get: func(*Ctx, string) (string, bool) { return "", false }},
	{Prefix: "cookie_", Get: func(c *Ctx, name string) (string, bool) {
		if c.Req == nil {
			return "", false
		}
		return CookieValue(&c.Req.Header, name)
	}},
	{Prefix: "arg_", NoCache: true, Get: func(c *Ctx, name string) (string, bool) { return Arg(c.Args, name) }},
	{Prefix: "upstream_http_", NoCache: true, Get: func(c *Ctx, name string) (string, bool) {
		if c.Upstream.Header == nil {
			return "", false
		}
		return headerVar(c.Upstream.Header, name)
	}},
	{Prefix: "upstream_cookie_", NoCache: true, Get: func(c *Ctx, name string) (string, bool) {
		if c.Upstream.Header == nil {
			return "", false
		}
		return SetCookieValue(c.Upstream.Header, name)
	}},
}

// argsVar is $args: nginx has no value (rather than an empty one) when
// the request had no '?' at all and nothing set the arguments since.
func argsVar(c *Ctx) (string, bool) {
	if c.Args == "" && (c.Req == nil || strings.IndexByte(c.Req.RequestURI, '?') < 0) {
		return "", false
	}
	return found(c.Args)
}

func upstreamString(f func(*UpstreamInfo) string) func(c *Ctx) (string, bool) {
	return func(c *Ctx) (string, bool) {
		if !c.Upstream.Set {
			return "", false
		}
		return found(f(&c.Upstream))
	}
}

// RequestLine is the request line ($request): as received when the
// engine kept it, else rebuilt, "GET /x?y HTTP/1.1", or "GET /x" for
// HTTP/0.9.
func RequestLine(r *Request) string {
	if r.Line != "" {
		return r.Line
	}
	if r.Proto == "" || r.Proto == "HTTP/0.9" {
		return r.Method + " " + r.RequestURI
	}
	return r.Method + " " + r.RequestURI + " " + r.Proto
}

// StatusText3 formats a status as nginx's logs do: three digits at least,
// "000" when no response was produced.
func StatusText3(code int) string {
	if code >= 100 && code < 1000 {
		return strconv.Itoa(code)
	}
	s := strconv.Itoa(code)
	for len(s) < 3 {
		s = "0" + s
	}
	return s
}

// clientAddr is the client's address as "ip:port": the connection's
// peer, or the address realip took from a trusted header.
func clientAddr(c *Ctx) string { return c.RemoteAddr() }

// splitAddr splits "ip:port", "[v6]:port" or a bare address; unix socket
// addresses come back whole with an empty port.
func splitAddr(addr string) (host, port string) {
	if strings.HasPrefix(addr, "unix:") {
		return addr, ""
	}
	if h, p, err := net.SplitHostPort(addr); err == nil {
		return h, p
	}
	return strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]"), ""
}

// headerVar is nginx's lookup for $http_NAME and $sent_http_NAME: field
// names match case-insensitively with '-' read as '_', and repeated
// fields are joined with ", ".
func headerVar(h *Header, name string) (string, bool) {
	name = strings.ToLower(name)
	n, first := 0, -1
	fields := h.Fields()
	for i := range fields {
		if headerNameIs(fields[i].Name, name) {
			if first < 0 {
				first = i
			}
			n++
		}
	}
	switch n {
	case 0:
		return "", false
	case 1:
		return fields[first].Value, true
	}
	var b strings.Builder
	for i := first; i < len(fields); i++ {
		if headerNameIs(fields[i].Name, name) {
			if b.Len() > 0 {
				b.WriteString(", ")
			}
			b.WriteString(fields[i].Value)
		}
	}
	return b.String(), true
}

func headerNameIs(field, varName string) bool {
	if len(field) != len(varName) {
		return false
	}
	for i := 0; i < len(field); i++ {
		ch := field[i]
		if ch >= 'A' && ch <= 'Z' {
			ch |= 0x20
		} else if ch == '-' {
			ch = '_'
		}
		if ch != varName[i] {
			return false
		}
	}
	return true
}

// CookieValue finds a cookie in the request's Cookie fields the way nginx
// does for $cookie_NAME: the name matches case-insensitively, pairs are
// separated by ';' or ',', blanks around '=' are skipped, and the value
// runs to the next ';'.
func CookieValue(h *Header, name string) (string, bool) {
	for _, f := range h.Fields() {
		if !strings.EqualFold(f.Name, "Cookie") || len(name) > len(f.Value) {
			continue
		}
		if v, ok := cookieIn(f.Value, name); ok {
			return v, true
		}
	}
	return "", false
}

func cookieIn(s, name string) (string, bool) {
	start, end := 0, len(s)
	for start < end {
		if end-start >= len(name) && strings.EqualFold(s[start:start+len(name)], name) {
			start += len(name)
			for start < end && s[start] == ' ' {
				start++
			}
			if start < end && s[start] == '=' {
				start++
				for start < end && s[start] == ' ' {
					start++
				}
				last := start
				for last < end && s[last] != ';' {
					last++
				}
				return s[start:last], true
			}
			// nginx steps over the character that was not '='
			if start < end {
				start++
			}
		}
		for start < end {
			ch := s[start]
			start++
			if ch == ';' || ch == ',' {
				break
			}
		}
		for start < end && s[start] == ' ' {
			start++
		}
	}
	return "", false
}

// SetCookieValue finds the value of cookie name in Set-Cookie fields
// ($upstream_cookie_NAME): each field carries one cookie, whose name
// matches case-insensitively.
func SetCookieValue(h *Header, name string) (string, bool) {
	for _, f := range h.Fields() {
		v := f.Value
		if !strings.EqualFold(f.Name, "Set-Cookie") || len(name) >= len(v) || !strings.EqualFold(v[:len(name)], name) {
			continue
		}
		i := len(name)
		for i < len(v) && v[i] == ' ' {
			i++
		}
		if i == len(v) || v[i] != '=' {
			continue
		}
		i++
		for i < len(v) && v[i] == ' ' {
			i++
		}
		j := i
		for j < len(v) && v[j] != ';' {
			j++
		}
		return v[i:j], true
	}
	return "", false
}

// Arg finds argument name in a query string as nginx does for $arg_NAME:
// the name matches case-insensitively and must start the string or
// follow '&' and be followed by '='; the value is not decoded.
func Arg(args, name string) (string, bool) {
	if args == "" || name == "" {
		return "", false
	}
	last := len(args)
	for p := 0; p < last; p++ {
		// room for '=' after the name is required
		i := indexFold(args[p:last-1], name)
		if i < 0 {
			return "", false
		}
		p += i
		if (p == 0 || args[p-1] == '&') && args[p+len(name)] == '=' {
			v := args[p+len(name)+1:]
			if amp := strings.IndexByte(v, '&'); amp >= 0 {
				v = v[:amp]
			}
			return v, true
		}
	}
	return "", false
}

// indexFold is strings.Index with ASCII case folding.
func indexFold(s, sub string) int {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		if strings.EqualFold(s[i:i+n], sub) {
			return i
		}
	}
	return -1
}

// BasicAuthUser returns the user name of an "Authorization: Basic ..."
// value ($remote_user); ok is false when the value is not valid Basic
// credentials or the user name is empty.
func BasicAuthUser(auth string) (user string, ok bool) {
	if len(auth) < 6 || !strings.EqualFold(auth[:6], "Basic ") {
		return "", false
	}
	enc := strings.TrimLeft(auth[6:], " ")
	if i := strings.IndexByte(enc, '='); i >= 0 {
		enc = enc[:i]
	}
	if enc == "" || len(enc)%4 == 1 {
		return "", false
	}
	dec, err := base64.RawStdEncoding.DecodeString(enc)
	if err != nil {
		return "", false
	}
	i := strings.IndexByte(string(dec), ':')
	if i <= 0 {
		return "", false
	}
	return string(dec[:i]), true
}

// BytesSent is $bytes_sent: what went to the client, header included.
// When the engine did not count it (c.BytesSent is 0) it is rebuilt from
// the response header as an HTTP/1.1 engine sends it.
func BytesSent(c *Ctx) int64 {
	if c.BytesSent > 0 || !c.headerSent {
		return c.BytesSent
	}
	// "HTTP/1.1 200 OK\r\n", the fields, and the empty line
	n := int64(len("HTTP/1.1 200 \r\n") + len(StatusText(c.Status)) + 2)
	for _, f := range c.RespHeader.Fields() {
		n += int64(len(f.Name) + 2 + len(f.Value) + 2)
	}
	if !c.RespHeader.Has("Connection") && c.Req != nil && c.Req.ProtoMajor == 1 {
		if c.keepAlive {
			n += int64(len("Connection: keep-alive\r\n"))
		} else {
			n += int64(len("Connection: close\r\n"))
		}
	}
	if chunkedResponse(c) && !c.RespHeader.Has("Transfer-Encoding") {
		n += int64(len("Transfer-Encoding: chunked\r\n"))
	}
	return n + c.BodyBytesSent
}

// RequestLength is $request_length: the request line, header and body
// bytes received.
func RequestLength(c *Ctx) int64 {
	if c.Req == nil {
		return 0
	}
	n := c.Req.HeaderLength
	if b, ok := c.RequestBody(); ok {
		n += int64(len(b))
	} else if c.Req.ContentLength > 0 {
		n += c.Req.ContentLength
	}
	return n
}

// chunkedResponse reports whether an HTTP/1.1 engine frames this
// response with chunked transfer coding.
func chunkedResponse(c *Ctx) bool {
	if !c.headerSent || c.Req == nil || c.Req.Proto != "HTTP/1.1" || c.RespHeader.Has("Content-Length") {
		return false
	}
	if c.Method == "HEAD" || c.Status < 200 || c.Status == 204 || c.Status == 304 {
		return false
	}
	return c.Loc == nil || c.Loc.Core.ChunkedTransfer
}

// MsecText formats ms milliseconds as nginx prints times, in seconds with
// millisecond resolution: "0.005", "12.340". Negative times print as 0.
// Times under ten seconds, those of nearly every request, are sliced
// from a table and cost no allocation.
func MsecText(ms int64) string {
	if ms < 0 {
		ms = 0
	}
	if ms < 10000 {
		return msecTable[ms*5 : ms*5+5]
	}
	var b [24]byte
	n := strconv.AppendInt(b[:0], ms/1000, 10)
	frac := ms % 1000
	n = append(n, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
	return string(n)
}

// msecTable holds "0.000".."9.999" back to back.
var msecTable = func() string {
	var b strings.Builder
	b.Grow(10000 * 5)
	for i := 0; i < 10000; i++ {
		b.WriteByte(byte('0' + i/1000))
		b.WriteByte('.')
		b.WriteByte(byte('0' + i/100%10))
		b.WriteByte(byte('0' + i/10%10))
		b.WriteByte(byte('0' + i%10))
	}
	return b.String()
}()

// parseSize reads an nginx size ("512", "64k", "1m", "1g").
func parseSize(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	mult := int64(1)
	switch s[len(s)-1] {
	case 'k', 'K':
		mult, s = 1<<10, s[:len(s)-1]
	case 'm', 'M':
		mult, s = 1<<20, s[:len(s)-1]
	case 'g', 'G':
		mult, s = 1<<30, s[:len(s)-1]
	}
	if s == "" {
		return 0, false
	}
	n := int64(0)
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
		if n > (1<<62)/mult {
			return 0, false
		}
	}
	return n * mult, true
}

var (
	pidText      = strconv.Itoa(os.Getpid())
	hostnameOnce sync.Once
	hostnameText string
)

// hostname is the machine name in lower case, as nginx keeps it.
func hostname() string {
	hostnameOnce.Do(func() {
		h, err := os.Hostname()
		if err == nil {
			hostnameText = strings.ToLower(h)
		}
	})
	return hostnameText
}

// LogTime holds the current second in the formats of access logs.
type LogTime struct {
	Unix int64
	// Local is $time_local: "24/Nov/2026:10:00:00 +0000".
	Local string
	// ISO8601 is $time_iso8601: "2026-11-24T10:00:00+00:00".
	ISO8601 string
}

var logTimeCache atomic.Pointer[LogTime]

// LogTimes returns the current time formatted for logs, computed once a
// second and shared by all requests.
func LogTimes() *LogTime {
	now := time.Now()
	sec := now.Unix()
	if t := logTimeCache.Load(); t != nil && t.Unix == sec {
		return t
	}
	t := &LogTime{
		Unix:    sec,
		Local:   now.Format("02/Jan/2006:15:04:05 -0700"),
		ISO8601: now.Format("2006-01-02T15:04:05-07:00"),
	}
	logTimeCache.Store(t)
	return t
}

// Per-request data of the core variables.
var (
	limitRateKey = NewCtxKey()
)

// SetRequestBody records the request body a handler read into memory, so
// that $request_body (and $request_length) report it, as nginx does for
// bodies it keeps in memory.
func (c *Ctx) SetRequestBody(b []byte) { c.reqBody, c.hasReqBody = b, true }

// RequestBody returns the body recorded by SetRequestBody; ok is false
// when no handler read the body into memory.
func (c *Ctx) RequestBody() (b []byte, ok bool) {
	return c.reqBody, c.hasReqBody
}

// LimitRate is the response rate limit in bytes per second set for this
// request ($limit_rate); 0 means unlimited.
func (c *Ctx) LimitRate() int64 {
	n, _ := c.Data(limitRateKey).(int64)
	return n
}

// SetLimitRate sets the response rate limit in bytes per second.
func (c *Ctx) SetLimitRate(n int64) { c.SetData(limitRateKey, n) }
