package bwlist_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/dyn/bwlist"
	_ "github.com/gonjet/gonjet/dyn/dynloc"
	"github.com/gonjet/gonjet/dyn/internal/dyntest"
	_ "github.com/gonjet/gonjet/gateway/all"
)

const api = "/api/v1/config/http_dyn_bwlist"

func newEnv(t *testing.T) *dyntest.Env {
	t.Helper()
	b1, b2, b3 := dyntest.Backend(t, "b1"), dyntest.Backend(t, "b2"), dyntest.Backend(t, "b3")
	return dyntest.New(t, dyntest.GoldenConf(b1, b2, b3))
}

func TestGoldenExchangesAnswerAsOpenNJet(t *testing.T) {
	newEnv(t).ReplayGolden(t, "config_http_dyn_bwlist.json", nil)
}

func TestRulesFollowTheAPI(t *testing.T) {
	env := newEnv(t)
	status := func(remote string) int {
		return env.RequestFrom(remote, "GET", "127.0.0.1:8080", "localhost", "/demo/").Status
	}
	put := func(body string) {
		t.Helper()
		require.JSONEq(t, `{"code":0,"msg":"success."}`, env.Do("PUT", api, body).Body)
	}
	require.Equal(t, 200, status("127.0.0.1:1000"))

	put(`{"servers":[{"listens":["127.0.0.1:8080"],"serverNames":[""],"locations":[{"location":"/demo","accessIpv4":[
		{"rule":"deny","addr":"127.0.0.1","mask":"255.255.255.255"},{"rule":"allow","addr":"0.0.0.0","mask":"0.0.0.0"}]}]}]}`)
	require.Equal(t, 403, status("127.0.0.1:1000"))
	require.Equal(t, 200, status("10.1.2.3:1000"))
	require.Equal(t, 200, status("[::1]:1000"), "IPv6 clients are not in the IPv4 list")

	put(`{"servers":[{"listens":["127.0.0.1:8080"],"serverNames":[""],"locations":[{"location":"/demo","accessIpv6":[
		{"rule":"deny","addr":"::1","mask":"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}]}]}]}`)
	require.Equal(t, 200, status("127.0.0.1:1000"), "the IPv4 list was replaced too")
	require.Equal(t, 403, status("[::1]:1000"))

	put(`{"servers":[{"listens":["127.0.0.1:8080"],"serverNames":[""],"locations":[{"location":"/demo","accessIpv4":[]}]}]}`)
	require.Equal(t, 200, status("[::1]:1000"))
	get := env.Do("GET", api, "")
	require.Contains(t, get.Body, `{"location":"/demo","accessIpv4":[]}`)
}

