package proxy_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway/conf"
	_ "github.com/gonjet/gonjet/gateway/filter/headers"
	_ "github.com/gonjet/gonjet/gateway/filter/rewrite"
)

func TestProxyDirectiveErrors(t *testing.T) {
	tests := []struct{ name, src, err string }{
		{"duplicate proxy_pass", `location / { proxy_pass http://127.0.0.1:1; proxy_pass http://127.0.0.1:2; }`,
			`"proxy_pass" directive is duplicate in line 2`},
		{"invalid URL prefix", `location / { proxy_pass ftp://127.0.0.1; }`, `invalid URL prefix in line 2`},
		{"invalid port", `location / { proxy_pass http://127.0.0.1:99999/; }`, `invalid port in upstream "127.0.0.1:99999/" in line 2`},
		{"URI part in a regex location", `location ~ ^/x { proxy_pass http://127.0.0.1:1/; }`,
			`"proxy_pass" cannot have URI part in location given by regular expression, or inside named location, or inside "if" statement, or inside "limit_except" block in line 2`},
		{"URI part in a named location", `location @n { proxy_pass http://127.0.0.1:1/x; }`,
			`"proxy_pass" cannot have URI part in location given by regular expression`},
		{"URI part in limit_except", `location / { limit_except GET { proxy_pass http://127.0.0.1:1/x; } }`,
			`"proxy_pass" cannot have URI part in location given by regular expression`},
		{"URI part in if", `location / { if ($arg_x) { proxy_pass http://127.0.0.1:1/x; } }`,
			`"proxy_pass" cannot have URI part in location given by regular expression`},
		{"proxy_pass at server level", `proxy_pass http://127.0.0.1:1;`, `"proxy_pass" directive is not allowed here in line 2`},
		{"http version", `proxy_http_version 2.0;`, `invalid value "2.0" in line 2`},
		{"bad flag", `proxy_buffering yes;`, `invalid value "yes" in "proxy_buffering" directive, it must be "on" or "off" in line 2`},
		{"duplicate flag", `proxy_buffering on; proxy_buffering off;`, `"proxy_buffering" directive is duplicate in line 2`},
		{"bad timeout", `proxy_read_timeout 1x;`, `"proxy_read_timeout" directive invalid value in line 2`},
		{"bad next_upstream", `proxy_next_upstream error http_418;`, `invalid value "http_418" in line 2`},
		{"one buffer", `location / { proxy_pass http://127.0.0.1:1; proxy_buffers 1 4k; }`, `there must be at least 2 "proxy_buffers" in line 2`},
		{"busy buffers too small", `location / { proxy_pass http://127.0.0.1:1; proxy_busy_buffers_size 1k; }`,
			`"proxy_busy_buffers_size" must be equal to or greater than the maximum of the value of "proxy_buffer_size" and one of the "proxy_buffers"`},
		{"busy buffers too big", `location / { proxy_pass http://127.0.0.1:1; proxy_busy_buffers_size 64k; }`,
			`"proxy_busy_buffers_size" must be less than the size of all "proxy_buffers" minus one buffer`},
		{"redirect default before proxy_pass", `location / { proxy_redirect default; proxy_pass http://127.0.0.1:1; }`,
			`"proxy_redirect default" should be placed after the "proxy_pass" directive in line 2`},
		{"redirect default with variables", `location / { proxy_pass http://$host; proxy_redirect default; }`,
			`"proxy_redirect default" cannot be used with "proxy_pass" directive with variables in line 2`},
		{"redirect bad parameter", `proxy_redirect on;`, `invalid parameter "on" in line 2`},
		{"redirect off twice", `proxy_redirect off; proxy_redirect off;`, `"proxy_redirect" directive is duplicate in line 2`},
		{"cookie path off twice", `proxy_cookie_path off; proxy_cookie_path off;`, `"proxy_cookie_path" directive is duplicate in line 2`},
		{"unknown host", `location / { proxy_pass http://no-such-host.invalid; }`, `host not found in upstream "no-such-host.invalid" in line 2`},
		{"upstream with port", `location / { proxy_pass http://u:8080; }
		} upstream u { server 127.0.0.1:1; } server { listen 81;`, `upstream "u" may not have port 8080 in line 2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := conf.LoadString("http { server { listen 80;\n"+tt.src+"\n} }", conf.Options{Prefix: t.TempDir() + "/"})
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.err)
		})
	}
}

func TestProxyPassInIfBlocks(t *testing.T) {
	b := newRaw(t, echo)
	g := load(t, `
		location / { proxy_pass http://%[1]s/; }
		location /proxy-pass-uri {
			proxy_pass http://%[1]s/replacement;
			if ($arg_if) { }
			location /proxy-pass-uri/inner { if ($arg_if) { } }
		}
		location /variables {
			proxy_pass http://%[1]s/outer/$host;
			if ($arg_if) { proxy_pass http://%[1]s; }
			location /variables/inner { proxy_pass http://%[1]s; }
		}
	`, b.addr())
	tests := []struct {
		target, line string
		status       int
	}{
		{"/", "GET / HTTP/1.0", 200},
		{"/proxy-pass-uri", "GET /replacement HTTP/1.0", 200},
		{"/proxy-pass-uri?if=1", "GET /replacement?if=1 HTTP/1.0", 200},
		{"/variables", "GET /outer/localhost HTTP/1.0", 200},
		{"/variables?if=1", "GET /variables?if=1 HTTP/1.0", 200},
		{"/variables/inner", "GET /variables/inner HTTP/1.0", 200},
	}
	for _, tt := range tests {
		r := get(g, tt.target)
		require.Equal(t, tt.status, r.Status, tt.target)
		require.Equal(t, tt.line, requestLine(b), tt.target)
	}
	require.Equal(t, 404, get(g, "/proxy-pass-uri/inner").Status)
	require.Equal(t, 404, get(g, "/proxy-pass-uri/inner?if=1").Status)
}

func TestProxyPassAfterRewrite(t *testing.T) {
	b := newRaw(t, echo)
	g := load(t, `
		location /a/ {
			rewrite ^/a/(.*) /a/x/$1 break;
			proxy_pass http://%[1]s/c/;
		}
		location /last/ {
			rewrite ^/last/(.*) /target/$1 last;
		}
		location /target/ { proxy_pass http://%[1]s/t/; }
		location /unchanged/ {
			rewrite ^ $uri break;
			proxy_pass http://%[1]s;
		}
	`, b.addr())
	get(g, "/a/b%20c")
	require.Equal(t, "GET /a/x/b%20c HTTP/1.0", requestLine(b), "after rewrite...break the URI part is not used")
	get(g, "/last/z?q=1")
	require.Equal(t, "GET /t/z?q=1 HTTP/1.0", requestLine(b))
	get(g, "/unchanged/%41?q")
	require.Equal(t, "GET /unchanged/A?q HTTP/1.0", requestLine(b))
}

func TestProxyVariablesInHeaderFilters(t *testing.T) {
	b := newRaw(t, fixed("HTTP/1.0 200 OK\r\n\r\n"))
	g := load(t, `
		add_header X-Proxy-Host $proxy_host;
		add_header X-Proxy-Port $proxy_port;
		add_header X-Upstream $upstream_addr;
		location / { proxy_pass http://%s; }
	`, b.addr())
	r := get(g, "/")
	require.Equal(t, b.addr(), r.Header.Get("X-Proxy-Host"))
	require.Equal(t, b.addr(), r.Header.Get("X-Upstream"))
	require.NotEmpty(t, r.Header.Get("X-Proxy-Port"))
}

func TestProxyNextUpstreamTriesAllPeersOnce(t *testing.T) {
	a := newRaw(t, fixed("HTTP/1.0 404 Not Found\r\n\r\n"))
	b := newRaw(t, fixed("HTTP/1.0 404 Not Found\r\n\r\n"))
	g := load(t, `http {
		upstream u2 { server %s; server %s; }
		server {
			listen 80;
			location /all/ {
				proxy_pass http://u2;
				proxy_next_upstream http_500 http_404;
				error_page 404 /all/404;
				proxy_intercept_errors on;
			}
			location /all/404 { return 200 "$upstream_addr\n"; }
		}
	}`, a.addr(), b.addr())
	r := get(g, "/all/rr")
	require.Equal(t, 404, r.Status)
	body := string(r.Body)
	require.True(t, body == a.addr()+", "+b.addr()+"\n" || body == b.addr()+", "+a.addr()+"\n", body)
}
