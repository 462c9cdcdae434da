package gateway

import (
	"bufio"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Ctx is one request on its way through the gateway: the request, the
// configuration snapshot it is pinned to, the server and location chosen
// for it, the current (possibly rewritten) URI, variables, and the
// response being built. Filters receive it; it is not safe for use by
// several goroutines at once.
type Ctx struct {
	Req    *Request
	Config *Config
	Server *Server
	// Loc is the location whose configuration applies now: the server Root
	// before the location search, an if block while its condition holds.
	Loc *Location

	// URI is the normalised, percent-decoded path ($uri); rewrites and
	// internal redirects change it.
	URI string
	// Args is the query string without '?' ($args).
	Args string
	// Method is the current method; an error_page redirect turns it to GET.
	Method string
	// Host is the validated host name, lower case, without port ($host
	// before server_name fallback).
	Host string

	// Status is the response status to send.
	Status int
	// RespHeader is the response header being built.
	RespHeader Header
	// Upstream describes the exchange with the upstream, for $upstream_*.
	Upstream UpstreamInfo

	// BodyBytesSent and BytesSent count what went to the client.
	BodyBytesSent int64
	BytesSent     int64

	w           ResponseWriter
	body        BodyWriter
	engineBody  engineBody // the last body writer, kept in the Ctx to save an allocation
	headerSent  bool
	keepAlive   bool
	drop        bool
	internal    bool
	errorPage   bool
	forceStatus int
	redirects   int
	reqID       string

	vars    []varSlot
	capSubj string
	capIdx  []int
	data    []any
	spare   []any // features' reusable scratch values, kept when the Ctx is recycled
	// reqBody is the body a handler read into memory (SetRequestBody);
	// a field, not Data, because boxing a slice would allocate
	reqBody    []byte
	hasReqBody bool
	hijacked   bool
	subDepth   int // > 0 for subrequests: how deep they nest
}

// ctxPool recycles request contexts with their variable, capture, data
// and header storage, so that a request costs no allocation for them.
var ctxPool = sync.Pool{New: func() any { return new(Ctx) }}

// newCtx returns a clean context for a request.
func newCtx(req *Request, cfg *Config, w ResponseWriter) *Ctx {
	c := ctxPool.Get().(*Ctx)
	c.Req, c.Config, c.w = req, cfg, w
	return c
}

// recycle clears c for its next request, keeping its storage, and puts
// it back in the pool. Nothing may use c afterwards.
func (c *Ctx) recycle() {
	clear(c.vars)
	clear(c.data)
	hdr := c.RespHeader
	hdr.Reset()
	clear(hdr.fields[:cap(hdr.fields)])
	*c = Ctx{
		RespHeader: hdr,
		vars:       c.vars[:0],
		capIdx:     c.capIdx[:0],
		data:       c.data,
		spare:      c.spare,
	}
	ctxPool.Put(c)
}

// Spare returns the scratch value a feature left under k in this context
// for an earlier request, nil if none. Together with SetSpare it lets a
// feature recycle its per-request state with the context instead of
// allocating it anew: the value carries no meaning from one request to
// the next, and the feature must reset it before use.
func (c *Ctx) Spare(k CtxKey) any {
	if int(k) < len(c.spare) {
		return c.spare[k]
	}
	return nil
}

// SetSpare keeps v under k for the requests this context serves later.
func (c *Ctx) SetSpare(k CtxKey, v any) {
	if int(k) >= len(c.spare) {
		grown := make([]any, int(nextCtxKey))
		copy(grown, c.spare)
		c.spare = grown
	}
	c.spare[k] = v
}

// UpstreamInfo is what a content handler that talks to an upstream
// reports about it. Addr, Status and the times are nginx-formatted lists
// ("127.0.0.1:8081, 127.0.0.1:8082") when several tries were made.
type UpstreamInfo struct {
	Addr         string
	Status       string
	ConnectTime  string
	HeaderTime   string
	ResponseTime string
	BytesSent    int64
	BytesRecv    int64
	// ResponseLength is $upstream_response_length when several tries
	// were made: the body bytes of each try's answer, a list like Addr.
	// With a single try it is empty and ResponseBytes holds the count,
	// which the variable formats only when it is read.
	ResponseLength string
	ResponseBytes  int64
	// Header is the upstream's response header ($upstream_http_*).
	Header *Header
	// Set is true once a content handler filled the fields.
	Set bool
}

// Internal reports whether the request was internally redirected
// (rewrite, error_page, try_files, named locations).
func (c *Ctx) Internal() bool { return c.internal }

// HeaderSent reports whether the response header has gone out.
func (c *Ctx) HeaderSent() bool { return c.headerSent }

// Elapsed is the time since the request's first byte.
func (c *Ctx) Elapsed() time.Duration { return time.Since(c.Req.Start) }

// SetKeepAlive turns keep-alive off (or back on when the client allows
// it) for this request's connection.
func (c *Ctx) SetKeepAlive(on bool) { c.keepAlive = on && c.Req.KeepAlive }

// KeepAlive reports whether the connection stays open after the response.
func (c *Ctx) KeepAlive() bool { return c.keepAlive }

// SetCaptures records the last regex match ($1..$9 and named captures).
// idx is the submatch index slice from FindStringSubmatchIndex.
func (c *Ctx) SetCaptures(subject string, idx []int) {
	c.capSubj = subject
	c.capIdx = append(c.capIdx[:0], idx...)
}

// Capture returns capture n of the last regex match ($0 is the whole
// match).
func (c *Ctx) Capture(n int) (string, bool) {
	if 2*n+1 >= len(c.capIdx) || c.capIdx[2*n] < 0 {
		return "", false
	}
	return c.capSubj[c.capIdx[2*n]:c.capIdx[2*n+1]], true
}

// MatchRegex runs re against s and, on a match, records the captures and
// sets the variables of named groups, as nginx does for every regex it
// evaluates (location, server_name, rewrite, if, map).
func (c *Ctx) MatchRegex(re *regexp.Regexp, s string) bool {
	// Most regexes tried do not match (a location list, a map): Go's
	// engine finds that out much sooner without captures, so captures
	// are only computed for the one that matches. A pattern anchored at
	// the start fails at the first byte that differs either way, and is
	// run once, with captures.
	if !anchoredAtStart(re) && !re.MatchString(s) {
		return false
	}
	idx := re.FindStringSubmatchIndex(s)
	if idx == nil {
		return false
	}
	c.SetCaptures(s, idx)
	for i, name := range re.SubexpNames() {
		if name == "" || 2*i+1 >= len(idx) || idx[2*i] < 0 {
			continue
		}
		if slot, ok := c.Config.Vars.index[name]; ok {
			c.SetVar(slot, s[idx[2*i]:idx[2*i+1]])
		}
	}
	return true
}

// anchoredAtStart reports a pattern that begins with "^" (after
// nginx's case-insensitivity flag).
func anchoredAtStart(re *regexp.Regexp) bool {
	src := strings.TrimPrefix(re.String(), "(?i)")
	return strings.HasPrefix(src, "^")
}

// CtxKey identifies a feature's per-request data.
type CtxKey int

var nextCtxKey CtxKey

// NewCtxKey returns a key for per-request data; call it from init.
func NewCtxKey() CtxKey {
	k := nextCtxKey
	nextCtxKey++
	return k
}

// Data returns the feature data stored under k, or nil.
func (c *Ctx) Data(k CtxKey) any {
	if int(k) < len(c.data) {
		return c.data[k]
	}
	return nil
}

// SetData stores feature data under k for the rest of the request.
func (c *Ctx) SetData(k CtxKey, v any) {
	if int(k) >= len(c.data) {
		// every key is known once init is over: one allocation serves
		// all features of the request
		grown := make([]any, int(nextCtxKey))
		copy(grown, c.data)
		c.data = grown
	}
	c.data[k] = v
}

// Writer returns the engine's response writer, for handlers that stream
// (proxy) and need Flush.
func (c *Ctx) Writer() ResponseWriter { return c.w }

// Hijack takes the client connection over after a 101 answer was sent.
func (c *Ctx) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := c.w.(Hijacker)
	if !ok {
		return nil, nil, ErrHijackUnsupported
	}
	conn, rw, err := h.Hijack()
	if err == nil {
		c.hijacked = true
		c.keepAlive = false
	}
	return conn, rw, err
}

// RequestID is a random 32-hex-digit id ($request_id), made on first use.
func (c *Ctx) RequestID() string {
	if c.reqID == "" {
		c.reqID = newRequestID()
	}
	return c.reqID
}

// Port returns the local port of the connection as text.
func (c *Ctx) Port() string {
	_, port, err := net.SplitHostPort(c.Req.Conn.LocalAddr)
	if err != nil {
		return ""
	}
	return port
}

// Scheme is "https" on TLS connections, else "http".
func (c *Ctx) Scheme() string {
	if c.Req.Conn.TLS != nil {
		return "https"
	}
	return "http"
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
