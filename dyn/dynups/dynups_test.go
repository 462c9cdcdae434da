package dynups_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/dyn"
	"github.com/gonjet/gonjet/dyn/dyntest"
	"github.com/gonjet/gonjet/dyn/dynups"
	"github.com/gonjet/gonjet/gateway/conf"
)

// dataConf adds a location that proxies to the upstream named by
// $arg_u, resolved per request.
var dataConf = strings.Replace(dyntest.DataConf, "location /demo2 {", `location /var {
            proxy_pass http://$arg_u;
        }
        location /demo2 {`, 1)

func result(t *testing.T, body []byte) dyn.Result {
	t.Helper()
	var r dyn.Result
	require.NoError(t, json.Unmarshal(body, &r), "%s", body)
	return r
}

func TestAddedUpstreamTakesTrafficAndDeletedOneStops(t *testing.T) {
	e, rw := dyntest.Recorded(t, dataConf, dyntest.Options{})
	r := e.API("POST", "/api/v1/dyn_ups", `{"type":"add","upstream_name":"u1","upstream_body":"zone u1 1m; least_conn"}`)
	require.Equal(t, 200, r.Status)
	require.Equal(t, dyn.Result{Code: 0, Msg: "success."}, result(t, r.Body))
	// empty: no live upstream
	require.Equal(t, 502, e.Get("", "/var?u=u1").Status)

	r = e.API("POST", "/api/v1/upstream_api/http/upstreams/u1/servers/", `{"server":"`+rw["127.0.0.1:9002"]+`"}`)
	require.Equal(t, 201, r.Status, "%s", r.Body)
	resp := e.Get("", "/var?u=u1")
	require.Equal(t, 200, resp.Status)
	require.Equal(t, "backend 9002", string(resp.Body))

	list, err := dynups.List(context.Background(), e.RT)
	require.NoError(t, err)
	require.Len(t, list, 3)
	require.Equal(t, dynups.Upstream{Name: "u1", Balance: "least_conn", Zone: &dynups.Zone{Name: "u1", Size: 1 << 20}}, list[2])

	r = e.API("PUT", "/api/v1/dyn_ups", `{"type":"del","upstream_name":"u1"}`)
	require.Equal(t, dyn.Result{Code: 0, Msg: "success."}, result(t, r.Body))
	require.Equal(t, 502, e.Get("", "/var?u=u1").Status)
	// its members went with it: a new u1 starts empty
	require.NoError(t, dynups.Add(context.Background(), e.RT, "u1", "zone u1 1m;"))
	r = e.API("GET", "/api/v1/upstream_api/http/upstreams/u1/servers/", "")
	require.Equal(t, "[]", string(r.Body))
}