func TestEmptiedListStopsInheritedRules(t *testing.T) {
	b := dyntest.Backend(t, "b")
	env := dyntest.New(t, `events {} http { server { listen 127.0.0.1:80; deny all; location / { proxy_pass http://`+b+`; } location /open { proxy_pass http://`+b+`; } } }`)
	require.Equal(t, 403, env.Get("127.0.0.1:80", "x", "/open").Status)
	get := env.Do("GET", api, "")
	require.JSONEq(t, `{"servers":[{"listens":["127.0.0.1:80"],"serverNames":[""],"locations":[
		{"location":"/","accessIpv4":[{"rule":"deny","addr":"0.0.0.0","mask":"0.0.0.0"}],"accessIpv6":[{"rule":"deny","addr":"::","mask":"::"}]},
		{"location":"/open","accessIpv4":[{"rule":"deny","addr":"0.0.0.0","mask":"0.0.0.0"}],"accessIpv6":[{"rule":"deny","addr":"::","mask":"::"}]}]}]}`, get.Body)
	r := env.Do("PUT", api, `{"servers":[{"listens":["127.0.0.1:80"],"serverNames":[""],"locations":[{"location":"/open","accessIpv4":[]}]}]}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	require.Equal(t, 200, env.Get("127.0.0.1:80", "x", "/open").Status)
	require.Equal(t, 403, env.Get("127.0.0.1:80", "x", "/").Status)
}

func TestDeletedLocationLosesItsList(t *testing.T) {
	env := newEnv(t)
	b := dyntest.Backend(t, "b")
	r := env.Do("POST", "/api/v1/dyn_loc", `{"type":"add","addr_port":"127.0.0.1:8090","server_name":"server-90","locations":[{"location_name":"/ttt2","proxy_pass":"http://`+b+`"}]}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	r = env.Do("PUT", api, `{"servers":[{"listens":["127.0.0.1:8090"],"serverNames":["server-90"],"locations":[{"location":"/ttt2","accessIpv4":[{"rule":"deny","addr":"0.0.0.0","mask":"0.0.0.0"}]}]}]}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	require.Equal(t, 403, env.Get("127.0.0.1:8090", "server-90", "/ttt2").Status)
	r = env.Do("PUT", "/api/v1/dyn_loc", `{"type":"del","addr_port":"127.0.0.1:8090","server_name":"server-90","location_name":"/ttt2"}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	require.Empty(t, env.StoreKeys("/dyn/"+"http_dyn_bwlist/"))
	r = env.Do("POST", "/api/v1/dyn_loc", `{"type":"add","addr_port":"127.0.0.1:8090","server_name":"server-90","locations":[{"location_name":"/ttt2","proxy_pass":"http://`+b+`"}]}`)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	require.Equal(t, 200, env.Get("127.0.0.1:8090", "server-90", "/ttt2").Status, "a location added again starts without rules")
}

func TestGetAndPutMatchTheOpenAPIDocument(t *testing.T) {
	env := newEnv(t)
	spec := dyntest.LoadSpec(t, "helper_dyn_bwlist.yaml")
	body := `{"servers":[{"listens":["127.0.0.1:8080"],"serverNames":[""],"locations":[{"location":"/","accessIpv4":[{"rule":"allow","addr":"10.0.0.0","mask":"255.0.0.0"}]}]}]}`
	r := env.Do("PUT", api, body)
	require.JSONEq(t, `{"code":0,"msg":"success."}`, r.Body)
	require.NoError(t, spec.Validate("PUT", api, body, r))
	require.NoError(t, spec.Validate("GET", api, "", env.Do("GET", api, "")))
}

func TestBadRequestsAreRefusedAndChangeNothing(t *testing.T) {
	env := newEnv(t)
	const srv = `"listens":["127.0.0.1:8080"],"serverNames":[""]`
	tests := []struct{ name, body, want string }{
		{"rule missing mask", `{"servers":[{` + srv + `,"locations":[{"location":"/","accessIpv4":[{"rule":"deny","addr":"1.2.3.4"}]}]}]}`, `{"code":3,"msg":"pos: 104, Missing required field in 'accessIpv4': mask"}`},
		{"ipv6 address in the ipv4 list", `{"servers":[{` + srv + `,"locations":[{"location":"/","accessIpv4":[{"rule":"deny","addr":"::1","mask":"255.0.0.0"}]}]}]}`, `{"data":["servers[127.0.0.1:8080,].locations[/] wrong ipv4 addr: ::1"],"code":1,"msg":"partial success."}`},
		{"ipv4 address in the ipv6 list", `{"servers":[{` + srv + `,"locations":[{"location":"/","accessIpv6":[{"rule":"deny","addr":"1.2.3.4","mask":"::"}]}]}]}`, `{"data":["servers[127.0.0.1:8080,].locations[/] wrong ipv6 addr: 1.2.3.4"],"code":1,"msg":"partial success."}`},
		{"mask with holes", `{"servers":[{` + srv + `,"locations":[{"location":"/","accessIpv4":[{"rule":"deny","addr":"1.2.3.4","mask":"255.0.255.0"}]}]}]}`, `{"data":["servers[127.0.0.1:8080,].locations[/] wrong ipv4 mask: 255.0.255.0"],"code":1,"msg":"partial success."}`},
		{"JSON null is a type error", `{"servers":[{` + srv + `,"locations":[{"location":"/","accessIpv4":null}]}]}`, `{"code":3,"msg":"pos: 103, Unexpected token in 'accessIpv4': PRIMITIVE instead of ARRAY"}`},
		{"empty listens", `{"servers":[{"listens":[],"serverNames":[""],"locations":[]}]}`, `{"data":[" server parameters error, listens or serverNames is empty,at position 0"],"code":4,"msg":"update dyn conf error."}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := env.Snapshot()
			r := env.Do("PUT", api, tt.body)
			require.Equal(t, 200, r.Status)
			require.JSONEq(t, tt.want, r.Body)
			if tt.want[2] == 'c' {
				require.Equal(t, before, env.Snapshot())
			}
			require.Equal(t, 200, env.Get("127.0.0.1:8080", "localhost", "/demo/").Status)
		})
	}
}

func TestBodyLimitsAndMalformedJSON(t *testing.T) {
	newEnv(t).CheckBodyLimits(t, bwlist.Module{}, api, `{"code":3,"msg":"pos: -1, The string is not a full JSON packet, more bytes expected"}`)
}
