package proxy_test

import (
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway/gatewaytest"
)

func TestProxyVariables(t *testing.T) {
	b := newRaw(t, fixed("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Len: 7\r\n\r\nok"))
	_, port, _ := net.SplitHostPort(b.addr())
	g := load(t, `
		location / { proxy_pass http://%[1]s; }
	`, b.addr())
	r := get(g, "/", "proxy_host", "proxy_port", "upstream_addr", "upstream_status",
		"upstream_connect_time", "upstream_header_time", "upstream_response_time",
		"upstream_bytes_received", "upstream_bytes_sent", "upstream_http_x_len")
	require.Equal(t, b.addr(), r.Vars["proxy_host"])
	require.Equal(t, port, r.Vars["proxy_port"])
	require.Equal(t, b.addr(), r.Vars["upstream_addr"])
	require.Equal(t, "200", r.Vars["upstream_status"])
	for _, v := range []string{"upstream_connect_time", "upstream_header_time", "upstream_response_time"} {
		require.Regexp(t, `^\d+\.\d{3}$`, r.Vars[v], v)
	}
	require.Equal(t, "50", r.Vars["upstream_bytes_received"])
	require.Equal(t, len(b.lastRequest()), atoi(r.Vars["upstream_bytes_sent"]))
	require.Equal(t, "7", r.Vars["upstream_http_x_len"])
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func TestProxyPassWithVariablesToUpstreamBlock(t *testing.T) {
	b := newRaw(t, echo)
	g := gatewaytest.Load(t, `http {
		upstream u { server `+b.addr()+`; }
		server {
			listen 80;
			location /var/ { proxy_pass http://$arg_b; }
			location /raw/ { proxy_pass $arg_u; }
		}
	}`)
	r := get(g, "/var/x?b=u", "upstream_addr", "proxy_host")
	require.Equal(t, 200, r.Status)
	require.Equal(t, b.addr(), r.Vars["upstream_addr"])
	require.Equal(t, "u", r.Vars["proxy_host"])
	require.Contains(t, b.lastRequest(), "\r\nHost: u\r\n")

	r = get(g, "/var/x?b="+b.addr()+"/path", "upstream_addr")
	require.Equal(t, 200, r.Status)
	require.Equal(t, "GET /path HTTP/1.0", requestLine(b))

	l := withLog(g)
	r = get(g, "/raw/?u=ftp://x")
	require.Equal(t, 500, r.Status)
	require.Contains(t, l.String(), `invalid URL prefix in "ftp://x"`)
	r = get(g, "/var/?b=h:0")
	require.Equal(t, 500, r.Status)
	require.Contains(t, l.String(), `invalid port in upstream "h:0"`)
}

func TestProxyXAccelRedirect(t *testing.T) {
	target := newRaw(t, echo)
	xar := newRaw(t, reply(func(head string) string {
		v := strings.TrimPrefix(strings.Fields(head)[1], "/return-xar?xar=")
		return "HTTP/1.1 204 No Content\r\nX-Accel-Redirect: " + v + "\r\n" +
			"Content-Type: text/blah\r\nSet-Cookie: blah=blah\r\nContent-Disposition: attachment\r\n" +
			"Cache-Control: no-cache\r\nExpires: fake\r\nAccept-Ranges: parrots\r\nSomething: other\r\n\r\n"
	}))
	g := load(t, `
		location /proxy { proxy_pass http://%[1]s/return-xar; }
		location /index.html { proxy_pass http://%[2]s; }
		location /foo { proxy_pass http://%[2]s; }
		location @named { proxy_pass http://%[2]s; }
	`, xar.addr(), target.addr())

	r := get(g, "/proxy?xar=/index.html", "upstream_http_x_accel_redirect")
	require.Equal(t, 200, r.Status)
	require.Equal(t, "GET /index.html HTTP/1.0", requestLine(target))
	for name, v := range map[string]string{
		"Content-Type": "text/blah", "Set-Cookie": "blah=blah", "Content-Disposition": "attachment",
		"Cache-Control": "no-cache", "Expires": "fake", "Accept-Ranges": "parrots",
	} {
		require.Equal(t, v, r.Header.Get(name), name)
	}
	require.False(t, r.Header.Has("Something"))
	require.False(t, r.Header.Has("X-Accel-Redirect"))

	gatewaytest.Do(g, gatewaytest.WithBody(gatewaytest.NewRequest("POST", "/proxy?xar=/index.html"), "x"))
	require.Equal(t, "GET /index.html HTTP/1.0", requestLine(target))

	get(g, "/proxy?xar=/foo%20bar?a=b")
	require.Equal(t, "GET /foo%20bar?a=b HTTP/1.0", requestLine(target))

	get(g, "/proxy?xar=@named")
	require.Equal(t, "GET /proxy?xar=@named HTTP/1.0", requestLine(target))

	for _, bad := range []string{"..", "../foo", "/foo/..", "/foo/.%2e"} {
		r := get(g, "/proxy?xar="+bad)
		require.Equal(t, 404, r.Status, bad)
	}
}

func TestProxyInheritedIntoLimitExcept(t *testing.T) {
	b := newRaw(t, echo)
	g := load(t, `
		location /lmt {
			proxy_pass http://%[1]s/replacement;
			limit_except POST { }
			location /lmt/inner { limit_except POST { } }
		}
		location /lmt-different {
			proxy_pass http://%[1]s/replacement;
			limit_except POST { proxy_pass http://%[1]s; }
		}
	`, b.addr())
	require.Equal(t, 200, get(g, "/lmt").Status)
	require.Equal(t, "GET /replacement HTTP/1.0", requestLine(b))
	require.Equal(t, 404, get(g, "/lmt/inner").Status)
	get(g, "/lmt-different")
	require.Equal(t, "GET /lmt-different HTTP/1.0", requestLine(b))
}
