package proxypass_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	_ "github.com/gonjet/gonjet/dyn/dynloc"
	"github.com/gonjet/gonjet/dyn/internal/dyntest"
	"github.com/gonjet/gonjet/dyn/proxypass"
	_ "github.com/gonjet/gonjet/gateway/all"
)

const api = "/api/v1/config/proxy_pass"

func newEnv(t *testing.T) *dyntest.Env {
	t.Helper()
	b1, b2, b3 := dyntest.Backend(t, "b1"), dyntest.Backend(t, "b2"), dyntest.Backend(t, "b3")
	return dyntest.New(t, dyntest.GoldenConf(b1, b2, b3))
}

func TestGoldenExchangesAnswerAsOpenNJet(t *testing.T) {
	newEnv(t).ReplayGolden(t, "config_proxy_pass.json", nil)
}

func demo(env *dyntest.Env) string {
	return strings.Fields(string(env.Get("127.0.0.1:8080", "localhost", "/demo/").Body))[0]
}

func TestNewTargetServesTheNextRequests(t *testing.T) {
	env := newEnv(t)
	require.Contains(t, []string{"b1", "b2"}, demo(env))
	r := env.Do("PUT", api, `{"servers":[{"listens":["127.0.0.1:8080"],"serverNames":[""],"locations":[{"location":"/demo","proxy_pass":"http://backend2"}]}]}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	for i := 0; i < 5; i++ {
		require.Equal(t, "b3", demo(env))
	}
	r = env.Do("PUT", api, `{"servers":[{"listens":["127.0.0.1:8080"],"serverNames":[""],"locations":[{"location":"/demo","proxy_pass":"http://backend1"}]}]}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	require.Contains(t, []string{"b1", "b2"}, demo(env))
}

func TestTargetWithVariablesAndAddress(t *testing.T) {
	env := newEnv(t)
	direct := dyntest.Backend(t, "direct")
	r := env.Do("PUT", api, `{"servers":[{"listens":["127.0.0.1:8080"],"serverNames":[""],"locations":[{"location":"/demo","proxy_pass":"http://`+direct+`"}]}]}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	require.Equal(t, "direct", demo(env))
	r = env.Do("PUT", api, `{"servers":[{"listens":["127.0.0.1:8080"],"serverNames":[""],"locations":[{"location":"/demo","proxy_pass":"http://$split_backend"}]}]}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	require.Contains(t, []string{"b1", "b2", "b3"}, demo(env))
	get := env.Do("GET", api, "")
	require.Contains(t, get.Body, `{"location":"/demo","proxy_pass":"http://$split_backend"}`)
}

func TestGetAndPutMatchTheOpenAPIDocument(t *testing.T) {
	env := newEnv(t)
	spec := dyntest.LoadSpec(t, "helper_dyn_pass.yaml")
	body := `{"servers":[{"listens":["127.0.0.1:8080"],"serverNames":[""],"locations":[{"location":"/demo","proxy_pass":"http://backend2"}]}]}`
	r := env.Do("PUT", api, body)
	require.NoError(t, spec.Validate("PUT", api, body, r))
	require.NoError(t, spec.Validate("GET", api, "", env.Do("GET", api, "")))
}

func TestBadRequestsAreRefusedAndChangeNothing(t *testing.T) {
	env := newEnv(t)
	loc := func(l, pp string) string {
		return `{"servers":[{"listens":["127.0.0.1:8080"],"serverNames":[""],"locations":[{"location":"` + l + `","proxy_pass":"` + pp + `"}]}]}`
	}
	const p = "servers[127.0.0.1:8080,].locations[/demo]:"
	tests := []struct{ name, body, want string }{
		{"https for http", loc("/demo", "https://backend2"), `{"data":["` + p + `schema of proxy_pass[https://backend2] unchangeable"],"code":1,"msg":"partial success."}`},
		{"variable only", loc("/demo", "$split_backend"), `{"data":["` + p + `schema of proxy_pass[$split_backend] unchangeable"],"code":1,"msg":"partial success."}`},
		{"unknown variable", loc("/demo", "http://$nosuchvar"), `{"data":["` + p + `proxy_pass[http://$nosuchvar]  unknown variable nosuchvar"],"code":1,"msg":"partial success."}`},
		{"two words", loc("/demo", "http://backend2 x"), `{"data":["` + p + `proxy_pass[http://backend2 x] error!"],"code":1,"msg":"partial success."}`},
		{"empty target", loc("/demo", ""), `{"data":["` + p + `proxy_pass[] error!"],"code":1,"msg":"partial success."}`},
		{"no scheme", `{"servers":[{"listens":["127.0.0.1:8080"],"serverNames":[""],"locations":[{"location":"/split","proxy_pass":"backend2"}]}]}`, `{"data":["servers[127.0.0.1:8080,].locations[/split]:schema[backend2] invalid URL prefix."],"code":1,"msg":"partial success."}`},
		{"empty listens", `{"servers":[{"listens":[],"serverNames":[""],"locations":[]}]}`, `{"code":3,"msg":"pos: 23, Array 'listens' too small. Length: 0. Minimum length: 1."}`},
	}
	before := env.Snapshot()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := env.Do("PUT", api, tt.body)
			require.Equal(t, 200, r.Status)
			require.JSONEq(t, tt.want, r.Body)
			require.Equal(t, before, env.Snapshot())
			require.Contains(t, []string{"b1", "b2"}, demo(env))
		})
	}
}

func TestBodyLimitsAndMalformedJSON(t *testing.T) {
	newEnv(t).CheckBodyLimits(t, proxypass.Module{}, api, `{"code":3,"msg":"pos: -1, The string is not a full JSON packet, more bytes expected"}`)
}
