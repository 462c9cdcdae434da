package splitclients2_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	_ "github.com/gonjet/gonjet/dyn/dynloc"
	"github.com/gonjet/gonjet/dyn/internal/dyntest"
	"github.com/gonjet/gonjet/dyn/splitclients2"
	_ "github.com/gonjet/gonjet/gateway/all"
)

func newEnv(t *testing.T) *dyntest.Env {
	t.Helper()
	b1, b2, b3 := dyntest.Backend(t, "b1"), dyntest.Backend(t, "b2"), dyntest.Backend(t, "b3")
	return dyntest.New(t, dyntest.GoldenConf(b1, b2, b3))
}

const api = "/api/v1/config/http_split_clients_2"

func TestGoldenExchangesAnswerAsOpenNJet(t *testing.T) {
	newEnv(t).ReplayGolden(t, "config_http_split_clients_2.json", nil)
}

// backends counts which upstream answered n requests for /split.
func backends(env *dyntest.Env, n int) map[string]int {
	out := map[string]int{}
	for i := 0; i < n; i++ {
		body := string(env.Get("127.0.0.1:8080", "localhost", "/split/").Body)
		out[strings.Fields(body)[0]]++
	}
	return out
}

func TestSharesFollowTheAPI(t *testing.T) {
	env := newEnv(t)
	put := func(body string) {
		t.Helper()
		require.JSONEq(t, `{"code":0,"msg":"success."}`, env.Do("PUT", api, body).Body)
	}
	put(`{"http":{"split_clients_2":{"backend1":100,"backend2":0}}}`)
	got := backends(env, 50)
	require.Zero(t, got["b3"], "backend2 gets nothing: %v", got)

	put(`{"http":{"split_clients_2":{"backend1":0,"backend2":100}}}`)
	require.Equal(t, map[string]int{"b3": 50}, backends(env, 50))

	put(`{"http":{"split_clients_2":{"backend1":50,"backend2":50}}}`)
	got = backends(env, 400)
	require.NotZero(t, got["b3"])
	require.NotZero(t, got["b1"]+got["b2"])

	// a refused change leaves the split alone
	r := env.Do("PUT", api, `{"http":{"split_clients_2":{"backend1":0,"backend2":99}}}`)
	require.JSONEq(t, `{"code":500,"msg":"total percentage should be 100"}`, r.Body)
	require.JSONEq(t, `{"http":{"split_clients_2":{"backend1":50,"backend2":50}}}`, env.Do("GET", api, "").Body)
}

func TestShareSurvivesRestart(t *testing.T) {
	b1, b2, b3 := dyntest.Backend(t, "b1"), dyntest.Backend(t, "b2"), dyntest.Backend(t, "b3")
	src := dyntest.GoldenConf(b1, b2, b3)
	env := dyntest.New(t, src)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, env.Do("PUT", api, `{"http":{"split_clients_2":{"backend1":0,"backend2":100}}}`).Body)
	again := dyntest.NewWithStore(t, src, env.Prefix, env.Store)
	require.JSONEq(t, `{"http":{"split_clients_2":{"backend1":0,"backend2":100}}}`, again.Do("GET", api, "").Body)
	require.Equal(t, map[string]int{"b3": 20}, backends(again, 20))
}

func TestGetAndPutMatchTheOpenAPIDocument(t *testing.T) {
	env := newEnv(t)
	spec := dyntest.LoadSpec(t, "helper_split_clients_2.yaml")
	body := `{"http":{"split_clients_2":{"backend1":20,"backend2":80}}}`
	r := env.Do("PUT", api, body)
	require.NoError(t, spec.Validate("PUT", api, body, r))
	require.NoError(t, spec.Validate("GET", api, "", env.Do("GET", api, "")))
}

func TestWithoutABlockNothingAnswersTheChange(t *testing.T) {
	env := dyntest.New(t, `events {} http { server { listen 127.0.0.1:80; } }`)
	require.Equal(t, `{}`, env.Do("GET", api, "").Body)
	require.Equal(t, `{"code":-1, "msg":"no rpc handler registered"}`, env.Do("PUT", api, `{"http":{"split_clients_2":{"a":100}}}`).Body)
}

func TestBadRequestsAreRefusedAndChangeNothing(t *testing.T) {
	env := newEnv(t)
	tests := []struct{ name, body, want string }{
		{"not an object", `[1]`, `{"code":3,"msg":"http field is required"}`},
		{"http not an object", `{"http":[]}`, `{"code":3,"msg":"split_clients_2 field is required"}`},
		{"fraction", `{"http":{"split_clients_2":{"backend1":10.5,"backend2":89.5}}}`, `{"code":3,"msg":"backend1 percentage is not valid"}`},
		{"boolean", `{"http":{"split_clients_2":{"backend1":true,"backend2":0}}}`, `{"code":3,"msg":"backend1 percentage is not valid"}`},
		{"extra backend", `{"http":{"split_clients_2":{"backend1":10,"backend2":90,"backend3":0}}}`, `{"code":3,"msg":"number of backend in the post json should be 2"}`},
		{"backend2 invalid", `{"http":{"split_clients_2":{"backend1":10,"backend2":"90"}}}`, `{"code":3,"msg":"backend2 percentage is not valid"}`},
		{"over 100", `{"http":{"split_clients_2":{"backend1":101,"backend2":0}}}`, `{"code":500,"msg":"total percentage should be 100"}`},
	}
	before := env.Snapshot()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := env.Do("PUT", api, tt.body)
			require.Equal(t, 200, r.Status)
			require.Equal(t, "application/json", r.ContentType)
			require.JSONEq(t, tt.want, r.Body)
			require.Equal(t, before, env.Snapshot())
		})
	}
}

func TestBodyLimitsAndMalformedJSON(t *testing.T) {
	newEnv(t).CheckBodyLimits(t, splitclients2.Module{}, api, `{"code":3,"msg":"invalid json format."}`)
}
