package vts_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
	_ "github.com/gonjet/gonjet/gateway/filter/headers"
	_ "github.com/gonjet/gonjet/gateway/filter/rewrite"
	"github.com/gonjet/gonjet/gateway/gatewaytest"
	_ "github.com/gonjet/gonjet/telemetry"
)

// load builds src and serves it; the gateway is closed (and its zones
// released) when the test ends.
func load(t *testing.T, src string) *gateway.Gateway {
	t.Helper()
	return gatewaytest.Load(t, src)
}

// reload builds src over g's current configuration and makes it current,
// as a SIGHUP does.
func reload(t *testing.T, g *gateway.Gateway, src string) {
	t.Helper()
	prefix := t.TempDir() + "/"
	require.NoError(t, os.Mkdir(prefix+"logs", 0o755))
	res, err := conf.LoadString(src, conf.Options{Prefix: prefix, Prev: g.Config()})
	require.NoError(t, err)
	require.NoError(t, g.Load(res.Config))
}

// hit sends a GET for target with Host host ("" keeps localhost).
func hit(g *gateway.Gateway, host, target string) *gatewaytest.Response {
	req := gatewaytest.NewRequest("GET", target)
	if host != "" {
		req.Header.Set("Host", host)
	}
	req.HeaderLength = int64(len("GET " + target + " HTTP/1.1\r\nHost: " + req.Header.Get("Host") + "\r\n\r\n"))
	return gatewaytest.Do(g, req)
}

// status fetches target and decodes the JSON status document.
func status(t *testing.T, g *gateway.Gateway, target string) map[string]any {
	t.Helper()
	r := gatewaytest.Get(t, g, target)
	require.Equal(t, 200, r.Status, string(r.Body))
	require.Equal(t, "application/json", r.Header.Get("Content-Type"))
	var doc map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &doc), string(r.Body))
	return doc
}

// path walks a decoded JSON document.
func path(t *testing.T, v any, keys ...any) any {
	t.Helper()
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			require.True(t, ok, "not an object at %q", k)
			v, ok = m[k]
			require.True(t, ok, "no key %q in %v", k, keysOf(m))
		case int:
			a, ok := v.([]any)
			require.True(t, ok, "not an array at %d", k)
			require.Less(t, k, len(a))
			v = a[k]
		}
	}
	return v
}

func num(t *testing.T, v any, keys ...any) int64 {
	t.Helper()
	f, ok := path(t, v, keys...).(float64)
	require.True(t, ok, "not a number at %v", keys)
	return int64(f)
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
