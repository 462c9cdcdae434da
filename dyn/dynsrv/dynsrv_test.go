package dynsrv_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	_ "github.com/gonjet/gonjet/dyn/dynloc"
	_ "github.com/gonjet/gonjet/dyn/dynsrv"
	"github.com/gonjet/gonjet/dyn/internal/dyntest"
	_ "github.com/gonjet/gonjet/gateway/all"
)

func newEnv(t *testing.T) *dyntest.Env {
	t.Helper()
	b1, b2, b3 := dyntest.Backend(t, "b1"), dyntest.Backend(t, "b2"), dyntest.Backend(t, "b3")
	return dyntest.New(t, dyntest.GoldenConf(b1, b2, b3))
}

func TestGoldenExchangesAnswerAsOpenNJet(t *testing.T) {
	env := newEnv(t)
	env.Replay(t, dyntest.Golden(t, "dyn_srv.json"), nil)
}

func TestGoldenEffectsReachTheDataPlane(t *testing.T) {
	env := newEnv(t)
	byTitle := map[string]dyntest.Exchange{}
	for _, x := range dyntest.Golden(t, "dyn_srv.json") {
		byTitle[x.Title] = x
	}
	send := func(title string) {
		t.Helper()
		x := byTitle[title]
		env.Check(t, x, env.Send(x), x.Response.Body)
	}
	get := func(host, path string) string {
		return string(env.Get("127.0.0.1:8090", host, path).Body)
	}
	require.Equal(t, "server-90 root\n", get("server-901", "/"), "unknown names go to the default server")

	send("add server (manual 5.9.1 example, adapted addr_port)")
	require.Equal(t, "server-901", get("server-901", "/"))
	require.Equal(t, "server-90 root\n", get("server-90", "/"))

	send("add server then add location into it via dyn_loc")
	require.Equal(t, "server-901", get("server-901", "/new_location"), "the server-level return answers first")

	send("delete server")
	require.Equal(t, "server-90 root\n", get("server-901", "/"))
}

func TestRequestsMatchTheOpenAPIDocument(t *testing.T) {
	env := newEnv(t)
	spec := dyntest.LoadSpec(t, "helper_dy_srv.yaml")
	for _, x := range dyntest.Golden(t, "dyn_srv.json") {
		got := env.Send(x)
		if x.Request.Path != "/api/v1/dyn_srv" || !strings.Contains(got.Body, `"code":0`) {
			continue
		}
		require.NoError(t, spec.Validate(x.Request.Method, x.Request.Path, x.Request.Body, got), x.Title)
	}
}

