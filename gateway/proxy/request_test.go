package proxy_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway/gatewaytest"
)

// requestLine is the first line of the last request the backend got.
func requestLine(s *rawServer) string {
	head := s.lastRequest()
	if i := strings.Index(head, "\r\n"); i >= 0 {
		return head[:i]
	}
	return head
}

func TestProxyPassURIRules(t *testing.T) {
	b := newRaw(t, echo)
	g := load(t, `
		location / { proxy_pass http://%[1]s; }
		location /p/ { proxy_pass http://%[1]s/r/; }
		location /strip/ { proxy_pass http://%[1]s/; }
		location ~ ^/re { proxy_pass http://%[1]s; }
		location = /exact { proxy_pass http://%[1]s/other; }
		location /var/ { proxy_pass http://$arg_b; }
		location /varuri/ { proxy_pass http://%[1]s/v$uri; }
		location @named { proxy_pass http://%[1]s; }
	`, b.addr())
	tests := []struct {
		name, target, line string
	}{
		{"no URI part passes the request URI as sent", "/a%20b/../c?x=%41", "GET /a%20b/../c?x=%41 HTTP/1.0"},
		{"URI part replaces the location prefix", "/p/x/y?q=1", "GET /r/x/y?q=1 HTTP/1.0"},
		{"replaced prefix with escaped rest", "/strip/a%20b?x", "GET /a%20b?x HTTP/1.0"},
		{"prefix replacement of a normalised URI", "/strip//x/./y", "GET /x/y HTTP/1.0"},
		{"regex location passes the URI", "/re/x?y", "GET /re/x?y HTTP/1.0"},
		{"exact location with URI part", "/exact?a=b", "GET /other?a=b HTTP/1.0"},
		{"variables without URI part pass the request URI", "/var/x?b=" + b.addr(), "GET /var/x?b=" + b.addr() + " HTTP/1.0"},
		{"variables with URI part send it as it is", "/varuri/z?k", "GET /v/varuri/z HTTP/1.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(g, tt.target)
			require.Equal(t, 200, r.Status)
			require.Equal(t, tt.line, requestLine(b))
		})
	}
}

func TestProxyPassHostHeaderAndDefaults(t *testing.T) {
	b := newRaw(t, echo)
	g := load(t, `
		location / { proxy_pass http://%[1]s; }
		location /set/ {
			proxy_pass http://%[1]s;
			proxy_set_header Host example.com;
			proxy_set_header X-Real-IP $remote_addr;
			proxy_set_header User-Agent "";
			proxy_set_header Connection "";
		}
		location /noheaders/ {
			proxy_pass http://%[1]s;
			proxy_pass_request_headers off;
		}
	`, b.addr())

	req := gatewaytest.NewRequest("GET", "/")
	req.Header.Add("User-Agent", "test")
	req.Header.Add("TE", "trailers")
	req.Header.Add("Keep-Alive", "300")
	req.Header.Add("Expect", "100-continue")
	req.Header.Add("Upgrade", "websocket")
	req.Header.Add("Connection", "keep-alive")
	req.Header.Add("X-Custom", "a")
	req.Header.Add("X-Custom", "b")
	gatewaytest.Do(g, req)
	require.Equal(t, "GET / HTTP/1.0\r\nHost: "+b.addr()+"\r\nConnection: close\r\n"+
		"User-Agent: test\r\nX-Custom: a\r\nX-Custom: b\r\n\r\n", b.lastRequest())

	req = gatewaytest.NewRequest("GET", "/set/")
	req.Header.Add("User-Agent", "test")
	gatewaytest.Do(g, req)
	require.Equal(t, "GET /set/ HTTP/1.0\r\nHost: example.com\r\nX-Real-IP: 127.0.0.1\r\n\r\n", b.lastRequest())

	req = gatewaytest.NewRequest("GET", "/noheaders/")
	req.Header.Add("User-Agent", "test")
	gatewaytest.Do(g, req)
	require.Equal(t, "GET /noheaders/ HTTP/1.0\r\nHost: "+b.addr()+"\r\nConnection: close\r\n\r\n", b.lastRequest())
}

func TestProxySetHeaderIsInheritedOnlyWhenALevelSetsNone(t *testing.T) {
	b := newRaw(t, echo)
	g := gatewaytest.Load(t, `http {
		proxy_set_header X-Blah blah;
		server {
			listen 80;
			location / { proxy_pass http://`+b.addr()+`; }
			location /own/ {
				proxy_pass http://`+b.addr()+`;
				proxy_set_header X-Own own;
			}
		}
	}`)
	get(g, "/")
	require.Contains(t, b.lastRequest(), "\r\nX-Blah: blah\r\n")
	get(g, "/own/")
	require.Contains(t, b.lastRequest(), "\r\nX-Own: own\r\n")
	require.NotContains(t, b.lastRequest(), "X-Blah")
}

