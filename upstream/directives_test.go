package upstream

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
	"github.com/stretchr/testify/require"
)

// testPassed records what the test_pass directive resolved.
var testPassed = map[string]*Upstream{}

func init() {
	hostResolver = fakeResolver{
		"localhost":    {"127.0.0.1"},
		"backend.test": {"10.0.0.1", "10.0.0.2"},
	}
	// test_pass plays proxy_pass: it looks the upstream up like the proxy
	// module does (Find, then Implicit).
	conf.Register(&conf.Module{
		Name: "upstream_test",
		Directives: []conf.Directive{{
			Name: "test_pass", Context: conf.HTTP | conf.Server | conf.Location, Args: conf.Take1,
			Set: func(bl *conf.Block, n *conf.Node) error {
				target := n.Args[0]
				host, _, _ := strings.Cut(target, ":")
				u := Find(bl.B, host)
				if u == nil || host != target {
					var err error
					if u, err = Implicit(bl.B, n, target); err != nil {
						return err
					}
				}
				testPassed[target] = u
				return nil
			},
		}},
	})
}

// load builds "http { <http> }".
func load(t *testing.T, http string, prev ...*gateway.Config) (*conf.Result, error) {
	t.Helper()
	clear(testPassed)
	opt := conf.Options{Prefix: t.TempDir()}
	if len(prev) > 0 {
		opt.Prev = prev[0]
	}
	res, err := conf.LoadString("events {} http {\n"+http+"\n}\n", opt)
	if err == nil {
		t.Cleanup(func() {
			for _, f := range res.Config.Closers {
				f()
			}
		})
	}
	return res, err
}

func mustLoad(t *testing.T, http string, prev ...*gateway.Config) *conf.Result {
	t.Helper()
	res, err := load(t, http, prev...)
	require.NoError(t, err)
	return res
}

func TestUpstreamBlockBuildsAnUpstream(t *testing.T) {
	res := mustLoad(t, `
		upstream Backend {
			zone backend 64k;
			least_conn;
			server 127.0.0.1:8081 weight=3 max_fails=2 fail_timeout=30s max_conns=10;
			server backend.test:8082 down;
			server unix:/tmp/b.sock max_fails=0 fail_timeout=0;
			server [::1]:8083 backup;
			keepalive 16;
			keepalive_requests 100;
			keepalive_timeout 30s;
			keepalive_time 10m;
		}`)
	u := Find(res.Builder, "backend")
	require.NotNil(t, u, "names are case-insensitive")
	require.Equal(t, "Backend", u.Name())
	require.Equal(t, LeastConn{}, u.Method())
	require.Equal(t, "backend", u.Zone())
	require.Equal(t, 3, u.Len(), "the two down peers are not tries")

	ps := u.Peers()
	require.Len(t, ps, 5)
	require.Equal(t, Peer{Name: "127.0.0.1:8081", Server: "127.0.0.1:8081", Network: "tcp", Addr: "127.0.0.1:8081",
		Weight: 3, MaxFails: 2, FailTimeout: 30 * time.Second, MaxConns: 10}, exported(ps[0]))
	require.Equal(t, "10.0.0.1:8082", ps[1].Name)
	require.Equal(t, "10.0.0.2:8082", ps[2].Name)
	require.True(t, ps[2].Down)
	require.Equal(t, Peer{Name: "unix:/tmp/b.sock", Server: "unix:/tmp/b.sock", Network: "unix", Addr: "/tmp/b.sock", Weight: 1}, exported(ps[3]))
	require.Equal(t, "[::1]:8083", ps[4].Name)
	require.True(t, ps[4].Backup)

	require.Equal(t, &keepalive{max: 16, requests: 100, timeout: 30 * time.Second, lifetime: 10 * time.Minute},
		&keepalive{max: u.ka.max, requests: u.ka.requests, timeout: u.ka.timeout, lifetime: u.ka.lifetime})
	require.Len(t, res.Config.Closers, 1, "the idle connections are closed with the snapshot")
}

// exported copies the configuration fields of a peer.
func exported(p *Peer) Peer {
	return Peer{Name: p.Name, Server: p.Server, Network: p.Network, Addr: p.Addr, Weight: p.Weight,
		MaxFails: p.MaxFails, FailTimeout: p.FailTimeout, MaxConns: p.MaxConns, Backup: p.Backup, Down: p.Down}
}

