package realip_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
	"github.com/gonjet/gonjet/gateway/filter/access"
	"github.com/gonjet/gonjet/gateway/filter/realip"
	"github.com/gonjet/gonjet/gateway/gatewaytest"
)

func load(t *testing.T, src string) (*gateway.Gateway, *conf.Result) {
	t.Helper()
	res, err := conf.LoadString(src, conf.Options{Prefix: t.TempDir()})
	require.NoError(t, err)
	res.Config.ErrorLog = quiet{}
	return gatewaytest.Serve(t, res.Config), res
}

type quiet struct{}

func (quiet) Enabled(gateway.Level) bool        { return false }
func (quiet) Log(gateway.Level, uint64, string) {}

var vars = []string{"remote_addr", "remote_port", "realip_remote_addr", "realip_remote_port"}

// request sends GET target from client with header lines "Name: value".
func request(g *gateway.Gateway, target, client string, headers ...string) *gatewaytest.Response {
	req := gatewaytest.NewRequest("GET", target)
	req.Conn.RemoteAddr = client
	for _, h := range headers {
		for i := 0; i < len(h); i++ {
			if h[i] == ':' {
				req.Header.Add(h[:i], h[i+2:])
				break
			}
		}
	}
	return gatewaytest.Do(g, req, vars...)
}

// realipConf is nginx-tests realip.t, with an access check standing in
// for the location content.
const realipConf = `
http {
    set_real_ip_from  127.0.0.1/32;
    set_real_ip_from  10.0.1.0/24;

    server {
        listen 80;
        location / { }
        location /custom {
            real_ip_header    X-Real-IP-Custom;
        }
        location /1 {
            real_ip_header    X-Forwarded-For;
            real_ip_recursive off;
        }
        location /2 {
            real_ip_header    X-Forwarded-For;
            real_ip_recursive on;
        }
        location /denied {
            deny 192.0.2.1;
        }
    }
}`

func TestRealIPAsNginxTests(t *testing.T) {
	g, _ := load(t, realipConf)
	const proxy = "127.0.0.1:54321"
	tests := []struct {
		name, target, client string
		headers              []string
		want                 string
	}{
		{"realip", "/", proxy, []string{"X-Real-IP: 192.0.2.1"}, "192.0.2.1"},
		{"realip custom", "/custom", proxy, []string{"X-Real-IP-Custom: 192.0.2.1"}, "192.0.2.1"},
		{"realip multi", "/1", proxy, []string{"X-Forwarded-For: 10.0.0.1, 192.0.2.1"}, "192.0.2.1"},
		{"realip recursive off", "/1", proxy, []string{"X-Forwarded-For: 192.0.2.1, 10.0.1.1, 127.0.0.1"}, "127.0.0.1"},
		{"realip recursive on", "/2", proxy, []string{"X-Forwarded-For: 10.0.1.1, 192.0.2.1, 127.0.0.1"}, "192.0.2.1"},
		{"realip multi xff recursive off", "/1", proxy, []string{"X-Forwarded-For: 192.0.2.1", "X-Forwarded-For: 127.0.0.1, 10.0.1.1"}, "10.0.1.1"},
		{"realip multi xff recursive on", "/2", proxy, []string{"X-Forwarded-For: 10.0.1.1", "X-Forwarded-For: 192.0.2.1", "X-Forwarded-For: 127.0.0.1"}, "192.0.2.1"},
		{"untrusted proxy", "/", "203.0.113.1:1", []string{"X-Real-IP: 192.0.2.1"}, "203.0.113.1"},
		{"no header", "/", proxy, nil, "127.0.0.1"},
		{"bad address", "/", proxy, []string{"X-Real-IP: unknown"}, "127.0.0.1"},
		{"first X-Real-IP", "/", proxy, []string{"X-Real-IP: 192.0.2.1", "X-Real-IP: 192.0.2.2"}, "192.0.2.1"},
		{"ipv6 address", "/", proxy, []string{"X-Real-IP: 2001:DB8::1"}, "2001:db8::1"},
		{"recursive all trusted", "/2", proxy, []string{"X-Forwarded-For: 10.0.1.2, 10.0.1.1"}, "10.0.1.2"},
		{"recursive stops at bad entry", "/2", proxy, []string{"X-Forwarded-For: 192.0.2.1, junk, 10.0.1.1"}, "10.0.1.1"},
		{"trailing separators", "/1", proxy, []string{"X-Forwarded-For: 192.0.2.1 , "}, "192.0.2.1"},
		// checked against nginx 1.22
		{"leading comma makes the entry unreadable", "/2", proxy, []string{"X-Forwarded-For: ,192.0.2.1"}, "127.0.0.1"},
		{"leading zeros", "/2", proxy, []string{"X-Forwarded-For: 01.2.3.4"}, "1.2.3.4"},
		{"ipv4-compatible ipv6", "/2", proxy, []string{"X-Forwarded-For: ::1.2.3.4"}, "::1.2.3.4"},
		{"bracketed ipv6 with port", "/2", proxy, []string{"X-Forwarded-For: [::1]:5"}, "::1"},
		{"empty header", "/1", proxy, []string{"X-Forwarded-For: "}, "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := request(g, tt.target, tt.client, tt.headers...)
			require.Equal(t, tt.want, r.Vars["remote_addr"])
		})
	}
}

