package gateway_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/gatewaytest"
)

// discard is an engine writer that drops the answer, so benchmarks see
// the gateway's own cost.
type discard struct{ status int }

func (d *discard) WriteHeader(status int, _ *gateway.Header, _ bool) error {
	d.status = status
	return nil
}
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) Flush() error                { return nil }

// routed builds a server with the kinds of locations a real configuration
// has: exact, ^~, prefixes and regexes with captures.
func routed(tb testing.TB) *gateway.Gateway {
	srv := &gateway.Server{
		Names:   []string{"example.com"},
		Listens: []gateway.Listen{{Addr: gatewaytest.DefaultListen}},
		Root:    gateway.NewLocation(gateway.MatchServer, ""),
	}
	ok := gateway.FilterFunc(func(c *gateway.Ctx) gateway.Result {
		return c.Send(200, "text/plain", []byte("ok"))
	})
	add := func(kind gateway.MatchKind, name string) {
		l := gateway.NewLocation(kind, name)
		if kind == gateway.MatchRegex || kind == gateway.MatchRegexCaseless {
			l.Regex = mustRegex(tb, kind, name)
		}
		l.Content = ok
		srv.Root.Add(l)
	}
	add(gateway.MatchExact, "/")
	add(gateway.MatchPrefixNoRegex, "/static/")
	for _, p := range []string{"/a/", "/b/", "/c/", "/api/", "/api/v1/", "/api/v2/", "/docs/", "/admin/"} {
		add(gateway.MatchPrefix, p)
	}
	add(gateway.MatchRegex, `\.php$`)
	add(gateway.MatchRegexCaseless, `\.(?:png|jpe?g|gif|svg)$`)
	add(gateway.MatchRegex, `^/api/v1/orders/(?<order>[0-9]+)$`)
	add(gateway.MatchRegex, `^/api/v2/users/([0-9]+)/profile$`)
	return gatewaytest.Serve(tb, &gateway.Config{Servers: []*gateway.Server{srv}})
}

func newRequest() *gateway.Request {
	req := gatewaytest.NewRequest("GET", "/api/v2/users/12345/profile?x=1")
	req.Header.Set("Host", "example.com")
	return req
}

// BenchmarkServeRouted is the core's cost for one request: URI parsing,
// server and location selection (regexes included) and a small answer.
func BenchmarkServeRouted(b *testing.B) {
	g := routed(b)
	req := newRequest()
	var w discard
	b.ReportAllocs()
	for b.Loop() {
		g.Serve(req, &w)
	}
	require.Equal(b, 200, w.status)
}

// raceEnabled is set by race_test.go in -race builds.
var raceEnabled bool

// TestServeAllocationBudget guards the core's hot path: a routed request
// answered by a handler costs the gateway no allocation of its own (the
// request context and its storage are recycled).
func TestServeAllocationBudget(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	g := routed(t)
	req := newRequest()
	var w discard
	g.Serve(req, &w) // warm the pools
	allocs := testing.AllocsPerRun(200, func() { g.Serve(req, &w) })
	require.Equal(t, 200, w.status)
	const budget = 2 // the regex captures of the matching location
	require.LessOrEqual(t, allocs, float64(budget), "allocations per request")
}

// BenchmarkTemplateEval is the cost of a value with variables, as
// proxy_set_header and add_header evaluate per request.
func BenchmarkTemplateEval(b *testing.B) {
	cfg := &gateway.Config{Vars: gateway.NewVarTable()}
	tpl, err := cfg.Vars.CompileTemplate("$scheme://$host$request_uri")
	require.NoError(b, err)
	srv := &gateway.Server{Listens: []gateway.Listen{{Addr: gatewaytest.DefaultListen}}, Root: gateway.NewLocation(gateway.MatchServer, "")}
	cfg.Servers = []*gateway.Server{srv}
	var got string
	srv.Root.Content = gateway.FilterFunc(func(c *gateway.Ctx) gateway.Result {
		for i := 0; i < 100; i++ {
			got = tpl.Eval(c)
		}
		return c.Send(200, "", nil)
	})
	g := gatewaytest.Serve(b, cfg)
	req := newRequest()
	var w discard
	b.ReportAllocs()
	for b.Loop() {
		g.Serve(req, &w)
	}
	require.Equal(b, "http://example.com/api/v2/users/12345/profile?x=1", got)
}
