package proxy_test

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway/gatewaytest"
)

// closedAddr is an address nothing listens on.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// silent is a backend that reads the request and never answers.
func silent(s *rawServer, c net.Conn) {
	s.readHead(bufio.NewReader(c))
	c.Read(make([]byte, 1))
}

func TestProxyConnectRefusedIs502WithNginxLogLine(t *testing.T) {
	addr := closedAddr(t)
	g := load(t, `location / { proxy_pass http://%s; }`, addr)
	l := withLog(g)
	r := get(g, "/x?y", "upstream_addr", "upstream_status")
	require.Equal(t, 502, r.Status)
	require.Equal(t, addr, r.Vars["upstream_addr"])
	require.Equal(t, "502", r.Vars["upstream_status"])
	require.Contains(t, l.String(), `[error] connect() to `+addr+` failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: localhost, request: "GET /x?y HTTP/1.1", upstream: "http://`+addr+`/x?y", host: "localhost"`)
}

func TestProxyReadTimeoutIs504(t *testing.T) {
	b := newRaw(t, silent)
	g := load(t, `location / { proxy_pass http://%s; proxy_read_timeout 50ms; }`, b.addr())
	l := withLog(g)
	r := get(g, "/", "upstream_status", "upstream_header_time")
	require.Equal(t, 504, r.Status)
	require.Equal(t, "504", r.Vars["upstream_status"])
	require.Equal(t, "-", r.Vars["upstream_header_time"])
	require.Contains(t, l.String(), "upstream timed out (110: Connection timed out) while reading response header from upstream")
}

func TestProxyNextUpstreamOnErrorTriesTheNextPeer(t *testing.T) {
	dead := closedAddr(t)
	ok := newRaw(t, fixed("HTTP/1.0 200 OK\r\n\r\nSEE-THIS"))
	g := gatewaytest.Load(t, `http {
		upstream u { server `+dead+`; server `+ok.addr()+`; }
		server { listen 80; location / { proxy_pass http://u; } }
	}`)
	withLog(g)
	r := get(g, "/", "upstream_addr", "upstream_status")
	require.Equal(t, 200, r.Status)
	require.Equal(t, "SEE-THIS", string(r.Body))
	require.Equal(t, dead+", "+ok.addr(), r.Vars["upstream_addr"])
	require.Equal(t, "502, 200", r.Vars["upstream_status"])
}

func TestProxyNextUpstreamHTTPStatuses(t *testing.T) {
	notFound := "HTTP/1.1 404 Not Found\r\nContent-Length: 8\r\n\r\nSEE-THIS"
	a := newRaw(t, fixed(notFound))
	b := newRaw(t, fixed(notFound))
	g := gatewaytest.Load(t, `http {
		upstream u { server `+a.addr()+` max_fails=0; server `+b.addr()+` max_fails=0; }
		server {
			listen 80;
			location / { proxy_pass http://u; proxy_next_upstream http_404; }
			location /tries/ { proxy_pass http://u; proxy_next_upstream http_404; proxy_next_upstream_tries 1; }
			location /off/ { proxy_pass http://u; proxy_next_upstream off; }
		}
	}`)

	// the last try's answer is passed as it is
	r := get(g, "/", "upstream_status", "upstream_addr")
	require.Equal(t, 404, r.Status)
	require.Equal(t, "SEE-THIS", string(r.Body))
	require.Equal(t, "404, 404", r.Vars["upstream_status"])
	require.Contains(t, r.Vars["upstream_addr"], ", ")

	r = get(g, "/tries/", "upstream_status")
	require.Equal(t, "404", r.Vars["upstream_status"])
	r = get(g, "/off/", "upstream_status")
	require.Equal(t, "404", r.Vars["upstream_status"])
}

func TestProxyNonIdempotentRequestsAreNotResentByDefault(t *testing.T) {
	// a backend that takes the request and closes without answering
	drop := func(s *rawServer, c net.Conn) { s.readHead(bufio.NewReader(c)) }
	a := newRaw(t, drop)
	g := gatewaytest.Load(t, `http {
		upstream u { server `+a.addr()+` max_fails=0; server `+a.addr()+` max_fails=0; }
		server {
			listen 80;
			location / { proxy_pass http://u; proxy_next_upstream error timeout; }
			location /non/ { proxy_pass http://u; proxy_next_upstream error timeout non_idempotent; }
		}
	}`)
	withLog(g)
	addrs := func(method, target string) string {
		r := gatewaytest.Do(g, gatewaytest.NewRequest(method, target), "upstream_addr")
		require.Equal(t, 502, r.Status)
		return r.Vars["upstream_addr"]
	}
	require.Equal(t, a.addr()+", "+a.addr(), addrs("GET", "/"))
	require.Equal(t, a.addr(), addrs("POST", "/"))
	require.Equal(t, a.addr()+", "+a.addr(), addrs("POST", "/non/"))
}

func TestProxyHTTP500MarksThePeerFailed(t *testing.T) {
	bad := newRaw(t, reply(func(head string) string {
		if strings.HasPrefix(head, "GET /500") {
			return "HTTP/1.0 500 Internal Server Error\r\n\r\n"
		}
		return "HTTP/1.0 200 OK\r\n\r\nBAD-PEER"
	}))
	good := newRaw(t, fixed("HTTP/1.0 200 OK\r\n\r\nGOOD-PEER"))
	g := gatewaytest.Load(t, `http {
		upstream u { server `+bad.addr()+`; server `+good.addr()+`; }
		server { listen 80; location / { proxy_pass http://u; proxy_next_upstream http_500; } }
	}`)
	for i := 0; i < 2; i++ {
		r := get(g, "/500")
		require.Equal(t, "GOOD-PEER", string(r.Body))
	}
	for i := 0; i < 4; i++ {
		r := get(g, "/ok")
		require.Equal(t, "GOOD-PEER", string(r.Body), "the failed peer is out for fail_timeout")
	}
}