func TestRealIPPortsAndOriginalAddress(t *testing.T) {
	g, _ := load(t, realipConf)
	r := request(g, "/1", "127.0.0.1:54321", "X-Forwarded-For: 192.0.2.1:123")
	require.Equal(t, "192.0.2.1", r.Vars["remote_addr"])
	require.Equal(t, "123", r.Vars["remote_port"])
	require.Equal(t, "127.0.0.1", r.Vars["realip_remote_addr"])
	require.Equal(t, "54321", r.Vars["realip_remote_port"])

	r = request(g, "/", "127.0.0.1:54321", "X-Real-IP: 192.0.2.1")
	require.Equal(t, "192.0.2.1", r.Vars["remote_addr"])
	require.Equal(t, "", r.Vars["remote_port"], "an address without port has an empty port")

	r = request(g, "/1", "127.0.0.1:54321", "X-Forwarded-For: [2001:db8::1]:8080")
	require.Equal(t, "2001:db8::1", r.Vars["remote_addr"])
	require.Equal(t, "8080", r.Vars["remote_port"])

	r = request(g, "/", "127.0.0.1:54321")
	require.Equal(t, "127.0.0.1", r.Vars["realip_remote_addr"])
	require.Equal(t, "54321", r.Vars["realip_remote_port"])
}

func TestRealIPAddressIsWhatAccessChecks(t *testing.T) {
	g, _ := load(t, realipConf)
	require.Equal(t, 403, request(g, "/denied", "127.0.0.1:1", "X-Real-IP: 192.0.2.1").Status)
	require.Equal(t, 404, request(g, "/denied", "127.0.0.1:1", "X-Real-IP: 192.0.2.2").Status)
}

func TestRealIPRunsInPostReadWithServerSettings(t *testing.T) {
	g, _ := load(t, `
http {
    server {
        listen 80;
        set_real_ip_from 127.0.0.1;
        location /other {
            real_ip_header X-Other;
        }
        location /late {
            set_real_ip_from 192.0.2.0/24;
            real_ip_header X-Other;
        }
    }
}`)
	// post-read used the server's X-Real-IP; the location's header is
	// not looked at once the address was replaced
	r := request(g, "/other", "127.0.0.1:1", "X-Real-IP: 192.0.2.1", "X-Other: 192.0.2.2")
	require.Equal(t, "192.0.2.1", r.Vars["remote_addr"])
	// pre-access uses the location's settings when post-read did nothing
	r = request(g, "/late", "192.0.2.9:1", "X-Other: 198.51.100.1")
	require.Equal(t, "198.51.100.1", r.Vars["remote_addr"])
}

func TestRealIPUnixSocketProxy(t *testing.T) {
	g, _ := load(t, `
http {
    server {
        listen 80;
        location /1 { set_real_ip_from 127.0.0.1; }
        location /2 { set_real_ip_from unix:; }
    }
}`)
	require.Equal(t, "192.0.2.1", request(g, "/2", "unix:", "X-Real-IP: 192.0.2.1").Vars["remote_addr"])
	require.Equal(t, "unix:", request(g, "/1", "unix:", "X-Real-IP: 192.0.2.1").Vars["remote_addr"])
	require.Equal(t, "127.0.0.1", request(g, "/2", "127.0.0.1:1", "X-Real-IP: 192.0.2.1").Vars["remote_addr"])
	r := request(g, "/2", "unix:", "X-Real-IP: 192.0.2.1")
	require.Equal(t, "unix:", r.Vars["realip_remote_addr"])
	require.Equal(t, "", r.Vars["realip_remote_port"])
}

func TestRealIPTrustsResolvedHostName(t *testing.T) {
	g, _ := load(t, `http { server { listen 80; location / { set_real_ip_from localhost; } } }`)
	require.Equal(t, "192.0.2.1", request(g, "/", "127.0.0.1:1", "X-Real-IP: 192.0.2.1").Vars["remote_addr"])
	require.Equal(t, "203.0.113.1", request(g, "/", "203.0.113.1:1", "X-Real-IP: 192.0.2.1").Vars["remote_addr"])
}

func TestRealIPReplacesOncePerRequest(t *testing.T) {
	lo, _, _ := access.ParseCIDR("127.0.0.1")
	all, _, _ := access.ParseCIDR("0.0.0.0/0")
	g := gatewaytest.Chain(t, gateway.PhasePreAccess,
		&realip.Filter{From: []access.CIDR{lo}},
		&realip.Filter{From: []access.CIDR{all}, Source: realip.Header, Header: "X-Second"})
	r := request(g, "/", "127.0.0.1:1", "X-Real-IP: 192.0.2.1", "X-Second: 192.0.2.2")
	require.Equal(t, "192.0.2.1", r.Vars["remote_addr"])
}

func TestRealIPDirectives(t *testing.T) {
	_, res := load(t, `http { set_real_ip_from 10.1.2.3/8; real_ip_header proxy_protocol; server { listen 80; } }`)
	require.Len(t, res.Builder.Warnings, 1)
	require.Contains(t, res.Builder.Warnings[0], "low address bits of 10.1.2.3/8 are meaningless")

	tests := []struct{ src, want string }{
		{`http { real_ip_header a; real_ip_header b; }`, `"real_ip_header" directive is duplicate`},
		{`http { real_ip_recursive on; real_ip_recursive off; }`, `"real_ip_recursive" directive is duplicate`},
		{`http { real_ip_recursive yes; }`, `invalid value "yes" in "real_ip_recursive" directive, it must be "on" or "off"`},
		{`http { server { location / { limit_except GET { set_real_ip_from 10.0.0.1; } } } }`, `"set_real_ip_from" directive is not allowed here`},
		{`http { set_real_ip_from 10.0.0.0/33; }`, `host not found in set_real_ip_from "10.0.0.0/33"`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, err := conf.LoadString(tt.src, conf.Options{Prefix: t.TempDir()})
			require.ErrorContains(t, err, tt.want)
		})
	}
}
