package vts_test

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/dyn/dyntest"
	"github.com/gonjet/gonjet/dyn/vts"
	_ "github.com/gonjet/gonjet/gateway/all"
)

// dataConf is the data plane of OpenNJet's recording as it stood when
// http_vts was recorded: the server on 8090 had lost /demo and gained
// /ttt2 through dyn_loc, and a.com is served without TLS here.
const dataConf = `
events { worker_connections 1024; }
http {
    access_log off;
    vhost_traffic_status_zone;
    upstream backend1 {
        zone backend1 256k;
        server 127.0.0.1:9001;
        server 127.0.0.1:9002;
    }
    upstream backend2 {
        zone backend2 256k;
        server 127.0.0.1:9003;
    }
    server {
        listen       127.0.0.1:8080;
        location / { return 200 "root\n"; }
        location /demo { proxy_pass http://backend1; }
        location /split { proxy_pass http://backend2; }
        location /map { return 200 "map test\n"; }
    }
    server {
        listen       127.0.0.1:8090;
        server_name  server-90;
        location / { return 200 "server-90 root\n"; }
        location = /ttt2 { return 200 "ttt2\n"; }
    }
    server {
        listen       127.0.0.1:8443;
        server_name  a.com;
        location / { return 200 "ssl a.com\n"; }
    }
}
`

// ctrlConf adds OpenNJet's /metrics display to the control plane.
var ctrlConf = strings.Replace(dyntest.CtrlConf, "        location /doc {", `        location /metrics {
            vhost_traffic_status_display;
            vhost_traffic_status_display_format html;
        }
        location /doc {`, 1)

func golden(t *testing.T) []dyntest.Exchange {
	b, err := os.ReadFile("testdata/config_http_vts.json")
	require.NoError(t, err)
	var out []dyntest.Exchange
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

// dropEmptyServers removes the server the recording's dyn_srv session left
// without listens, names or locations.
func dropEmptyServers(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	servers, ok := m["servers"].([]any)
	if !ok {
		return v
	}
	kept := []any{}
	for _, s := range servers {
		if l, _ := s.(map[string]any)["listens"].([]any); len(l) > 0 {
			kept = append(kept, s)
		}
	}
	m["servers"] = kept
	return m
}

func TestGoldenHTTPVTSMatchesOpenNJet(t *testing.T) {
	env, rewrite := dyntest.Recorded(t, dataConf, dyntest.Options{Ctrl: ctrlConf})
	// The recorded GET shows /ttt2 as dyn_loc added it ("=" rule) while
	// its exchange names it "/ttt2".
	rewrite[`{"location":"/ttt2"`] = `{"location":"= /ttt2"`
	r := dyntest.Replay{
		Skip: map[string]string{
			// dyn's /config dispatcher answers a body that is not JSON
			// itself (400) before the module sees it
			"PUT malformed JSON": "refused by the dyn config dispatcher with 400",
		},
		Rewrite:   rewrite,
		Normalize: dropEmptyServers,
		Spec:      dyntest.LoadSpec(t, "helper_vts.yaml"),
		SpecSkip: map[string]string{
			"PUT manual example (adapted listen)":            "answers 200 with an envelope where the document says 204",
			"PUT disable on /":                               "answers 200 with an envelope where the document says 204",
			"PUT wrong type":                                 "answers 200 with an envelope where the document says 204",
			"PUT unknown location":                           "answers 200 with an envelope where the document says 204",
			"PUT malformed JSON":                             "answers 200 with an envelope where the document says 204",
			"PUT filter key + enable / (for /metrics check)": "answers 200 with an envelope where the document says 204",
			"PUT two-param filter key + enable /":            "answers 200 with an envelope where the document says 204",
		},
	}
	r.Run(t, env, golden(t))

	// the effect recorded after the rejected filter keys
	m := env.API("GET", "/metrics/format/json", "")
	require.Equal(t, 200, m.Status)
	require.NotContains(t, string(m.Body), `"filterZones"`)
}

func TestMalformedBodyGetsTheParserMessage(t *testing.T) {
	r := chi.NewRouter()
	vts.Module{}.Routes(r, nil)
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("PUT", "/config/http_vts", strings.NewReader(`{"servers"`)))
	require.Equal(t, 200, w.Code)
	require.Equal(t, `{"code":3,"msg":"pos: -1, The string is not a full JSON packet, more bytes expected"}`, w.Body.String())
}

