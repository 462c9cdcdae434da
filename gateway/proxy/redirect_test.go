package proxy_test

import (
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway/gatewaytest"
)

// redirector answers every request with a redirect to its own URI on the
// backend, with a Refresh header like nginx's proxy_redirect.t backend.
func redirector(s *rawServer) func(head string) string {
	return func(head string) string {
		uri := strings.Fields(head)[1]
		base := "http://" + s.addr()
		return "HTTP/1.1 302 Moved Temporarily\r\nLocation: " + base + uri +
			"\r\nRefresh: 7; url=" + base + uri + "\r\nContent-Length: 0\r\n\r\n"
	}
}

func TestProxyRedirect(t *testing.T) {
	b := newRaw(t, func(s *rawServer, c net.Conn) { reply(redirector(s))(s, c) })
	up := b.addr()
	g := load(t, `
		location / {
			proxy_pass http://%[1]s;
			proxy_redirect http://%[1]s/var_in_second/ /$arg_v/;
			proxy_redirect http://%[1]s/$arg_v/ /replaced/;
			proxy_redirect ~^(.+)/regex_w_([^/]+) $1/$2/test.html;
			proxy_redirect ~*re+gexp? /replaced/test.html;
		}
		location /expl_default/ {
			proxy_pass http://%[1]s/replace_this/;
			proxy_redirect wrong wrong;
			proxy_redirect default;
		}
		location /impl_default/ {
			proxy_pass http://%[1]s/replace_this/;
		}
		location /off/ {
			proxy_pass http://%[1]s/;
			proxy_redirect off;
			location /off/on/ {
				proxy_pass http://%[1]s;
				proxy_redirect http://%[1]s/off/ /;
				location /off/on/on/ {
					proxy_pass http://%[1]s;
				}
			}
		}
	`, up)
	const self = "http://localhost"
	tests := []struct {
		name, target, location, refresh string
	}{
		{"implicit default", "/impl_default/test.html", self + "/impl_default/test.html", "7; url=/impl_default/test.html"},
		{"explicit default", "/expl_default/test.html", self + "/expl_default/test.html", "7; url=/expl_default/test.html"},
		{"variable in replacement", "/var_in_second/test.html?v=var_here", self + "/var_here/test.html?v=var_here", "7; url=/var_here/test.html?v=var_here"},
		{"variable in pattern", "/var_here/test.html?v=var_here", self + "/replaced/test.html?v=var_here", "7; url=/replaced/test.html?v=var_here"},
		{"off", "/off/test.html", "http://" + up + "/test.html", "7; url=http://" + up + "/test.html"},
		{"off overridden", "/off/on/test.html", self + "/on/test.html", "7; url=/on/test.html"},
		{"inherited", "/off/on/on/test.html", self + "/on/on/test.html", "7; url=/on/on/test.html"},
		{"caseless regex", "/ReeegEX/test.html", self + "/replaced/test.html", "7; url=/replaced/test.html"},
		{"regex with captures", "/regex_w_captures/test.html", "http://" + up + "/captures/test.html", "7; url=http://" + up + "/captures/test.html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(g, tt.target)
			require.Equal(t, 302, r.Status)
			require.Equal(t, tt.location, r.Header.Get("Location"))
			require.Equal(t, tt.refresh, r.Header.Get("Refresh"))
		})
	}
}

func TestProxyCookieDomainAndPath(t *testing.T) {
	b := newRaw(t, reply(func(head string) string {
		u, _ := url.Parse(strings.Fields(head)[1])
		cookie := "v=path=domain="
		if d := u.Query().Get("domain"); d != "" {
			cookie += "; Domain=" + d
		}
		if p := u.Query().Get("path"); p != "" {
			cookie += "; Path=" + p
		}
		return "HTTP/1.1 200 OK\r\nSet-Cookie: " + cookie + "\r\nContent-Length: 0\r\n\r\n"
	}))
	g := load(t, `
		location / {
			proxy_pass http://%s;
			proxy_cookie_domain www.example.org .example.com;
			proxy_cookie_domain .$server_name.com en.$server_name.org;
			proxy_cookie_domain ~^(.+)\.com$ $1.org;
			proxy_cookie_path /path/ /new/;
			proxy_cookie_path /$server_name/ /new/$server_name/;
			proxy_cookie_path ~^/regex/(.+)$ /$1;
			proxy_cookie_path ~*^/caseless/(.+)$ /$1;
			location /off/ {
				proxy_pass http://%[1]s;
				proxy_cookie_domain off;
				proxy_cookie_path off;
			}
		}
	`, b.addr())
	tests := []struct{ target, cookie string }{
		{"/?domain=www.Example.org", "v=path=domain=; Domain=example.com"},
		{"/?domain=.LocalHost.com", "v=path=domain=; Domain=.en.localhost.org"},
		{"/?domain=www.example.COM", "v=path=domain=; Domain=www.example.org"},
		{"/?path=/path/test.html", "v=path=domain=; Path=/new/test.html"},
		{"/?path=/localhost/test.html", "v=path=domain=; Path=/new/localhost/test.html"},
		{"/?path=/regex/test.html", "v=path=domain=; Path=/test.html"},
		{"/?path=/CASEless/test.html", "v=path=domain=; Path=/test.html"},
		{"/?domain=www.example.org&path=/path/test.html", "v=path=domain=; Domain=example.com; Path=/new/test.html"},
		{"/off/?domain=www.example.org&path=/path/test.html", "v=path=domain=; Domain=www.example.org; Path=/path/test.html"},
	}
	for _, tt := range tests {
		r := gatewaytest.Get(t, g, tt.target)
		require.Equal(t, tt.cookie, r.Header.Get("Set-Cookie"), tt.target)
	}
}
