package access_test

import (
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
	"github.com/gonjet/gonjet/gateway/filter/access"
	"github.com/gonjet/gonjet/gateway/gatewaytest"
)

// passed is the status of a request that got through the access phase:
// the test locations have no content handler.
const passed = 404

func rules(t *testing.T, spec ...string) []access.Rule {
	t.Helper()
	var rs []access.Rule
	for _, s := range spec {
		verb, arg, _ := strings.Cut(s, " ")
		r, _, err := access.ParseRule(verb == "deny", arg)
		require.NoError(t, err)
		rs = append(rs, r)
	}
	return rs
}

func TestFilterFirstMatchingRuleDecides(t *testing.T) {
	tests := []struct {
		name    string
		rules   []string
		client  string
		matched bool
		deny    bool
	}{
		{"allow before deny all", []string{"allow 192.0.2.1", "deny all"}, "192.0.2.1:1", true, false},
		{"deny all after allow", []string{"allow 192.0.2.1", "deny all"}, "192.0.2.2:1", true, true},
		{"deny before allow", []string{"deny 192.0.2.0/24", "allow all"}, "192.0.2.9:1", true, true},
		{"no rule matches", []string{"allow 10.0.0.0/8"}, "192.0.2.9:1", false, false},
		{"ipv4 rules ignore ipv6 clients", []string{"deny 0.0.0.0/0"}, "[2001:db8::1]:1", false, false},
		{"ipv6 range", []string{"deny 2001:db8::/32", "allow all"}, "[2001:db8::1]:1", true, true},
		{"mapped client checked as ipv4", []string{"deny 192.0.2.0/24", "allow ::/0"}, "[::ffff:192.0.2.9]:1", true, true},
		{"mapped client without ipv4 rules checked as ipv6", []string{"deny ::ffff:0:0/96"}, "[::ffff:192.0.2.9]:1", true, true},
		{"mapped client with ipv4 rules skips ipv6 ones", []string{"allow 10.0.0.1", "deny ::/0"}, "[::ffff:192.0.2.9]:1", false, false},
		{"unix rule", []string{"deny unix:", "allow all"}, "unix:", true, true},
		{"unix client and ip rules", []string{"deny 0.0.0.0/0", "deny ::/0"}, "unix:", false, false},
		{"all matches unix", []string{"deny all"}, "unix:", true, true},
		{"realip-style address without port", []string{"deny 192.0.2.1"}, "192.0.2.1:", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, ok := access.ParseRemote(tt.client)
			require.True(t, ok)
			matched, deny := access.New(rules(t, tt.rules...)).Check(a)
			require.Equal(t, tt.matched, matched)
			if matched {
				require.Equal(t, tt.deny, deny)
			}
		})
	}
}

func TestParseRuleRejectsGarbage(t *testing.T) {
	_, _, err := access.ParseRule(false, "10.0.0.0/40")
	require.EqualError(t, err, `invalid parameter "10.0.0.0/40"`)
	_, _, err = access.ParseRule(true, "example.com")
	require.EqualError(t, err, `invalid parameter "example.com"`)
	r, low, err := access.ParseRule(true, "10.1.0.0/8")
	require.NoError(t, err)
	require.True(t, low)
	require.Equal(t, netip.MustParsePrefix("10.0.0.0/8"), r.Range.Prefix)
}

// logRec collects error-log lines.
type logRec struct {
	mu    sync.Mutex
	lines []string
}

func (l *logRec) Enabled(gateway.Level) bool { return true }
func (l *logRec) Log(lv gateway.Level, _ uint64, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, "["+lv.String()+"] "+msg)
}

func (l *logRec) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func load(t *testing.T, src string) (*gateway.Gateway, *logRec, *conf.Result) {
	t.Helper()
	res, err := conf.LoadString(src, conf.Options{Prefix: t.TempDir()})
	require.NoError(t, err)
	rec := &logRec{}
	res.Config.ErrorLog = rec
	return gatewaytest.Serve(t, res.Config), rec, res
}

