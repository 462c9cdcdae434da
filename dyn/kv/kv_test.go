package kv_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/dyn"
	"github.com/gonjet/gonjet/dyn/dyntest"
	"github.com/gonjet/gonjet/dyn/kv"
)

func TestBadKVRequestsAreAnsweredAndChangeNothing(t *testing.T) {
	e, _ := dyntest.Recorded(t, "", dyntest.Options{})
	ctx := context.Background()
	require.NoError(t, kv.Set(ctx, e.Store, "a", "1"))
	cases := []struct {
		name, method, path, body string
		status                   int
	}{
		{"malformed json", "POST", "/api/v1/kv", `{"key":`, 400},
		{"not an object", "POST", "/api/v1/kv", `"a"`, 400},
		{"value not a string", "POST", "/api/v1/kv", `{"key":"a","value":2}`, 400},
		{"key not a string", "POST", "/api/v1/kv", `{"key":["a"],"value":"2"}`, 400},
		{"nested value", "POST", "/api/v1/kv", `{"key":"a","value":{"x":1}}`, 400},
		{"empty key", "POST", "/api/v1/kv", `{"key":"","value":"2"}`, 400},
		{"missing value", "POST", "/api/v1/kv", `{"key":"a"}`, 400},
		{"oversized", "POST", "/api/v1/kv", `{"key":"a","value":"` + strings.Repeat("x", 2<<20) + `"}`, 413},
		{"put", "PUT", "/api/v1/kv", `{"key":"a","value":"2"}`, 405},
		{"patch", "PATCH", "/api/v1/kv", `{"key":"a","value":"2"}`, 405},
		{"delete unknown", "DELETE", "/api/v1/kv?key=zz", ``, 404},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.API(c.method, c.path, c.body)
			require.Equal(t, c.status, r.Status, "%s", r.Body)
			v, ok, err := kv.Get(ctx, e.Store, "a")
			require.NoError(t, err)
			require.True(t, ok)
			require.Equal(t, "1", v)
			list, err := e.Store.List(ctx, dyn.Root)
			require.NoError(t, err)
			require.Len(t, list, 1)
		})
	}
}

func TestKVFromGoIsSeenByTheAPIAndWatchers(t *testing.T) {
	e, _ := dyntest.Recorded(t, "", dyntest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := kv.Watch(ctx, e.Store)
	require.NoError(t, err)
	cfg := e.RT.Current()

	require.NoError(t, kv.Set(ctx, e.Store, "a/b c", "v1"))
	r := e.API("GET", "/api/v1/kv?key=a%2Fb+c", "")
	require.Equal(t, 200, r.Status)
	require.Equal(t, "v1", string(r.Body))
	require.Equal(t, 200, e.API("POST", "/api/v1/kv", `{"key":"k2","value":"v2"}`).Status)
	require.Equal(t, 200, e.API("DELETE", "/api/v1/kv?key=a%2Fb+c", "").Status)

	require.Equal(t, kv.Change{Key: "a/b c", Value: "v1"}, <-ch)
	require.Equal(t, kv.Change{Key: "k2", Value: "v2"}, <-ch)
	require.Equal(t, kv.Change{Key: "a/b c", Deleted: true}, <-ch)
	require.Same(t, cfg, e.RT.Current(), "KV writes do not rebuild the configuration")
	ok, err := kv.Delete(ctx, e.Store, "a/b c")
	require.NoError(t, err)
	require.False(t, ok)
}

func TestKVSurvivesARestartWithBolt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dyn.db")
	store, err := dyn.OpenBolt(path)
	require.NoError(t, err)
	e := dyntest.New(t, dyntest.DataConf, dyntest.Options{Store: store})
	require.Equal(t, 200, e.API("POST", "/api/v1/kv", `{"key":"persist","value":"yes"}`).Status)
	e.RT.Stop()
	require.NoError(t, store.Close())

	store, err = dyn.OpenBolt(path)
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	e2 := dyntest.New(t, dyntest.DataConf, dyntest.Options{Store: store})
	r := e2.API("GET", "/api/v1/kv?key=persist", "")
	require.Equal(t, 200, r.Status)
	require.Equal(t, "yes", string(r.Body))
}