func TestSwitchStopsAndResumesCounting(t *testing.T) {
	env, _ := dyntest.Recorded(t, dataConf, dyntest.Options{Ctrl: ctrlConf})
	count := func() float64 {
		r := env.API("GET", "/metrics/format/json", "")
		require.Equal(t, 200, r.Status)
		var doc map[string]any
		require.NoError(t, json.Unmarshal(r.Body, &doc))
		z, ok := doc["serverZones"].(map[string]any)["_"].(map[string]any)
		if !ok {
			return 0
		}
		return z["requestCounter"].(float64)
	}
	get := func(target string) {
		require.Equal(t, 200, env.Get("127.0.0.1:8080", target).Status)
	}
	get("/")
	get("/map")
	require.Equal(t, 2.0, count())

	put := func(body string) string {
		r := env.API("PUT", "/api/v1/config/http_vts", body, "Content-Type: application/json")
		require.Equal(t, 200, r.Status)
		return string(r.Body)
	}
	require.Equal(t, `{"code":0,"msg":"success."}`, put(`{"servers":[{"listens":["127.0.0.1:8080"],"serverNames":[""],"locations":[{"location":"/","vhost_traffic_status":false}]}]}`))
	get("/")
	get("/")
	get("/map")
	// counters survive the rebuild; "/" is no longer counted
	require.Equal(t, 3.0, count())

	r := env.API("GET", "/api/v1/config/http_vts", "")
	require.Contains(t, string(r.Body), `{"location":"/","vhost_traffic_status":false}`)
	require.Contains(t, string(r.Body), `{"location":"/map","vhost_traffic_status":true}`)

	require.Equal(t, `{"code":0,"msg":"success."}`, put(`{"servers":[{"listens":["127.0.0.1:8080"],"serverNames":[""],"locations":[{"location":"/","vhost_traffic_status":true}]}]}`))
	get("/")
	require.Equal(t, 4.0, count())
}

func TestFilterKeyPutAddsFilterZones(t *testing.T) {
	env, _ := dyntest.Recorded(t, dataConf, dyntest.Options{Ctrl: ctrlConf})
	r := env.API("PUT", "/api/v1/config/http_vts", `{"vhost_traffic_status_filter_by_set_key":"\"$uri\" \"uris::$server_name\""}`)
	require.Equal(t, `{"code":0,"msg":"success."}`, string(r.Body))
	require.Equal(t, 200, env.Get("127.0.0.1:8090", "/").Status)
	r = env.API("GET", "/metrics/format/json", "")
	var doc map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &doc))
	group := doc["filterZones"].(map[string]any)["uris::server-90"].(map[string]any)
	require.Equal(t, 1.0, group["/"].(map[string]any)["requestCounter"])

	r = env.API("GET", "/api/v1/config/http_vts", "")
	require.True(t, strings.HasSuffix(string(r.Body), `],"vhost_traffic_status_filter_by_set_key":"\"$uri\" \"uris::$server_name\""}`), string(r.Body))
}