func TestBadDynUpsRequestsAreAnsweredAndChangeNothing(t *testing.T) {
	e, _ := dyntest.Recorded(t, "", dyntest.Options{})
	ctx := context.Background()
	require.NoError(t, dynups.Add(ctx, e.RT, "u1", "zone u1 1m;"))
	before, err := e.Store.List(ctx, dyn.Root)
	require.NoError(t, err)
	prefix := e.Prefix + "logs/4_0_add_ups.txt"
	cases := []struct {
		name, method, body string
		status             int
		want               dyn.Result
	}{
		{"malformed json", "POST", `{"type":`, 400, dyn.Result{Code: 4, Msg: "json parser error!"}},
		{"not an object", "POST", `[1]`, 400, dyn.Result{Code: 4, Msg: "json parser error!"}},
		{"wrong type name", "POST", `{"type":"add","upstream_name":1}`, 400, dyn.Result{Code: 4, Msg: "upstream_name error!"}},
		{"unknown key", "POST", `{"type":"add","upstream_name":"x","zz":1}`, 400, dyn.Result{Code: 4, Msg: "invalid parameter:zz!"}},
		{"add with put", "PUT", `{"type":"add","upstream_name":"x","upstream_body":"zone x 1m;"}`, 400, dyn.Result{Code: 4, Msg: "no support method when add server!"}},
		{"del with post", "POST", `{"type":"del","upstream_name":"u1"}`, 400, dyn.Result{Code: 4, Msg: "no support method when del server!"}},
		{"no type", "POST", `{"upstream_name":"x"}`, 400, dyn.Result{Code: 4, Msg: "type error!!!"}},
		{"duplicate", "POST", `{"type":"add","upstream_name":"u1","upstream_body":"zone u9 1m;"}`, 200, dyn.Result{Code: 5, Msg: "error:upstream[u1] exist!"}},
		{"duplicate of a static one", "POST", `{"type":"add","upstream_name":"backend1","upstream_body":"zone u9 1m;"}`, 200, dyn.Result{Code: 5, Msg: "error:upstream[backend1] exist!"}},
		{"no zone", "POST", `{"type":"add","upstream_name":"x","upstream_body":"least_conn;"}`, 200, dyn.Result{Code: 4, Msg: "dyn upstream requires zone directive!"}},
		{"zone of another", "POST", `{"type":"add","upstream_name":"x","upstream_body":"zone backend1 1m;"}`, 200, dyn.Result{Code: 4, Msg: "upstream zone name exist!"}},
		{"server in body", "POST", `{"type":"add","upstream_name":"x","upstream_body":"zone x 1m; server 127.0.0.1:1;"}`, 200, dyn.Result{Code: 4, Msg: `"server" directive no support of dynamic! in ` + prefix + ":2"}},
		{"unknown directive", "POST", `{"type":"add","upstream_name":"x","upstream_body":"zone x 1m; nope;"}`, 200, dyn.Result{Code: 4, Msg: `unknown directive "nope" in ` + prefix + ":2"}},
		{"bad value", "POST", `{"type":"add","upstream_name":"x","upstream_body":"zone x 1m; keepalive -1;"}`, 200, dyn.Result{Code: 4, Msg: `invalid value "-1" in "keepalive" directive in ` + prefix + ":2"}},
		{"syntax error", "POST", `{"type":"add","upstream_name":"x","upstream_body":"zone x 1m; }"}`, 200, dyn.Result{Code: 4, Msg: `unexpected "}" in ` + prefix + ":3"}},
		{"delete missing", "PUT", `{"type":"del","upstream_name":"nope"}`, 200, dyn.Result{Code: 5, Msg: "error:no find upstream [nope]!"}},
		{"delete static", "PUT", `{"type":"del","upstream_name":"backend2"}`, 200, dyn.Result{Code: 5, Msg: "fail:upstream [backend2] is static!"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.API(c.method, "/api/v1/dyn_ups", c.body)
			require.Equal(t, c.status, r.Status, "%s", r.Body)
			require.Equal(t, c.want, result(t, r.Body))
			after, err := e.Store.List(ctx, dyn.Root)
			require.NoError(t, err)
			require.Equal(t, before, after)
		})
	}
}

func TestUpstreamInUseCannotBeDeleted(t *testing.T) {
	e, _ := dyntest.Recorded(t, "", dyntest.Options{})
	ctx := context.Background()
	require.NoError(t, dynups.Add(ctx, e.RT, "u1", "zone u1 1m;"))
	src := strings.Replace(dyntest.DataConf, "proxy_pass http://backend2;", "proxy_pass http://u1;", 1)
	nodes, err := conf.Parse("", []byte(src))
	require.NoError(t, err)
	require.NoError(t, e.RT.SetBase(ctx, nodes, conf.Options{Prefix: e.Prefix}))
	err = dynups.Delete(ctx, e.RT, "u1")
	require.EqualError(t, err, "fail:upstream [u1] is using!")
	require.NotNil(t, e.RT.Tree().FindUpstream("u1"))
}

func TestDynamicUpstreamsSurviveARestartWithBolt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dyn.db")
	store, err := dyn.OpenBolt(path)
	require.NoError(t, err)
	e, rw := dyntest.Recorded(t, dataConf, dyntest.Options{Store: store})
	ctx := context.Background()
	require.NoError(t, dynups.Add(ctx, e.RT, "u2", "zone u2 1m;"))
	require.NoError(t, dynups.Add(ctx, e.RT, "u1", "zone u1 1m; ip_hash;"))
	r := e.API("POST", "/api/v1/upstream_api/http/upstreams/u1/servers/", `{"server":"`+rw["127.0.0.1:9003"]+`"}`)
	require.Equal(t, 201, r.Status)
	want := e.API("GET", "/api/v1/config/dyn_upstream", "").Body
	e.RT.Stop()
	require.NoError(t, store.Close())

	store, err = dyn.OpenBolt(path)
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	src := dataConf
	for from, to := range rw {
		src = strings.ReplaceAll(src, from, to)
	}
	e2 := dyntest.New(t, src, dyntest.Options{Store: store})
	require.JSONEq(t, string(want), string(e2.API("GET", "/api/v1/config/dyn_upstream", "").Body))
	require.Contains(t, string(want), `"name":"u2","balance":"round_robin"`)
	require.Less(t, strings.Index(string(want), `"u2"`), strings.Index(string(want), `"u1"`), "in the order they were added")
	resp := e2.Get("", "/var?u=u1")
	require.Equal(t, 200, resp.Status)
	require.Equal(t, "backend 9003", string(resp.Body))
}
