package dynheader_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/dyn/dynheader"
	_ "github.com/gonjet/gonjet/dyn/dynloc"
	"github.com/gonjet/gonjet/dyn/internal/dyntest"
	_ "github.com/gonjet/gonjet/gateway/all"
)

const api = "/api/v1/config/http_dyn_header"

func newEnv(t *testing.T) *dyntest.Env {
	t.Helper()
	b1, b2, b3 := dyntest.Backend(t, "b1"), dyntest.Backend(t, "b2"), dyntest.Backend(t, "b3")
	return dyntest.New(t, dyntest.GoldenConf(b1, b2, b3))
}

func TestGoldenExchangesAnswerAsOpenNJet(t *testing.T) {
	newEnv(t).ReplayGolden(t, "config_http_dyn_header.json", nil)
}

func TestHeadersFollowTheAPI(t *testing.T) {
	env := newEnv(t)
	r := env.Do("PUT", api, `{"servers":[{"listens":["127.0.0.1:8080"],"serverNames":[""],"locations":[{"location":"/map","headers":[
		{"key":"X-Test","value":"1","always":true},{"key":"X-Second","value":"$request_method","always":false}]}]}]}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	ok := env.Get("127.0.0.1:8080", "localhost", "/map")
	require.Equal(t, 200, ok.Status)
	require.Equal(t, "1", dyntest.Header(ok, "X-Test"))
	require.Equal(t, "GET", dyntest.Header(ok, "X-Second"))

	// "always" headers go on error answers too
	r = env.Do("POST", "/api/v1/dyn_loc", `{"type":"add","addr_port":"127.0.0.1:8080","server_name":"","locations":[{"location_name":"/err","location_body":"return 404"}]}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	r = env.Do("PUT", api, `{"servers":[{"listens":["127.0.0.1:8080"],"serverNames":[""],"locations":[{"location":"/err","headers":[
		{"key":"X-Test","value":"1","always":true},{"key":"X-Second","value":"$request_method"}]}]}]}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	nf := env.Get("127.0.0.1:8080", "localhost", "/err")
	require.Equal(t, 404, nf.Status)
	require.Equal(t, "1", dyntest.Header(nf, "X-Test"))
	require.Empty(t, dyntest.Header(nf, "X-Second"))

	r = env.Do("PUT", api, `{"servers":[{"listens":["127.0.0.1:8080"],"serverNames":[""],"locations":[{"location":"/map","headers":[]}]}]}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	cleared := env.Get("127.0.0.1:8080", "localhost", "/map")
	require.Empty(t, dyntest.Header(cleared, "X-Test"))
	require.Empty(t, dyntest.Header(cleared, "X-GoNJet-Dyn-Header-Cleared"))
	require.Contains(t, env.Do("GET", api, "").Body, `{"location":"/map","headers":[]}`)
}

func TestEmptyListStopsInheritedHeaders(t *testing.T) {
	env := dyntest.New(t, `events {} http { add_header X-Http h; server { listen 127.0.0.1:80; location / { return 200 ok; } location /quiet { return 200 q; } } }`)
	require.Equal(t, "h", dyntest.Header(env.Get("127.0.0.1:80", "x", "/quiet"), "X-Http"))
	require.JSONEq(t, `{"servers":[{"listens":["127.0.0.1:80"],"serverNames":[""],"locations":[
		{"location":"/","headers":[{"key":"X-Http","value":"h","always":false}]},
		{"location":"/quiet","headers":[{"key":"X-Http","value":"h","always":false}]}]}]}`, env.Do("GET", api, "").Body)
	r := env.Do("PUT", api, `{"servers":[{"listens":["127.0.0.1:80"],"serverNames":[""],"locations":[{"location":"/quiet","headers":[]}]}]}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	require.Empty(t, dyntest.Header(env.Get("127.0.0.1:80", "x", "/quiet"), "X-Http"))
	require.Equal(t, "h", dyntest.Header(env.Get("127.0.0.1:80", "x", "/"), "X-Http"))
}

func TestPutMatchesTheOpenAPIDocumentExceptAlways(t *testing.T) {
	env := newEnv(t)
	spec := dyntest.LoadSpec(t, "helper_dyn_header.yaml")
	body := `{"servers":[{"listens":["127.0.0.1:8080"],"serverNames":[""],"locations":[{"location":"/demo","headers":[{"key":"X-A","value":"1"}]}]}]}`
	r := env.Do("PUT", api, body)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	require.NoError(t, spec.Validate("PUT", api, body, r))
	// The document types "always" as an integer; OpenNJet v3.3.0 writes and
	// reads a boolean (see the golden recording), and so does GoNJet.
	err := spec.Validate("GET", api, "", env.Do("GET", api, ""))
	require.Error(t, err)
	require.Contains(t, err.Error(), "always")
	require.Contains(t, err.Error(), "must be an integer")
}

func TestBadRequestsAreRefusedAndChangeNothing(t *testing.T) {
	env := newEnv(t)
	loc := func(headers string) string {
		return `{"servers":[{"listens":["127.0.0.1:8080"],"serverNames":[""],"locations":[{"location":"/map","headers":` + headers + `}]}]}`
	}
	const p = "servers[127.0.0.1:8080,].locations[/map]"
	tests := []struct{ name, body, want string }{
		{"empty key", loc(`[{"key":"","value":"1"}]`), `{"data":["` + p + `header key can't null","` + p + ` njt_dyn_header_set_header error[/map];"],"code":1,"msg":"partial success."}`},
		{"unknown variable", loc(`[{"key":"X","value":"$nosuch"}]`), `{"data":["` + p + `header contains undefined variables $nosuch","` + p + ` njt_dyn_header_set_header error[/map];"],"code":1,"msg":"partial success."}`},
		{"always as string", loc(`[{"key":"X","value":"1","always":"true"}]`), `{"code":3,"msg":"pos: 137, Unexpected token in 'always': STRING instead of PRIMITIVE"}`},
		{"unknown header member", loc(`[{"key":"X","value":"1","when":1}]`), `{"code":3,"msg":"pos: 128, Unknown field in 'headers': when"}`},
		{"unknown server", `{"servers":[{"listens":["127.0.0.1:1"],"serverNames":["x"],"locations":[]}]}`, `{"data":["servers[127.0.0.1:1,x]can not find server."],"code":4,"msg":"update dyn conf error."}`},
	}
	before := env.Snapshot()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := env.Do("PUT", api, tt.body)
			require.Equal(t, 200, r.Status)
			require.JSONEq(t, tt.want, r.Body)
			require.Equal(t, before, env.Snapshot())
			require.False(t, strings.Contains(env.Do("GET", api, "").Body, `"headers"`))
		})
	}
}

func TestBodyLimitsAndMalformedJSON(t *testing.T) {
	newEnv(t).CheckBodyLimits(t, dynheader.Module{}, api, `{"code":3,"msg":"pos: -1, The string is not a full JSON packet, more bytes expected"}`)
}
