package proxy

import (
	"context"
	"net"
	"regexp"
	"time"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/upstream"
)

// Options configure a Handler. They are the Go form of nginx's proxy_*
// directives; DefaultOptions returns nginx's defaults, and the njet.conf
// directives of this package fill the same struct.
type Options struct {
	// URL is the proxy_pass URL: "http://host[:port][/uri]" or
	// "http://unix:/path/to.sock[:/uri]". Its host part names the
	// Upstream below (an upstream{} block or the resolved host); its URI
	// part, when present, replaces the matched Location prefix of the
	// request URI.
	URL string
	// Upstream is the peer group requests go to; required with URL.
	Upstream *upstream.Upstream
	// Location is the location prefix the URI part of URL replaces. It is
	// "" for regex and named locations, where a URI part is not allowed.
	Location string

	// URLTemplate, when set, replaces URL: it is evaluated for every
	// request (nginx's proxy_pass with variables) and its host is looked
	// up with Lookup, or resolved with upstream.Resolve.
	URLTemplate *gateway.Template
	// Lookup returns the upstream{} group called name, or nil. When nil,
	// upstream.Lookup searches the configuration snapshot of the request
	// (upstream{} blocks and the implicit upstreams of other proxy_pass
	// directives).
	Lookup func(name string) *upstream.Upstream

	// HTTP11 sends requests as HTTP/1.1 (proxy_http_version 1.1); the
	// default is HTTP/1.0. Upstream connections are only kept alive with
	// HTTP/1.1 and a Connection header that does not say "close".
	HTTP11 bool
	// Method replaces the request method (proxy_method).
	Method *gateway.Template
	// SetHeaders are proxy_set_header settings in order. A value that
	// evaluates to "" removes the header. nginx's defaults (Host:
	// $proxy_host, Connection: close, and the removal of TE, Keep-Alive,
	// Expect and Upgrade) apply to names not set here.
	SetHeaders []HeaderValue
	// PassRequestHeaders and PassRequestBody pass the client's header
	// fields and body upstream (both on by default).
	PassRequestHeaders bool
	PassRequestBody    bool
	// Body replaces the request body (proxy_set_body).
	Body *gateway.Template

	// Buffering (proxy_buffering) lets the response be read ahead of the
	// client; off, every piece read is flushed to the client at once.
	Buffering bool
	// RequestBuffering (proxy_request_buffering) reads the whole client
	// body before the upstream is contacted; off, the body is streamed
	// and a request whose body was partly sent is not retried.
	RequestBuffering bool
	// BufferSize is the most a response header may take
	// (proxy_buffer_size).
	BufferSize int
	// BuffersNum and BuffersSize are proxy_buffers; BuffersSize sizes the
	// read buffer of the response body.
	BuffersNum  int
	BuffersSize int

	// InterceptErrors hands upstream answers with a status >= 300 to the
	// location's error_page when one is set for that status.
	InterceptErrors bool
	// NextUpstream says which failures make the next peer be tried.
	NextUpstream NextUpstream
	// NextUpstreamTries limits the tries (0: no limit beyond the peers).
	NextUpstreamTries int
	// NextUpstreamTimeout limits the time spent trying (0: no limit).
	NextUpstreamTimeout time.Duration

	ConnectTimeout time.Duration
	SendTimeout    time.Duration
	ReadTimeout    time.Duration
	// SocketKeepalive turns TCP keepalive on for upstream connections.
	SocketKeepalive bool

	// Redirects rewrite the Location and Refresh headers of answers
	// (proxy_redirect); nil leaves them alone. DefaultRedirect makes
	// nginx's "proxy_redirect default".
	Redirects []Rewrite
	// CookieDomains and CookiePaths rewrite the Domain and Path
	// attributes of Set-Cookie headers.
	CookieDomains []Rewrite
	CookiePaths   []Rewrite
	// HideHeaders are upstream header fields not passed to the client,
	// besides nginx's default list (Date, Server, X-Pad, X-Accel-...);
	// PassHeaders takes names off that list.
	HideHeaders []string
	PassHeaders []string
	// IgnoreHeaders turns off the processing of some upstream header
	// fields (X-Accel-Redirect and friends).
	IgnoreHeaders IgnoreHeaders

	// Dial opens upstream connections; nil uses a net.Dialer with
	// ConnectTimeout and SocketKeepalive.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// HeaderValue is one proxy_set_header: a header field name and its value.
type HeaderValue struct {
	Name  string
	Value *gateway.Template
}

// Rewrite is one proxy_redirect, proxy_cookie_domain or proxy_cookie_path
// rule: when Regex is set it must match the value and Replacement may
// use its captures; otherwise Pattern is compared (a prefix for
// redirects and paths, the whole domain for cookie domains, case aside).
type Rewrite struct {
	Pattern     *gateway.Template
	Regex       *regexp.Regexp
	Replacement *gateway.Template
}

// DefaultRedirect is nginx's "proxy_redirect default" for a proxy_pass
// URL and its location: the URL is replaced by the location when the URL
// has a URI part, else the URL followed by "/" is replaced by "/".
func DefaultRedirect(url, location string) (Rewrite, error) {
	t, err := parseTarget(url)
	if err != nil {
		return Rewrite{}, err
	}
	if t.uri != "" {
		return Rewrite{Pattern: gateway.StaticTemplate(url), Replacement: gateway.StaticTemplate(location)}, nil
	}
	return Rewrite{Pattern: gateway.StaticTemplate(url + "/"), Replacement: gateway.StaticTemplate("/")}, nil
}

// NextUpstream is a set of proxy_next_upstream conditions.
type NextUpstream uint32

// The proxy_next_upstream conditions, with nginx's bit values.
const (
	NextError         NextUpstream = 0x00000002
	NextTimeout       NextUpstream = 0x00000004
	NextInvalidHeader NextUpstream = 0x00000008
	NextHTTP500       NextUpstream = 0x00000010
	NextHTTP502       NextUpstream = 0x00000020
	NextHTTP503       NextUpstream = 0x00000040
	NextHTTP504       NextUpstream = 0x00000080
	NextHTTP403       NextUpstream = 0x00000100
	NextHTTP404       NextUpstream = 0x00000200
	NextHTTP429       NextUpstream = 0x00000400
	// NextNonIdempotent allows retrying POST, LOCK and PATCH requests
	// that were already sent.
	NextNonIdempotent NextUpstream = 0x00004000
	// NextOff never tries another peer.
	NextOff NextUpstream = 0x80000000

	nextNoLive NextUpstream = 0x40000000
)

// IgnoreHeaders is a set of upstream header fields proxy_ignore_headers
// switches off.
type IgnoreHeaders uint32

// The fields proxy_ignore_headers knows.
const (
	IgnoreXAccelRedirect IgnoreHeaders = 1 << iota
	IgnoreXAccelExpires
	IgnoreXAccelLimitRate
	IgnoreXAccelBuffering
	IgnoreXAccelCharset
	IgnoreExpires
	IgnoreCacheControl
	IgnoreSetCookie
	IgnoreVary
)

// DefaultOptions returns nginx's defaults: HTTP/1.0, buffering on, 60s
// timeouts, "proxy_next_upstream error timeout", 4k header buffer and
// 8 4k body buffers.
func DefaultOptions() Options {
	return Options{
		PassRequestHeaders: true,
		PassRequestBody:    true,
		Buffering:          true,
		RequestBuffering:   true,
		BufferSize:         4096,
		BuffersNum:         8,
		BuffersSize:        4096,
		NextUpstream:       NextError | NextTimeout,
		ConnectTimeout:     60 * time.Second,
		SendTimeout:        60 * time.Second,
		ReadTimeout:        60 * time.Second,
	}
}