func TestProxyNoLiveUpstreams(t *testing.T) {
	a := newRaw(t, fixed("HTTP/1.0 200 OK\r\n\r\n"))
	g := gatewaytest.Load(t, `http {
		upstream u { server `+a.addr()+` down; server `+a.addr()+` down; }
		server { listen 80; location / { proxy_pass http://u; } }
	}`)
	l := withLog(g)
	r := get(g, "/", "upstream_addr")
	require.Equal(t, 502, r.Status)
	require.Equal(t, "u", r.Vars["upstream_addr"])
	require.Contains(t, l.String(), `no live upstreams while connecting to upstream`)
	require.Contains(t, l.String(), `upstream: "http://u/"`)
}

func TestProxyInterceptErrors(t *testing.T) {
	b := newRaw(t, reply(func(head string) string {
		switch {
		case strings.HasPrefix(head, "GET /auth"):
			return "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: foo\r\nWWW-Authenticate: bar\r\nContent-Length: 0\r\n\r\n"
		case strings.HasPrefix(head, "GET /500"):
			return "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 3\r\n\r\nbad"
		case strings.HasPrefix(head, "GET /intercepted"):
			return "HTTP/1.0 200 OK\r\n\r\nintercepted"
		}
		return "HTTP/1.1 404 Not Found\r\nContent-Length: 8\r\n\r\nSEE-THIS"
	}))
	g := load(t, `
		location / {
			proxy_pass http://%[1]s;
			proxy_intercept_errors on;
			error_page 401 500 /intercepted;
		}
		location = /intercepted { proxy_pass http://%[1]s; }
	`, b.addr())

	r := get(g, "/")
	require.Equal(t, 404, r.Status)
	require.Equal(t, "SEE-THIS", string(r.Body), "no error_page for 404: not intercepted")

	r = get(g, "/500", "upstream_addr")
	require.Equal(t, 500, r.Status)
	require.Equal(t, "intercepted", string(r.Body))
	require.Equal(t, b.addr()+" : "+b.addr(), r.Vars["upstream_addr"])

	r = get(g, "/auth")
	require.Equal(t, 401, r.Status)
	require.Equal(t, []string{"foo", "bar"}, r.Header.Values("WWW-Authenticate"))
	require.Equal(t, "intercepted", string(r.Body))
}

func TestProxyDownPeerDoesNotCountAsATry(t *testing.T) {
	a := newRaw(t, fixed("HTTP/1.0 404 Not Found\r\n\r\nNot Found"))
	g := gatewaytest.Load(t, `http {
		upstream u3 { server `+a.addr()+`; server 127.0.0.1:1 down; }
		server { listen 80; location / { proxy_pass http://u3; proxy_next_upstream http_404; } }
	}`)
	r := get(g, "/down/", "upstream_addr")
	require.Equal(t, 404, r.Status)
	require.Equal(t, "Not Found", string(r.Body))
	require.Equal(t, a.addr(), r.Vars["upstream_addr"])
}

func TestProxyNextUpstreamTriesLimitsTries(t *testing.T) {
	a := newRaw(t, fixed("HTTP/1.0 404 Not Found\r\n\r\n"))
	g := gatewaytest.Load(t, `http {
		upstream u { server `+a.addr()+`; server `+a.addr()+`; server `+a.addr()+`; }
		upstream u2 { server `+a.addr()+`; server `+a.addr()+` backup; server `+a.addr()+` backup; }
		server {
			listen 80;
			proxy_next_upstream http_404;
			location /tries { proxy_pass http://u; proxy_next_upstream_tries 2; }
			location /tries/backup { proxy_pass http://u2; proxy_next_upstream_tries 2; }
			location /tries/zero { proxy_pass http://u; proxy_next_upstream_tries 0; }
		}
	}`)
	for target, want := range map[string]string{
		"/tries":        "404, 404",
		"/tries/backup": "404, 404",
		"/tries/zero":   "404, 404, 404",
	} {
		r := get(g, target, "upstream_status")
		require.Equal(t, want, r.Vars["upstream_status"], target)
	}
}

func TestProxyNextUpstreamTimeoutStopsRetries(t *testing.T) {
	slowFail := func(s *rawServer, c net.Conn) {
		s.readHead(bufio.NewReader(c))
		time.Sleep(20 * time.Millisecond) // longer than the 1ms allowed below
	}
	a := newRaw(t, slowFail)
	b := newRaw(t, slowFail)
	g := gatewaytest.Load(t, `http {
		upstream u { server `+a.addr()+`; server `+b.addr()+`; }
		server { listen 80; location / { proxy_pass http://u; proxy_next_upstream_timeout 1ms; } }
	}`)
	withLog(g)
	r := get(g, "/", "upstream_status")
	require.Equal(t, 502, r.Status)
	require.Equal(t, "502", r.Vars["upstream_status"])
}

func TestProxyIgnoreHeadersXAccelRedirect(t *testing.T) {
	b := newRaw(t, fixed("HTTP/1.1 204 No Content\r\nX-Accel-Redirect: /elsewhere\r\n\r\n"))
	g := load(t, `location / { proxy_pass http://%s; proxy_ignore_headers X-Accel-Redirect; }`, b.addr())
	r := get(g, "/", "upstream_http_x_accel_redirect")
	require.Equal(t, 204, r.Status)
	require.False(t, r.Header.Has("X-Accel-Redirect"))
	require.Equal(t, "/elsewhere", r.Vars["upstream_http_x_accel_redirect"])
}
