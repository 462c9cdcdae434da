package dynloc_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	_ "github.com/gonjet/gonjet/dyn/dynloc"
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
	env.Replay(t, dyntest.Golden(t, "dyn_loc.json"), nil)
}

func TestGoldenEffectsReachTheDataPlane(t *testing.T) {
	env := newEnv(t)
	ex := dyntest.Golden(t, "dyn_loc.json")
	byTitle := map[string]dyntest.Exchange{}
	for _, x := range ex {
		byTitle[x.Title] = x
	}
	send := func(title string) {
		t.Helper()
		x := byTitle[title]
		env.Check(t, x, env.Send(x), x.Response.Body)
	}
	get := func(path string) (int, string) {
		r := env.Get("127.0.0.1:8090", "server-90", path)
		return r.Status, string(r.Body)
	}

	send("add location (manual 5.9.2 example, adapted addr_port)")
	st, body := get("/ttt1")
	require.Equal(t, 200, st)
	require.Equal(t, "ttt1", body)

	send("add prefix location with proxy_pass field")
	st, body = get("/clb/x")
	require.Equal(t, 200, st)
	require.Regexp(t, `^b[12] /clb/x$`, body, "proxied to backend1")

	send("add location manual verbatim style (trailing space in name, no semicolon in body)")
	_, body = get("/ttt2")
	require.Equal(t, "ttt2", body)

	send("delete location")
	_, body = get("/ttt1")
	require.Equal(t, "server-90 root\n", body)

	send("delete static (config-file) location")
	_, body = get("/demo/x")
	require.Equal(t, "server-90 root\n", body, "the file's /demo is gone")

	send("delete prefix location /clb")
	_, body = get("/clb")
	require.Equal(t, "server-90 root\n", body)
}

func TestRequestsMatchTheOpenAPIDocument(t *testing.T) {
	env := newEnv(t)
	spec := dyntest.LoadSpec(t, "helper_dy_loc.yaml")
	for _, x := range dyntest.Golden(t, "dyn_loc.json") {
		got := env.Send(x)
		// the document describes the bodies OpenNJet accepts; the ones it
		// refuses need not match it
		if !strings.Contains(got.Body, `"code":0`) {
			continue
		}
		require.NoError(t, spec.Validate(x.Request.Method, x.Request.Path, x.Request.Body, got), x.Title)
	}
}

func TestNestedAndRegexLocationsServeLikeWrittenOnes(t *testing.T) {
	env := newEnv(t)
	r := env.Do("POST", "/api/v1/dyn_loc", `{"type":"add","addr_port":"127.0.0.1:8090","server_name":"server-90",
		"locations":[{"location_rule":"","location_name":"/outer","location_body":"return 200 outer",
		              "locations":[{"location_rule":"~","location_name":"\\.png$","location_body":"return 200 png"}]}]}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	require.Equal(t, "outer", string(env.Get("127.0.0.1:8090", "server-90", "/outer/a.txt").Body))
	require.Equal(t, "png", string(env.Get("127.0.0.1:8090", "server-90", "/outer/a.png").Body))

	// the second location of a list lands inside the first, as OpenNJet
	// writes them
	r = env.Do("POST", "/api/v1/dyn_loc", `{"type":"add","addr_port":"127.0.0.1:8090","server_name":"server-90",
		"locations":[{"location_name":"/a","location_body":"return 200 a"},{"location_name":"/a/b","location_body":"return 200 ab"}]}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	require.Equal(t, "ab", string(env.Get("127.0.0.1:8090", "server-90", "/a/b").Body))
	require.Equal(t, "a", string(env.Get("127.0.0.1:8090", "server-90", "/a/c").Body))
}

func TestDeletedFileLocationCanBeAddedAgainAndSurvivesRestart(t *testing.T) {
	b1, b2, b3 := dyntest.Backend(t, "b1"), dyntest.Backend(t, "b2"), dyntest.Backend(t, "b3")
	src := dyntest.GoldenConf(b1, b2, b3)
	env := dyntest.New(t, src)
	del := `{"type":"del","addr_port":"127.0.0.1:8090","server_name":"server-90","location_name":"/demo"}`
	add := `{"type":"add","addr_port":"127.0.0.1:8090","server_name":"server-90","locations":[{"location_name":"/demo","location_body":"return 200 new-demo"}]}`
	require.JSONEq(t, `{"code":0,"msg":"success."}`, env.Do("PUT", "/api/v1/dyn_loc", del).Body)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, env.Do("POST", "/api/v1/dyn_loc", add).Body)
	require.Equal(t, "new-demo", string(env.Get("127.0.0.1:8090", "server-90", "/demo").Body))

	// a restart replays the store over the unchanged file
	again := dyntest.NewWithStore(t, src, env.Prefix, env.Store)
	require.Equal(t, "new-demo", string(again.Get("127.0.0.1:8090", "server-90", "/demo").Body))

	// deleting the added one leaves the file's deleted too
	require.JSONEq(t, `{"code":0,"msg":"success."}`, again.Do("PUT", "/api/v1/dyn_loc", del).Body)
	require.Equal(t, "server-90 root\n", string(again.Get("127.0.0.1:8090", "server-90", "/demo").Body))
	require.JSONEq(t, `{"code":4,"msg":"not find  location [/demo]!"}`, again.Do("PUT", "/api/v1/dyn_loc", del).Body)
}

