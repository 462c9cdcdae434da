package proxy_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway/gatewaytest"
)

func TestProxyResponseBodies(t *testing.T) {
	tests := []struct {
		name     string
		upstream string
		body     string
		length   string // Content-Length passed to the client, "" for none
	}{
		{"content length", "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSEE-THIS", "SEE-THIS", "8"},
		{"content length with leading zeros", "HTTP/1.1 200 OK\r\nContent-Length: 008\r\n\r\nSEE-THIS", "SEE-THIS", "8"},
		{"chunked is decoded", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\nSEE-THIS\r\n0\r\n\r\n", "SEE-THIS", ""},
		{"chunked with extensions and trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n3;x=y\r\nSEE\r\n5\r\n-THIS\r\n0\r\nX-Trailer: t\r\n\r\n", "SEE-THIS", ""},
		{"chunked with LF line ends", "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n8\nSEE-THIS\n0\n\n", "SEE-THIS", ""},
		{"close delimited", "HTTP/1.0 200 OK\r\n\r\nSEE-THIS", "SEE-THIS", ""},
		{"HTTP/0.9 answer is the body", "SEE-THIS", "SEE-THIS", ""},
		{"header without reason phrase", "HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok", "ok", "2"},
		{"interim answers are skipped", "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "ok", "2"},
		{"more data than Content-Length is dropped", "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSEE-THIS-BUT-NOT-THIS", "SEE-THIS", "8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newRaw(t, fixed(tt.upstream))
			g := load(t, `location / { proxy_pass http://%s; }`, b.addr())
			r := get(g, "/")
			require.Equal(t, 200, r.Status)
			require.Equal(t, tt.body, string(r.Body))
			require.Equal(t, tt.length, r.Header.Get("Content-Length"))
			require.False(t, r.Header.Has("Transfer-Encoding"))
		})
	}
}

func TestProxyHeadRequestReadsNoBody(t *testing.T) {
	b := newRaw(t, fixed("HTTP/1.1 200 OK\r\nContent-Length: 26\r\n\r\n"))
	g := load(t, `location / { proxy_pass http://%s; proxy_read_timeout 10s; }`, b.addr())
	r := gatewaytest.Do(g, gatewaytest.NewRequest("HEAD", "/"))
	require.Equal(t, 200, r.Status)
	require.Equal(t, "26", r.Header.Get("Content-Length"))
	require.Empty(t, r.Body)
	require.True(t, strings.HasPrefix(b.lastRequest(), "HEAD / HTTP/1.0\r\n"))
}

func TestProxyResponseHeaders(t *testing.T) {
	b := newRaw(t, fixed("HTTP/1.1 200 OK\r\n"+
		"Server: backend\r\nDate: yesterday\r\nX-Pad: pad\r\nX-Accel-Expires: 10\r\n"+
		"Connection: keep-alive\r\nKeep-Alive: timeout=5\r\nX-Hidden: h\r\nX-Passed: p\r\n"+
		"Content-Type: text/plain\r\nContent-Type: text/html\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"+
		"No-Colon\r\nX-Under_score: u\r\nX-Trail:   v  \r\nContent-Length: 0\r\n\r\n"))
	g := load(t, `
		location / { proxy_pass http://%[1]s; proxy_hide_header X-Hidden; }
		location /pass/ { proxy_pass http://%[1]s; proxy_pass_header Server; proxy_pass_header Date; }
	`, b.addr())
	r := get(g, "/", "upstream_http_server", "upstream_http_x_trail")
	h := r.Header
	require.NotEqual(t, "backend", h.Get("Server"))
	require.NotEqual(t, "yesterday", h.Get("Date"))
	for _, name := range []string{"X-Pad", "X-Accel-Expires", "Keep-Alive", "X-Hidden"} {
		require.False(t, h.Has(name), name)
	}
	require.NotEqual(t, "keep-alive", h.Get("Connection"))
	require.Equal(t, "p", h.Get("X-Passed"))
	require.Equal(t, []string{"text/plain"}, h.Values("Content-Type"), "a duplicate Content-Type is ignored")
	require.Equal(t, []string{"a=1", "b=2"}, h.Values("Set-Cookie"))
	require.True(t, h.Has("No-Colon"))
	require.Equal(t, "u", h.Get("X-Under_score"))
	require.Equal(t, "v", h.Get("X-Trail"))
	require.Equal(t, "backend", r.Vars["upstream_http_server"])
	require.Equal(t, "v", r.Vars["upstream_http_x_trail"])

	r = get(g, "/pass/")
	require.Equal(t, "backend", r.Header.Get("Server"))
	require.Equal(t, "yesterday", r.Header.Get("Date"))
}

func TestProxyInvalidUpstreamHeaderIs502(t *testing.T) {
	tests := []struct{ name, upstream, log string }{
		{"invalid length", "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", `upstream sent invalid "Content-Length" header: "Content-Length: 1x" while reading response header from upstream`},
		{"duplicate length", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", `upstream sent duplicate header line: "Content-Length: 2", previous value: "Content-Length: 1" while reading response header from upstream`},
		{"unknown transfer encoding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", `upstream sent unknown "Transfer-Encoding": "gzip" while reading response header from upstream`},
		{"duplicate transfer encoding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", `upstream sent duplicate header line: "Transfer-Encoding: chunked", previous value: "Transfer-Encoding: chunked"`},
		{"length and transfer encoding", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", `upstream sent "Content-Length" and "Transfer-Encoding" headers at the same time`},
		{"transfer encoding and length", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n", `upstream sent "Content-Length" and "Transfer-Encoding" headers at the same time`},
		{"NUL in a value", "HTTP/1.1 200 OK\r\nX-Foo: a\x00b\r\n\r\n", `upstream sent invalid header: "X-Foo: a\x00...`},
		{"space in a name", "HTTP/1.1 200 OK\r\nX Foo: a\r\n\r\n", `upstream sent invalid header: "X\x20...`},
		{"header too big", "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("x", 5000) + "\r\n\r\n", "upstream sent too big header while reading response header from upstream"},
		{"closed in the header", "HTTP/1.1 200 OK\r\nX-Foo: a\r\n", "upstream prematurely closed connection while reading response header from upstream"},
		{"closed at once", "", "upstream prematurely closed connection while reading response header from upstream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newRaw(t, fixed(tt.upstream))
			g := load(t, `location / { proxy_pass http://%s; }`, b.addr())
			l := withLog(g)
			r := get(g, "/")
			require.Equal(t, 502, r.Status)
			require.Contains(t, l.String(), tt.log)
			require.Contains(t, l.String(), `, client: 127.0.0.1, server: localhost, request: "GET / HTTP/1.1", upstream: "http://`+b.addr()+`/", host: "localhost"`)
		})
	}
}

func TestProxyDuplicateSingleHeadersAreIgnoredWithAWarning(t *testing.T) {
	b := newRaw(t, fixed("HTTP/1.1 200 OK\r\nExpires: foo\r\nExpires: bar\r\nContent-Length: 0\r\n\r\n"))
	g := load(t, `location / { proxy_pass http://%s; }`, b.addr())
	l := withLog(g)
	r := get(g, "/")
	require.Equal(t, []string{"foo"}, r.Header.Values("Expires"))
	require.Contains(t, l.String(), `[warn] upstream sent duplicate header line: "Expires: bar", previous value: "Expires: foo", ignored while reading response header from upstream`)
}

func TestProxyTruncatedBodyClosesTheClientConnection(t *testing.T) {
	for name, up := range map[string]string{
		"short length":  "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nSEE-THIS",
		"short chunked": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\nSEE-THIS\r\n",
		"bad chunk":     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\nSEE-THIS\r\nzz\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			b := newRaw(t, fixed(up))
			g := load(t, `location / { proxy_pass http://%s; }`, b.addr())
			l := withLog(g)
			r := get(g, "/")
			require.Equal(t, 200, r.Status)
			require.Equal(t, "SEE-THIS", string(r.Body))
			require.True(t, r.Outcome.Drop, "the client must not take the answer as complete")
			require.Contains(t, l.String(), " while reading upstream")
		})
	}
}

func TestProxyNetHTTPBackend(t *testing.T) {
	addr := newHTTP(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Method", r.Method)
		w.Header().Set("X-Host", r.Host)
		w.Write([]byte(strings.Repeat("x", 100000)))
	})
	g := load(t, `location / { proxy_pass http://%s; proxy_http_version 1.1; }`, addr)
	r := get(g, "/big")
	require.Equal(t, 200, r.Status)
	require.Equal(t, 100000, len(r.Body))
	require.Equal(t, addr, r.Header.Get("X-Host"))
}