func TestServerBodyIsAWholeServer(t *testing.T) {
	env := newEnv(t)
	b := dyntest.Backend(t, "new")
	r := env.Do("POST", "/api/v1/dyn_srv", `{"type":"add","addr_port":"127.0.0.1:8080","server_name":"*.example.com",
		"server_body":"set $who world; add_header X-Who $who; if ($arg_go) { return 302 /x; } proxy_pass_header Server"}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	_ = b
	resp := env.Get("127.0.0.1:8080", "www.example.com", "/?go=1")
	require.Equal(t, 302, resp.Status)
	require.Equal(t, "world", dyntest.Header(resp, "X-Who"))

	// a location added to it serves, and goes away with the server
	r = env.Do("POST", "/api/v1/dyn_loc", `{"type":"add","addr_port":"127.0.0.1:8080","server_name":"*.example.com",
		"locations":[{"location_name":"/p","proxy_pass":"http://`+b+`"}]}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	require.Equal(t, "new /p/q", string(env.Get("127.0.0.1:8080", "www.example.com", "/p/q").Body))

	r = env.Do("PUT", "/api/v1/dyn_srv", `{"type":"del","addr_port":"127.0.0.1:8080","server_name":"*.example.com"}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	require.Empty(t, env.StoreKeys("/dyn/"), "the server's locations are deleted with it")
	require.NotEqual(t, "new /p/q", string(env.Get("127.0.0.1:8080", "www.example.com", "/p/q").Body))
}

func TestAddedServerSurvivesRestart(t *testing.T) {
	b1, b2, b3 := dyntest.Backend(t, "b1"), dyntest.Backend(t, "b2"), dyntest.Backend(t, "b3")
	src := dyntest.GoldenConf(b1, b2, b3)
	env := dyntest.New(t, src)
	r := env.Do("POST", "/api/v1/dyn_srv", `{"type":"add","addr_port":"127.0.0.1:8090","server_name":"kept","server_body":"return 200 kept"}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	again := dyntest.NewWithStore(t, src, env.Prefix, env.Store)
	require.Equal(t, "kept", string(again.Get("127.0.0.1:8090", "kept", "/").Body))
}

func TestBadRequestsAreRefusedAndChangeNothing(t *testing.T) {
	env := newEnv(t)
	tests := []struct {
		name, method, body string
		status             int
		ctype, want        string
	}{
		{"short body", "POST", `{"a":1}`, 400, "text/plain", `{"code":4,"msg":"json parser error!"}`},
		{"not an object", "POST", `[1,2,3,4,5]`, 400, "text/plain", `{"code":4,"msg":"json error!!!"}`},
		{"unknown member", "POST", `{"type":"add","addr_port":"127.0.0.1:8090","bogus":true}`, 400, "text/plain", `{"code":4,"msg":"invalid parameter:bogus!"}`},
		{"bad port", "POST", `{"type":"add","addr_port":"127.0.0.1:99999","server_name":"x"}`, 400, "text/plain", `{"code":4,"msg":"addr_port error!!!"}`},
		{"empty name", "POST", `{"type":"add","addr_port":"127.0.0.1:8090","server_name":" "}`, 400, "text/plain", `{"code":4,"msg":"server_name is null!"}`},
		{"listen_option type", "POST", `{"type":"add","addr_port":"127.0.0.1:8090","server_name":"x","listen_option":1}`, 400, "text/plain", `{"code":4,"msg":"listen_option error!"}`},
		{"del without name", "PUT", `{"type":"del","addr_port":"127.0.0.1:8090"}`, 400, "text/plain", `{"code":4,"msg":"server_name is null!"}`},
		{"existing file server", "POST", `{"type":"add","addr_port":"127.0.0.1:8090","server_name":"server-90","server_body":"return 200 x;"}`, 200, "application/json", `{"code":5,"msg":"error:[127.0.0.1:8090] server[server-90] exist!"}`},
		{"file server cannot be deleted", "PUT", `{"type":"del","addr_port":"127.0.0.1:8090","server_name":"server-90"}`, 200, "application/json", `{"code":5,"msg":"only dynamic server,can to be delete!"}`},
		{"location in body", "POST", `{"type":"add","addr_port":"127.0.0.1:8090","server_name":"x","server_body":"location / { return 200; }"}`, 200, "application/json", `{"code":4,"msg":"\"location\" directive no support of dynamic! in /usr/local/njet/logs/4_0_add_server.txt:4"}`},
		{"bad directive value", "POST", `{"type":"add","addr_port":"127.0.0.1:8090","server_name":"x","server_body":"return abc def"}`, 200, "application/json", ""},
		{"oversized", "POST", `{"type":"add","addr_port":"127.0.0.1:8090","server_name":"x","server_body":"` + strings.Repeat("#", 5<<20) + `"}`, 400, "text/plain", `{"code":4,"msg":"json parser error!"}`},
	}
	before := env.Snapshot()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := env.Do(tt.method, "/api/v1/dyn_srv", tt.body)
			require.Equal(t, tt.status, r.Status, r.Body)
			require.Equal(t, tt.ctype, r.ContentType)
			if tt.want != "" {
				require.JSONEq(t, tt.want, strings.ReplaceAll(r.Body, env.Prefix, dyntest.GoldenPrefix))
			} else {
				require.Contains(t, r.Body, `"code":4`)
			}
			require.Equal(t, before, env.Snapshot())
			require.Equal(t, "server-90 root\n", string(env.Get("127.0.0.1:8090", "x", "/").Body))
		})
	}
}