func TestUpstreamDefaultsAreNginxs(t *testing.T) {
	res := mustLoad(t, `upstream u { server 127.0.0.1; }`)
	u := Find(res.Builder, "u")
	require.Equal(t, RoundRobin{}, u.Method())
	require.Nil(t, u.HashKey())
	require.Nil(t, u.ka, "no keepalive directive, no connection cache")
	require.Equal(t, Peer{Name: "127.0.0.1:80", Server: "127.0.0.1", Network: "tcp", Addr: "127.0.0.1:80",
		Weight: 1, MaxFails: 1, FailTimeout: 10 * time.Second}, exported(u.Peers()[0]))
}

func TestBalancingDirectivesSelectTheMethod(t *testing.T) {
	tests := []struct {
		directive string
		want      string
	}{
		{"ip_hash;", "ip_hash"},
		{"hash $request_uri;", "hash $request_uri"},
		{"hash $remote_addr$arg_a consistent;", "hash $remote_addr$arg_a consistent"},
		{"random;", "random"},
		{"random two;", "random two least_conn"},
		{"random two least_conn;", "random two least_conn"},
		{"least_conn;", "least_conn"},
	}
	for _, tt := range tests {
		t.Run(tt.directive, func(t *testing.T) {
			res := mustLoad(t, "upstream u { "+tt.directive+" server 127.0.0.1:8081; server 127.0.0.1:8082; }")
			u := Find(res.Builder, "u")
			require.Equal(t, tt.want, u.Method().String())
			if strings.HasPrefix(tt.directive, "hash") {
				require.Equal(t, strings.Fields(tt.want)[1], u.HashKey().Raw())
			}
		})
	}
}