func TestPutReportsEachProblem(t *testing.T) {
	env, _ := dyntest.Recorded(t, dataConf, dyntest.Options{Ctrl: ctrlConf})
	tests := []struct {
		name, body, want string
	}{
		{"unknown variable",
			`{"vhost_traffic_status_filter_by_set_key":"\"$nosuch\" \"x\""}`,
			`{"data":[" found unknown var $nosuch in filter key"],"code":1,"msg":"partial success."}`},
		{"extra data",
			`{"vhost_traffic_status_filter_by_set_key":"\"$uri\" \"x\" y"}`,
			`{"data":[" found too much data in filter key"],"code":1,"msg":"partial success."}`},
		{"no listens",
			`{"servers":[{"listens":[],"serverNames":[""],"locations":[]}]}`,
			`{"data":[" server parameters error, listens or serverNames is empty,at position 0"],"code":1,"msg":"partial success."}`},
		{"unknown server",
			`{"servers":[{"listens":["127.0.0.1:9999"],"serverNames":["x"],"locations":[]}]}`,
			"{\"data\":[\" can`t find server by listen[127.0.0.1:9999] server_name[x]\"],\"code\":1,\"msg\":\"partial success.\"}"},
		{"location after a found one",
			`{"servers":[{"listens":["127.0.0.1:8090"],"serverNames":["server-90"],"locations":[{"location":"=/ttt2","vhost_traffic_status":false},{"location":"/x"}]}]}`,
			`{"data":["listen[127.0.0.1:8090] server_name[server-90].locations[= /ttt2] location[/x] not found"],"code":1,"msg":"partial success."}`},
		{"missing location name",
			`{"servers":[{"listens":["127.0.0.1:8090"],"serverNames":["server-90"],"locations":[{"vhost_traffic_status":false}]}]}`,
			`{"code":3,"msg":"pos: 83, Missing required field in 'locations': location"}`},
		{"unknown field",
			`{"server":[]}`,
			`{"code":3,"msg":"pos: 2, Unknown field in 'document root': server"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := env.API("PUT", "/api/v1/config/http_vts", tt.body)
			require.Equal(t, 200, r.Status)
			require.Equal(t, "application/json", r.Header.Get("Content-Type"))
			require.Equal(t, tt.want, string(r.Body))
		})
	}
	// the switch of the found location was applied
	r := env.API("GET", "/api/v1/config/http_vts", "")
	require.Contains(t, string(r.Body), `{"location":"= /ttt2","vhost_traffic_status":false}`)
}

func TestSwitchLeavesNestedLocationsAsTheyWere(t *testing.T) {
	env, _ := dyntest.Recorded(t, `
http {
    vhost_traffic_status_zone;
    server {
        listen 127.0.0.1:8080;
        location /a {
            location /a/b { return 200; }
            location /a/c { vhost_traffic_status off; return 200; }
        }
    }
}`, dyntest.Options{Ctrl: ctrlConf})
	r := env.API("PUT", "/api/v1/config/http_vts", `{"servers":[{"listens":["127.0.0.1:8080"],"serverNames":[""],"locations":[{"location":"/a","vhost_traffic_status":false}]}]}`)
	require.Equal(t, `{"code":0,"msg":"success."}`, string(r.Body))
	r = env.API("GET", "/api/v1/config/http_vts", "")
	require.Equal(t, `{"servers":[{"listens":["127.0.0.1:8080"],"serverNames":[""],"locations":[{"location":"/a","vhost_traffic_status":false,"locations":[{"location":"/a/b","vhost_traffic_status":true},{"location":"/a/c","vhost_traffic_status":false}]}]}]}`, string(r.Body))

	// a nested switch is applied with its parent's
	r = env.API("PUT", "/api/v1/config/http_vts", `{"servers":[{"listens":["127.0.0.1:8080"],"serverNames":[""],"locations":[{"location":"/a","vhost_traffic_status":true,"locations":[{"location":"/a/c","vhost_traffic_status":true}]}]}]}`)
	require.Equal(t, `{"code":0,"msg":"success."}`, string(r.Body))
	r = env.API("GET", "/api/v1/config/http_vts", "")
	require.Contains(t, string(r.Body), `{"location":"/a","vhost_traffic_status":true,"locations":[{"location":"/a/b","vhost_traffic_status":true},{"location":"/a/c","vhost_traffic_status":true}]}`)
}