func TestBadRequestsAreRefusedAndChangeNothing(t *testing.T) {
	env := newEnv(t)
	const srv = `"addr_port":"127.0.0.1:8090","server_name":"server-90"`
	tests := []struct {
		name, method, body string
		status             int
		ctype, want        string
	}{
		{"too short body", "POST", `{}`, 400, "text/plain", `{"code":4,"msg":"json parser error!"}`},
		{"not an object", "POST", `["type","add"]`, 400, "text/plain", `{"code":4,"msg":"json error!!!"}`},
		{"unknown member", "POST", `{"type":"add",` + srv + `,"foo":1}`, 400, "text/plain", `{"code":4,"msg":"invalid parameter:foo!"}`},
		{"empty addr_port", "POST", `{"type":"add","addr_port":" ","server_name":"x"}`, 400, "text/plain", `{"code":4,"msg":"addr_port null!!!"}`},
		{"type not a string", "POST", `{"type":1,` + srv + `}`, 400, "text/plain", `{"code":4,"msg":"type error!!!"}`},
		{"location_name empty", "POST", `{"type":"add",` + srv + `,"locations":[{"location_name":"  "}]}`, 400, "text/plain", `{"code":4,"msg":"location_name is null!"}`},
		{"location_rule wrong type", "POST", `{"type":"add",` + srv + `,"locations":[{"location_rule":1,"location_name":"/x"}]}`, 400, "text/plain", `{"code":4,"msg":"location_rule error!"}`},
		{"proxy_pass wrong type", "POST", `{"type":"add",` + srv + `,"locations":[{"location_name":"/x","proxy_pass":2}]}`, 400, "text/plain", `{"code":4,"msg":"proxy_pass error!!!"}`},
		{"unknown sub member", "POST", `{"type":"add",` + srv + `,"locations":[{"location_name":"/x","zz":2}]}`, 400, "text/plain", `{"code":4,"msg":"invalid parameter:zz!"}`},
		{"bad nested locations", "POST", `{"type":"add",` + srv + `,"locations":[{"location_name":"/x","locations":[{"location_rule":"="}]}]}`, 400, "text/plain", `{"code":4,"msg":"locations field error!"}`},
		{"locations not an array", "POST", `{"type":"add",` + srv + `,"locations":5}`, 200, "application/json", `{"code":4,"msg":"add location error:locations null"}`},
		{"del without location_name", "PUT", `{"type":"del",` + srv + `}`, 400, "text/plain", `{"code":4,"msg":"location_name is null!"}`},
		{"del server_name wrong type", "PUT", `{"type":"del","addr_port":"127.0.0.1:8090","server_name":5,"location_name":"/"}`, 400, "text/plain", `{"code":4,"msg":"server_name error!"}`},
		{"duplicate of a file location", "POST", `{"type":"add",` + srv + `,"locations":[{"location_name":"/demo"}]}`, 200, "application/json", `{"code":4,"msg":"error:location[/demo] exist!"}`},
		{"syntax error in body", "POST", `{"type":"add",` + srv + `,"locations":[{"location_name":"/x","location_body":"return 200 \"x"}]}`, 200, "application/json", ""},
		{"zone directive", "POST", `{"type":"add",` + srv + `,"locations":[{"location_name":"/x","location_body":"zone z 1m"}]}`, 200, "application/json", `{"code":4,"msg":"\"zone\" directive no support of dynamic! in /usr/local/njet/logs/4_0_add_location.txt:2"}`},
		{"invalid directive value", "POST", `{"type":"add",` + srv + `,"locations":[{"location_name":"/x","location_body":"return abc def"}]}`, 200, "application/json", ""},
		{"oversized body", "POST", `{"type":"add",` + srv + `,"locations":[{"location_name":"/x","location_body":"` + strings.Repeat("a", 5<<20) + `"}]}`, 400, "text/plain", `{"code":4,"msg":"json parser error!"}`},
	}
	before := env.Snapshot()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := env.Do(tt.method, "/api/v1/dyn_loc", tt.body)
			require.Equal(t, tt.status, r.Status, r.Body)
			require.Equal(t, tt.ctype, r.ContentType)
			if tt.want != "" {
				require.JSONEq(t, tt.want, strings.ReplaceAll(r.Body, env.Prefix, dyntest.GoldenPrefix))
			} else {
				require.Contains(t, r.Body, `"code":4`)
			}
			require.Equal(t, before, env.Snapshot(), "store unchanged")
			require.Equal(t, "server-90 root\n", string(env.Get("127.0.0.1:8090", "server-90", "/x").Body))
		})
	}
}