func TestUpstreamDirectiveErrorsReadAsNginx(t *testing.T) {
	tests := []struct {
		name string
		http string
		err  string
	}{
		{"no servers", `upstream u { }`, `no servers are inside upstream`},
		{"duplicate", `upstream u { server 127.0.0.1; } upstream U { server 127.0.0.1; }`, `duplicate upstream "U"`},
		{"weight 0", `upstream u { server 127.0.0.1 weight=0; }`, `invalid parameter "weight=0"`},
		{"weight not a number", `upstream u { server 127.0.0.1 weight=x; }`, `invalid parameter "weight=x"`},
		{"negative max_fails", `upstream u { server 127.0.0.1 max_fails=-1; }`, `invalid parameter "max_fails=-1"`},
		{"fail_timeout in ms", `upstream u { server 127.0.0.1 fail_timeout=500ms; }`, `invalid parameter "fail_timeout=500ms"`},
		{"unknown parameter", `upstream u { server 127.0.0.1 slow; }`, `invalid parameter "slow"`},
		{"resolve is not implemented", `upstream u { server localhost resolve; }`, `invalid parameter "resolve"`},
		{"backup after hash", `upstream u { hash $arg_a; server 127.0.0.1 backup; }`, `balancing method does not support parameter "backup"`},
		{"backup after ip_hash", `upstream u { ip_hash; server 127.0.0.1 backup; }`, `balancing method does not support parameter "backup"`},
		{"backup after random", `upstream u { random; server 127.0.0.1 backup; }`, `balancing method does not support parameter "backup"`},
		{"only backup servers", `upstream u { server 127.0.0.1 backup; }`, `no servers in upstream "u"`},
		{"bad port", `upstream u { server 127.0.0.1:0; }`, `invalid port in upstream "127.0.0.1:0"`},
		{"uri", `upstream u { server 127.0.0.1/x; }`, `invalid host in upstream "127.0.0.1/x"`},
		{"unknown host", `upstream u { server nowhere.test:81; }`, `host not found in upstream "nowhere.test:81"`},
		{"bad hash parameter", `upstream u { hash $arg_a ketama; server 127.0.0.1; }`, `invalid parameter "ketama"`},
		{"bad hash variable", `upstream u { hash $nosuchvar; server 127.0.0.1; }`, `unknown "nosuchvar" variable`},
		{"bad random parameter", `upstream u { random one; server 127.0.0.1; }`, `invalid parameter "one"`},
		{"bad random two parameter", `upstream u { random two least_time; server 127.0.0.1; }`, `invalid parameter "least_time"`},
		{"random too many", `upstream u { random two least_conn x; server 127.0.0.1; }`, `invalid number of arguments in "random" directive`},
		{"ip_hash arguments", `upstream u { ip_hash x; server 127.0.0.1; }`, `invalid number of arguments in "ip_hash" directive`},
		{"keepalive value", `upstream u { server 127.0.0.1; keepalive x; }`, `invalid value "x" in "keepalive" directive`},
		{"keepalive twice", `upstream u { server 127.0.0.1; keepalive 1; keepalive 2; }`, `"keepalive" directive is duplicate`},
		{"keepalive_requests", `upstream u { server 127.0.0.1; keepalive_requests x; }`, `"keepalive_requests" directive invalid number`},
		{"keepalive_timeout", `upstream u { server 127.0.0.1; keepalive_timeout 1x; }`, `"keepalive_timeout" directive invalid value`},
		{"keepalive_time twice", `upstream u { server 127.0.0.1; keepalive_time 1h; keepalive_time 1h; }`, `"keepalive_time" directive is duplicate`},
		{"zone name", `upstream u { zone ""; server 127.0.0.1; }`, `invalid zone name ""`},
		{"zone size", `upstream u { zone z 1x; server 127.0.0.1; }`, `invalid zone size "1x"`},
		{"zone too small", `upstream u { zone z 16k; server 127.0.0.1; }`, `zone "z" is too small`},
		{"zone size conflict", `upstream u { zone z 64k; server 127.0.0.1; } upstream v { zone z 128k; server 127.0.0.1; }`,
			`the size 131072 of shared memory zone "z" conflicts with already declared size 65536`},
		{"zone without size", `upstream u { zone z; server 127.0.0.1; }`, `zero size shared memory zone "z"`},
		{"least_conn outside upstream", `least_conn;`, `"least_conn" directive is not allowed here`},
		{"upstream in server", `server { upstream u { server 127.0.0.1; } }`, `"upstream" directive is not allowed here`},
		{"unknown host of proxy_pass", `server { location / { test_pass nowhere.test:8080; } }`, `host not found in upstream "nowhere.test"`},
		{"port with an upstream block", `upstream u { server 127.0.0.1; } server { location / { test_pass u:8080; } }`, `upstream "u" may not have port 8080`},
		{"port before the upstream block", `server { location / { test_pass u:8080; } } upstream u { server 127.0.0.1; }`, `upstream "u" may not have port 8080`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.http)
			require.Error(t, err)
			require.Contains(t, err.Error(), tt.err)
		})
	}
}

func TestUpstreamErrorsArePlacedAtTheirLine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "njet.conf")
	require.NoError(t, os.WriteFile(path, []byte("events {}\nhttp {\n  upstream u {\n    server 127.0.0.1 bogus;\n  }\n}\n"), 0o644))
	_, err := conf.LoadFile(path, conf.Options{Prefix: dir})
	require.EqualError(t, err, `invalid parameter "bogus" in `+path+`:4`)
}

func TestServerParametersBeforeTheMethodAreKept(t *testing.T) {
	res := mustLoad(t, `upstream u { server 127.0.0.1:8081 backup; server 127.0.0.1:8082; hash $arg_a; }`)
	u := Find(res.Builder, "u")
	require.True(t, u.Peers()[1].Backup, "nginx checks parameters against the method known so far")
}

func TestRedefinedBalancingMethodWarns(t *testing.T) {
	res := mustLoad(t, `upstream u { ip_hash; least_conn; server 127.0.0.1; }`)
	require.Equal(t, LeastConn{}, Find(res.Builder, "u").Method())
	require.Len(t, res.Builder.Warnings, 1)
	require.Contains(t, res.Builder.Warnings[0], "load balancing method redefined")
}

func TestExplicitZeroesAreKept(t *testing.T) {
	res := mustLoad(t, `upstream u { server 127.0.0.1 max_fails=0 fail_timeout=0 max_conns=0; keepalive 1; keepalive_requests 0; }`)
	u := Find(res.Builder, "u")
	p := u.Peers()[0]
	require.Zero(t, p.MaxFails)
	require.Zero(t, p.FailTimeout)
	require.Zero(t, u.ka.requests)
}