func get(g *gateway.Gateway, target, client, method string) *gatewaytest.Response {
	req := gatewaytest.NewRequest(method, target)
	req.Conn.RemoteAddr = client
	return gatewaytest.Do(g, req)
}

const accessConf = `
http {
    allow 192.0.2.1;
    deny  all;
    server {
        listen 80;
        location /inherit { }
        location /own {
            allow 198.51.100.0/24;
            deny  192.0.2.1;
        }
        location /nested {
            deny 198.51.100.7;
            location /nested/inner { }
        }
        location /methods {
            limit_except GET {
                deny all;
            }
        }
        location /v6 {
            allow 2001:db8::/32;
            deny  all;
        }
        location /unix {
            deny unix:;
        }
    }
}`

func TestAccessDirectivesInheritOnlyWithoutOwnRules(t *testing.T) {
	g, rec, _ := load(t, accessConf)
	tests := []struct {
		name, target, client, method string
		want                         int
	}{
		{"http level allow", "/inherit", "192.0.2.1:5000", "GET", passed},
		{"http level deny all", "/inherit", "192.0.2.2:5000", "GET", 403},
		{"server root uses http rules", "/none", "192.0.2.2:5000", "GET", 403},
		{"own rules replace inherited allow", "/own", "192.0.2.1:5000", "GET", 403},
		{"own rules allow", "/own", "198.51.100.9:5000", "GET", passed},
		{"own rules do not inherit deny all", "/own", "203.0.113.1:5000", "GET", passed},
		{"nested location inherits parent's rules", "/nested/inner", "198.51.100.7:5000", "GET", 403},
		{"nested location passes others", "/nested/inner", "203.0.113.1:5000", "GET", passed},
		{"limit_except listed method uses location rules", "/methods", "203.0.113.1:5000", "GET", 403},
		{"limit_except denies other methods", "/methods", "192.0.2.1:5000", "POST", 403},
		{"limit_except listed method allowed by location rules", "/methods", "192.0.2.1:5000", "GET", passed},
		{"limit_except covers HEAD with GET", "/methods", "192.0.2.1:5000", "HEAD", passed},
		{"ipv6 allow", "/v6", "[2001:db8::5]:5000", "GET", passed},
		{"ipv6 deny", "/v6", "[2001:db9::5]:5000", "GET", 403},
		{"unix deny", "/unix", "unix:", "GET", 403},
		{"unix rule ignores ip clients", "/unix", "192.0.2.2:5000", "GET", passed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, get(g, tt.target, tt.client, tt.method).Status)
		})
	}
	require.Contains(t, rec.text(), `[error] access forbidden by rule, client: 192.0.2.2, server: , request: "GET /inherit HTTP/1.1"`)
}

func TestAccessWarnsAboutLowAddressBits(t *testing.T) {
	_, _, res := load(t, `http { server { listen 80; location / { allow 10.1.2.3/8; } } }`)
	require.Len(t, res.Builder.Warnings, 1)
	require.Contains(t, res.Builder.Warnings[0], "low address bits of 10.1.2.3/8 are meaningless")
}

func TestAccessDirectiveErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{`http { deny 10.0.0.0/33; }`, `invalid parameter "10.0.0.0/33"`},
		{`http { allow; }`, `invalid number of arguments in "allow" directive`},
		{`deny all; http { }`, `"deny" directive is not allowed here`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, err := conf.LoadString(tt.src, conf.Options{Prefix: t.TempDir()})
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestAccessSatisfyAnyDoesNotLogDenials(t *testing.T) {
	g, rec, _ := load(t, `http { server { listen 80; location / { satisfy any; deny all; } } }`)
	require.Equal(t, 403, get(g, "/", "192.0.2.1:1", "GET").Status)
	require.NotContains(t, rec.text(), "access forbidden by rule")
}

func TestFilterAsGoValue(t *testing.T) {
	g := gatewaytest.Chain(t, gateway.PhaseAccess, access.New(rules(t, "allow 127.0.0.1", "deny all")))
	require.Equal(t, 200, gatewaytest.Get(t, g, "/").Status)
	require.Equal(t, 403, get(g, "/", "192.0.2.1:1", "GET").Status)
}
