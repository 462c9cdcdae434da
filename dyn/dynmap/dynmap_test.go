package dynmap_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	_ "github.com/gonjet/gonjet/dyn/dynloc"
	"github.com/gonjet/gonjet/dyn/dynmap"
	"github.com/gonjet/gonjet/dyn/internal/dyntest"
	_ "github.com/gonjet/gonjet/gateway/all"
)

const api = "/api/v1/config/http_dyn_map"

func newEnv(t *testing.T) *dyntest.Env {
	t.Helper()
	b1, b2, b3 := dyntest.Backend(t, "b1"), dyntest.Backend(t, "b2"), dyntest.Backend(t, "b3")
	return dyntest.New(t, dyntest.GoldenConf(b1, b2, b3))
}

func TestGoldenExchangesAnswerAsOpenNJet(t *testing.T) {
	newEnv(t).ReplayGolden(t, "config_http_dyn_map.json", nil)
}

func mapped(env *dyntest.Env, a string) string {
	return string(env.Get("127.0.0.1:8080", "localhost", "/map?a="+a).Body)
}

func TestChangedValuesServeTheNextRequests(t *testing.T) {
	env := newEnv(t)
	require.Equal(t, "map test,mapped value is 22 \n", mapped(env, "bb"))
	r := env.Do("PUT", api, `{"maps":[{"keyFrom":"$arg_a","keyTo":"$testv","values":[{"valueFrom":"default","valueTo":"00"},{"valueFrom":"aa","valueTo":"11"},{"valueFrom":"bb","valueTo":"99"}],"isVolatile":false,"hostnames":false}]}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	require.Equal(t, "map test,mapped value is 99 \n", mapped(env, "bb"))
	require.Equal(t, "map test,mapped value is 00 \n", mapped(env, "cc"))
}

func TestAddedMapCanBeUsedAndDeleted(t *testing.T) {
	env := newEnv(t)
	r := env.Do("PUT", api, `{"maps":[{"keyFrom":"$arg_b","keyTo":"$color","type":"add","values":[{"valueFrom":"default","valueTo":"none"},{"valueFrom":"1","valueTo":"red"}]}]}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	r = env.Do("POST", "/api/v1/dyn_loc", `{"type":"add","addr_port":"127.0.0.1:8080","server_name":"","locations":[{"location_name":"/color","location_body":"return 200 $color"}]}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	require.Equal(t, "red", string(env.Get("127.0.0.1:8080", "localhost", "/color?b=1").Body))
	require.Equal(t, "none", string(env.Get("127.0.0.1:8080", "localhost", "/color?b=2").Body))

	// still used: the deletion does not build and is refused
	del := `{"maps":[{"keyFrom":"$arg_b","keyTo":"$color","type":"del","values":[]}]}`
	r = env.Do("PUT", api, del)
	require.JSONEq(t, `{"data":[" unknown \"color\" variable"],"code":4,"msg":"update dyn conf error."}`, r.Body)
	require.Equal(t, "red", string(env.Get("127.0.0.1:8080", "localhost", "/color?b=1").Body))

	r = env.Do("PUT", "/api/v1/dyn_loc", `{"type":"del","addr_port":"127.0.0.1:8080","server_name":"","location_name":"/color"}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, env.Do("PUT", api, del).Body)
	require.NotContains(t, env.Do("GET", api, "").Body, "$color")
}

func TestFlagsAreWrittenAndShown(t *testing.T) {
	env := newEnv(t)
	r := env.Do("PUT", api, `{"maps":[{"keyFrom":"$host","keyTo":"$site","type":"add","values":[{"valueFrom":".example.com","valueTo":"ex"},{"valueFrom":"default","valueTo":"other"}],"hostnames":true,"isVolatile":true}]}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	get := env.Do("GET", api, "")
	require.Contains(t, get.Body, `{"keyFrom":"$host","keyTo":"$site","values":[{"valueFrom":".example.com","valueTo":"ex"},{"valueFrom":"default","valueTo":"other"}],"isVolatile":true,"hostnames":true}`)
	r = env.Do("POST", "/api/v1/dyn_loc", `{"type":"add","addr_port":"127.0.0.1:8080","server_name":"","locations":[{"location_name":"/site","location_body":"return 200 $site"}]}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	require.Equal(t, "ex", string(env.Get("127.0.0.1:8080", "www.example.com", "/site").Body))
}

func TestMapsSurviveRestart(t *testing.T) {
	b1, b2, b3 := dyntest.Backend(t, "b1"), dyntest.Backend(t, "b2"), dyntest.Backend(t, "b3")
	src := dyntest.GoldenConf(b1, b2, b3)
	env := dyntest.New(t, src)
	r := env.Do("PUT", api, `{"maps":[{"keyFrom":"$arg_a","keyTo":"$testv","values":[{"valueFrom":"bb","valueTo":"kept"}]}]}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	again := dyntest.NewWithStore(t, src, env.Prefix, env.Store)
	require.Equal(t, "map test,mapped value is kept \n", mapped(again, "bb"))
}

func TestPutMatchesTheOpenAPIDocumentWhereOpenNJetDoes(t *testing.T) {
	env := newEnv(t)
	spec := dyntest.LoadSpec(t, "helper_dyn_map.yaml")
	// The document shows "values" as an object and "hosnames"; OpenNJet
	// v3.3.0 reads an array and "hostnames" (see the golden recording).
	body := `{"maps":[{"keyFrom":"$arg_a","keyTo":"$testv","values":[{"valueFrom":"aa","valueTo":"11"}]}]}`
	r := env.Do("PUT", api, body)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	err := spec.Validate("PUT", api, body, r)
	require.Error(t, err)
	require.Contains(t, err.Error(), "values")
}

func TestBadRequestsAreRefusedAndChangeNothing(t *testing.T) {
	env := newEnv(t)
	tests := []struct{ name, body, want string }{
		{"keyTo without $", `{"maps":[{"keyFrom":"$arg_a","keyTo":"testv","values":[]}]}`, `{"data":["keyTo testv is invalid, it should start with $"],"code":4,"msg":"update dyn conf error."}`},
		{"keyFrom without $", `{"maps":[{"keyFrom":"arg_a","keyTo":"$testv","values":[]}]}`, `{"data":["keyFrom arg_a is invalid, it should start with $"],"code":4,"msg":"update dyn conf error."}`},
		{"short keyTo", `{"maps":[{"keyFrom":"$arg_a","keyTo":"$","values":[]}]}`, `{"code":3,"msg":"pos: 38, String too short in 'keyTo'. Length: 1. Minimum length: 2."}`},
		{"unknown type", `{"maps":[{"keyFrom":"$arg_a","keyTo":"$testv","type":"mod","values":[]}]}`, `{"data":["unknow type:mod"],"code":4,"msg":"update dyn conf error."}`},
		{"add over another source", `{"maps":[{"keyFrom":"$arg_b","keyTo":"$testv","type":"add","values":[]}]}`, `{"data":[" keyTo testv is exsit!"],"code":4,"msg":"update dyn conf error."}`},
		{"update with another source", `{"maps":[{"keyFrom":"$arg_b","keyTo":"$testv","values":[]}]}`, `{"data":[" not find map,keyFrom:$arg_b!"],"code":4,"msg":"update dyn conf error."}`},
		{"delete a file map", `{"maps":[{"keyFrom":"$arg_a","keyTo":"$testv","type":"del","values":[]}]}`, `{"data":["can` + "`" + `t del static variable"],"code":4,"msg":"update dyn conf error."}`},
		{"two bad items", `{"maps":[{"keyFrom":"$arg_a","keyTo":"$nosuch","values":[]},{"keyFrom":"$arg_a","keyTo":"$nosuch2","values":[]}]}`, `{"data":[" not find map,keyTo:nosuch!"," not find map,keyTo:nosuch2!"],"code":1,"msg":"partial success."}`},
		{"maps missing", `{"map":[]}`, `{"code":3,"msg":"pos: 2, Unknown field in 'document root': map"}`},
	}
	before := env.Snapshot()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := env.Do("PUT", api, tt.body)
			require.Equal(t, 200, r.Status)
			require.JSONEq(t, tt.want, r.Body)
			require.Equal(t, before, env.Snapshot())
			require.Equal(t, "map test,mapped value is 22 \n", mapped(env, "bb"))
		})
	}
}

func TestBodyLimitsAndMalformedJSON(t *testing.T) {
	newEnv(t).CheckBodyLimits(t, dynmap.Module{}, api, `{"code":3,"msg":"pos: -1, The string is not a full JSON packet, more bytes expected"}`)
}