func TestReloadCarriesPeerStateByUpstreamName(t *testing.T) {
	const src = `upstream u { server 127.0.0.1:8081; server 127.0.0.1:8082; } upstream v { server 127.0.0.1:8081; server 127.0.0.1:8083; }`
	first := mustLoad(t, src)
	old := Find(first.Builder, "u")
	var tr Tried
	p, err := old.Pick(&tr, netip.Addr{}, nil)
	require.NoError(t, err)
	require.True(t, p.Release(true))

	second := mustLoad(t, src, first.Config)
	u, v := Find(second.Builder, "u"), Find(second.Builder, "v")
	require.True(t, u.Peers()[0].Unavailable(), "u's failed peer stays failed")
	require.False(t, v.Peers()[0].Unavailable(), "the same address in another upstream has its own state")
}

func TestImplicitUpstreamsResolveTheirHost(t *testing.T) {
	res := mustLoad(t, `server { location /a { test_pass backend.test:8080; } location /b { test_pass BACKEND.test:8080; }
		location /c { test_pass backend.test; } location /d { test_pass 127.0.0.1:9000; } location /e { test_pass unix:/tmp/x.sock; } }`)
	u := testPassed["backend.test:8080"]
	require.NotNil(t, u)
	require.Same(t, u, testPassed["BACKEND.test:8080"], "one upstream per host and port")
	require.Equal(t, "backend.test", u.Name())
	require.Equal(t, []string{"10.0.0.1:8080", "10.0.0.2:8080"}, names(u))
	require.Equal(t, Peer{Name: "10.0.0.1:8080", Server: "backend.test:8080", Network: "tcp", Addr: "10.0.0.1:8080",
		Weight: 1, MaxFails: 1, FailTimeout: 10 * time.Second}, exported(u.Peers()[0]))
	require.Equal(t, []string{"10.0.0.1:80", "10.0.0.2:80"}, names(testPassed["backend.test"]))
	require.Equal(t, []string{"127.0.0.1:9000"}, names(testPassed["127.0.0.1:9000"]))
	require.Equal(t, "127.0.0.1", testPassed["127.0.0.1:9000"].Name())
	require.Equal(t, []string{"unix:/tmp/x.sock"}, names(testPassed["unix:/tmp/x.sock"]))

	require.Same(t, u, Lookup(res.Config, "backend.test", 8080))
	require.Same(t, testPassed["backend.test"], Lookup(res.Config, "backend.test", 0))
	require.Same(t, testPassed["backend.test"], Lookup(res.Config, "backend.test", 80))
	require.Nil(t, Lookup(res.Config, "backend.test", 81))
}

func TestProxyPassUsesAnUpstreamBlockDeclaredLater(t *testing.T) {
	res := mustLoad(t, `server { location / { test_pass later; } } upstream later { server 127.0.0.1:8081; server 127.0.0.1:8082; }`)
	u := testPassed["later"]
	require.Equal(t, "later", u.Name())
	require.Equal(t, []string{"127.0.0.1:8081", "127.0.0.1:8082"}, names(u))
	require.Equal(t, 2, u.Len())
	require.Same(t, Find(res.Builder, "later"), Lookup(res.Config, "later", 0))
}

func TestProxyPassFindsAnUpstreamBlockDeclaredBefore(t *testing.T) {
	res := mustLoad(t, `upstream u { server 127.0.0.1:8081; } server { location / { test_pass u; } }`)
	require.Same(t, Find(res.Builder, "u"), testPassed["u"])
}

func TestResolveBuildsAOneRequestUpstream(t *testing.T) {
	u, err := Resolve(context.Background(), "backend.test:8080")
	require.NoError(t, err)
	require.Equal(t, "backend.test", u.Name())
	require.Equal(t, []string{"10.0.0.1:8080", "10.0.0.2:8080"}, names(u))
	require.Equal(t, 2, u.Len())

	u, err = Resolve(context.Background(), "127.0.0.1")
	require.NoError(t, err)
	require.Equal(t, []string{"127.0.0.1:80"}, names(u))

	_, err = Resolve(context.Background(), "nowhere.test")
	require.EqualError(t, err, `nowhere.test could not be resolved (host not found in upstream "nowhere.test")`)
}

func names(u *Upstream) []string {
	var out []string
	for _, p := range u.Peers() {
		out = append(out, p.Name)
	}
	return out
}