func TestProxyAddXForwardedFor(t *testing.T) {
	b := newRaw(t, echo)
	g := load(t, `location / {
		proxy_pass http://%s;
		proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
	}`, b.addr())
	get(g, "/")
	require.Contains(t, b.lastRequest(), "\r\nX-Forwarded-For: 127.0.0.1\r\n")

	req := gatewaytest.NewRequest("GET", "/")
	req.Header.Add("X-Forwarded-For", "192.0.2.1")
	req.Header.Add("X-Forwarded-For", "192.0.2.2")
	gatewaytest.Do(g, req)
	require.Contains(t, b.lastRequest(), "\r\nX-Forwarded-For: 192.0.2.1, 192.0.2.2, 127.0.0.1\r\n")
}

func TestProxyRequestBody(t *testing.T) {
	b := newRaw(t, echo)
	headOnly := newRaw(t, fixed("HTTP/1.0 200 OK\r\n\r\n"))
	g := load(t, `
		location / { proxy_pass http://%[1]s; }
		location /nobody/ { proxy_pass http://%[2]s; proxy_pass_request_body off; }
		location /setbody/ { proxy_pass http://%[1]s; proxy_set_body "body $arg_x"; }
		location /stream/ {
			proxy_pass http://%[1]s;
			proxy_http_version 1.1;
			proxy_request_buffering off;
		}
		location /stream10/ {
			proxy_pass http://%[1]s;
			proxy_request_buffering off;
		}
	`, b.addr(), headOnly.addr())

	post := func(target, body string, chunked bool) *gatewaytest.Response {
		req := gatewaytest.NewRequest("POST", target)
		if chunked {
			req.Body = strings.NewReader(body)
			req.ContentLength = -1
			req.Chunked = true
			req.Header.Add("Transfer-Encoding", "chunked")
		} else {
			gatewaytest.WithBody(req, body)
		}
		return gatewaytest.Do(g, req)
	}

	r := post("/", "hello", false)
	require.Equal(t, "hello", string(r.Body))
	require.Contains(t, b.lastRequest(), "\r\nContent-Length: 5\r\n")

	r = post("/", "chunked-buffered", true)
	require.Equal(t, "chunked-buffered", string(r.Body))
	require.Contains(t, b.lastRequest(), "\r\nContent-Length: 16\r\n")
	require.NotContains(t, b.lastRequest(), "Transfer-Encoding")

	r = post("/stream/", "streamed", true)
	require.Contains(t, b.lastRequest(), "\r\nTransfer-Encoding: chunked\r\n")
	require.True(t, strings.HasSuffix(b.lastRequest(), "\r\n\r\n8\r\nstreamed\r\n0\r\n\r\n"), b.lastRequest())

	r = post("/stream/", "known", false)
	require.Equal(t, "known", string(r.Body))
	require.Contains(t, b.lastRequest(), "\r\nContent-Length: 5\r\n")

	r = post("/stream10/", "chunked-to-1.0", true)
	require.Equal(t, "chunked-to-1.0", string(r.Body))
	require.Contains(t, b.lastRequest(), "\r\nContent-Length: 14\r\n")

	// as in nginx, the client's Content-Length goes along without the body
	r = post("/nobody/", "secret", false)
	require.Equal(t, 200, r.Status)
	require.Equal(t, "POST /nobody/ HTTP/1.0\r\nHost: "+headOnly.addr()+"\r\nConnection: close\r\nContent-Length: 6\r\n\r\n", headOnly.lastRequest())

	r = post("/setbody/?x=1", "ignored", false)
	require.Equal(t, "body 1", string(r.Body))
	require.Contains(t, b.lastRequest(), "\r\nContent-Length: 6\r\n")
}

func TestProxyMethod(t *testing.T) {
	b := newRaw(t, echo)
	g := load(t, `
		location /const { proxy_pass http://%[1]s; proxy_method POST; }
		location /var { proxy_pass http://%[1]s; proxy_method $arg_method; }
		location /parent {
			proxy_method PUT;
			location /parent/child { proxy_pass http://%[1]s; }
		}
		location / { proxy_pass http://%[1]s; }
	`, b.addr())
	for target, method := range map[string]string{
		"/preserve":      "GET",
		"/const":         "POST",
		"/var?method=DO": "DO",
		"/parent/child":  "PUT",
	} {
		get(g, target)
		require.True(t, strings.HasPrefix(b.lastRequest(), method+" "), target)
	}
}
