package vts_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway/gatewaytest"
)

// objectKeys returns the keys of the JSON object at the given path of
// doc, in the order they were written.
func objectKeys(t *testing.T, doc []byte, keys ...any) []string {
	t.Helper()
	var raw json.RawMessage = doc
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			var m map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(raw, &m))
			raw = m[k]
		case int:
			var a []json.RawMessage
			require.NoError(t, json.Unmarshal(raw, &a))
			raw = a[k]
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	require.NoError(t, err)
	require.Equal(t, json.Delim('{'), tok)
	var out []string
	for dec.More() {
		tok, err := dec.Token()
		require.NoError(t, err)
		out = append(out, tok.(string))
		var skip json.RawMessage
		require.NoError(t, dec.Decode(&skip))
	}
	return out
}

var (
	serverZoneKeys = []string{"requestCounter", "inBytes", "outBytes", "responses", "requestMsecCounter", "requestMsec",
		"requestMsecs", "requestBuckets", "overCounts"}
	responseKeys  = []string{"1xx", "2xx", "3xx", "4xx", "5xx", "miss", "bypass", "expired", "stale", "updating", "revalidated", "hit", "scarce"}
	overCountKeys = []string{"maxIntegerSize", "requestCounter", "inBytes", "outBytes", "1xx", "2xx", "3xx", "4xx", "5xx",
		"miss", "bypass", "expired", "stale", "updating", "revalidated", "hit", "scarce", "requestMsecCounter"}
	peerKeys = []string{"server", "requestCounter", "inBytes", "outBytes", "responses", "requestMsecCounter", "requestMsec",
		"requestMsecs", "requestBuckets", "responseMsecCounter", "responseMsec", "responseMsecs", "responseBuckets",
		"weight", "maxFails", "failTimeout", "backup", "down", "overCounts"}
	peerOverCountKeys = []string{"maxIntegerSize", "requestCounter", "inBytes", "outBytes", "1xx", "2xx", "3xx", "4xx", "5xx",
		"requestMsecCounter", "responseMsecCounter"}
)

func TestJSONHasOpenNJetShapeAndOrder(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	defer backend.Close()
	g := load(t, fmt.Sprintf(`
http {
    vhost_traffic_status_zone;
    vhost_traffic_status_filter_by_set_key $uri uris;
    upstream backend { server %s; }
    server {
        listen 80;
        server_name a;
        location / { proxy_pass http://backend; }
        location /status { vhost_traffic_status_display; vhost_traffic_status_display_format json; }
    }
}`, strings.TrimPrefix(backend.URL, "http://")))
	hit(g, "a", "/x")
	r := gatewaytest.Get(t, g, "http://a/status")
	require.Equal(t, 200, r.Status)
	doc := r.Body
	require.True(t, json.Valid(doc))

	require.Equal(t, []string{"hostName", "moduleVersion", "nginxVersion", "njetVersion", "loadMsec", "nowMsec",
		"connections", "sharedZones", "serverZones", "filterZones", "upstreamZones"}, objectKeys(t, doc))
	require.Equal(t, []string{"active", "reading", "writing", "waiting", "accepted", "handled", "requests"}, objectKeys(t, doc, "connections"))
	require.Equal(t, []string{"name", "maxSize", "usedSize", "usedNode"}, objectKeys(t, doc, "sharedZones"))
	require.Equal(t, []string{"a", "*"}, objectKeys(t, doc, "serverZones"))
	for _, zone := range [][]any{{"serverZones", "a"}, {"serverZones", "*"}, {"filterZones", "uris", "/x"}} {
		require.Equal(t, serverZoneKeys, objectKeys(t, doc, zone...), "%v", zone)
		require.Equal(t, responseKeys, objectKeys(t, doc, append(zone, "responses")...))
		require.Equal(t, overCountKeys, objectKeys(t, doc, append(zone, "overCounts")...))
		require.Equal(t, []string{"times", "msecs"}, objectKeys(t, doc, append(zone, "requestMsecs")...))
		require.Equal(t, []string{"msecs", "counters"}, objectKeys(t, doc, append(zone, "requestBuckets")...))
	}
	require.Equal(t, []string{"p50reqdelayMsecr", "p99reqdelayMsecr", "p999reqdelayMsecr", "p9999reqdelayMsecr",
		"p99999reqdelayMsecr", "backend"}, objectKeys(t, doc, "upstreamZones"))
	require.Equal(t, peerKeys, objectKeys(t, doc, "upstreamZones", "backend", 0))
	require.Equal(t, []string{"1xx", "2xx", "3xx", "4xx", "5xx", "timeout"}, objectKeys(t, doc, "upstreamZones", "backend", 0, "responses"))
	require.Equal(t, peerOverCountKeys, objectKeys(t, doc, "upstreamZones", "backend", 0, "overCounts"))
	require.Contains(t, string(doc), `"maxIntegerSize":18446744073709551615`)

	var m map[string]any
	require.NoError(t, json.Unmarshal(doc, &m))
	require.Equal(t, "v0.2.1", m["moduleVersion"])
	require.Equal(t, "njt_http_vhost_traffic_status", path(t, m, "sharedZones", "name"))
	require.EqualValues(t, 0xfffff, num(t, m, "sharedZones", "maxSize"))
	require.LessOrEqual(t, num(t, m, "loadMsec"), num(t, m, "nowMsec"))
	times := path(t, m, "serverZones", "a", "requestMsecs", "times").([]any)
	require.Len(t, times, 1)
	require.InDelta(t, num(t, m, "nowMsec"), times[0], 60000)
}

func TestFormatFromURIOrDirective(t *testing.T) {
	g := load(t, `
http {
    vhost_traffic_status_zone;
    server {
        listen 80;
        location /status {
            vhost_traffic_status_display;
            vhost_traffic_status_display_format html;
        }
        location /metrics {
            vhost_traffic_status_display;
            vhost_traffic_status_display_format prometheus;
            vhost_traffic_status_display_jsonp cb;
        }
        location /j { vhost_traffic_status_display; }
    }
}`)
	tests := []struct {
		target, ctype, prefix string
	}{
		{"/status", "text/html", "<!DOCTYPE html>"},
		{"/status/format/json", "application/json", `{"hostName":`},
		{"/status/FORMAT/JSON", "application/json", `{"hostName":`},
		{"/status/format/jsonp", "application/javascript", `ngx_http_vhost_traffic_status_jsonp_callback({"hostName":`},
		{"/status/format/prometheus", "text/plain", "# HELP nginx_vts_info "},
		{"/status/format/html", "text/html", "<!DOCTYPE html>"},
		{"/status/format/unknown", "text/html", "<!DOCTYPE html>"},
		{"/metrics", "text/plain", "# HELP nginx_vts_info "},
		{"/metrics/format/jsonp", "application/javascript", `cb({"hostName":`},
		{"/j", "application/json", `{"hostName":`},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			r := gatewaytest.Get(t, g, tt.target)
			require.Equal(t, 200, r.Status)
			require.Equal(t, tt.ctype, r.Header.Get("Content-Type"))
			require.True(t, strings.HasPrefix(string(r.Body), tt.prefix), "%.80s", r.Body)
			require.Equal(t, strconv.Itoa(len(r.Body)), r.Header.Get("Content-Length"))
		})
	}
}

func TestHTMLPagePollsTheJSONOfItsURI(t *testing.T) {
	g := load(t, `
http {
    vhost_traffic_status_zone;
    server {
        listen 80;
        location /st { vhost_traffic_status_display; vhost_traffic_status_display_format html; }
    }
}`)
	body := string(gatewaytest.Get(t, g, "/st/x<y").Body)
	require.Contains(t, body, `var statusURI = "/st/x\u003cy" + "/format/json"`)
	body = string(gatewaytest.Get(t, g, "/st/format/html").Body)
	require.Contains(t, body, `var statusURI = "/st" + "/format/json"`)
}

func TestDisplayMethodsAndMissingZone(t *testing.T) {
	g := load(t, `
http {
    vhost_traffic_status_zone;
    server {
        listen 80;
        location /status { vhost_traffic_status_display; }
    }
}`)
	r := gatewaytest.Do(g, gatewaytest.NewRequest("POST", "/status"))
	require.Equal(t, 405, r.Status)
	r = gatewaytest.Do(g, gatewaytest.NewRequest("HEAD", "/status/format/prometheus"))
	require.Equal(t, 200, r.Status)
	require.Equal(t, "text/plain", r.Header.Get("Content-Type"))
	require.Empty(t, r.Body)
	g.Close()

	// no zone anywhere in the process: 501, as OpenNJet
	g = load(t, `
http {
    server {
        listen 80;
        location /status { vhost_traffic_status_display; }
    }
}`)
	require.Equal(t, 501, gatewaytest.Get(t, g, "/status").Status)
}

func TestControlPlaneDisplaysTheDataPlaneZone(t *testing.T) {
	data := load(t, `
http {
    vhost_traffic_status_zone;
    server {
        listen 8080;
        server_name data;
        location / { return 200; }
    }
}`)
	ctrl := load(t, `
http {
    server {
        listen 8081;
        location /metrics {
            vhost_traffic_status_display;
            vhost_traffic_status_display_format html;
        }
    }
}`)
	hit(data, "data", "/")
	doc := status(t, ctrl, "/metrics/format/json")
	require.EqualValues(t, 1, num(t, doc, "serverZones", "data", "requestCounter"))
	// the control plane's own requests are not counted
	doc = status(t, ctrl, "/metrics/format/json")
	require.Equal(t, []string{"data", "*"}, sortedZoneNames(doc))
}

func sortedZoneNames(doc map[string]any) []string {
	var out []string
	for k := range doc["serverZones"].(map[string]any) {
		if k != "*" {
			out = append(out, k)
		}
	}
	return append(out, "*")
}

// promFamily checks the text exposition format strictly: HELP and TYPE
// once per family before its samples, samples of a family together,
// well-formed labels and values.
func parsePrometheus(t *testing.T, text string) map[string]float64 {
	t.Helper()
	sampleRE := regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$`)
	labelRE := regexp.MustCompile(`^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)`)
	types := map[string]string{}
	helped := map[string]bool{}
	closed := map[string]bool{}
	current := ""
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "# HELP ") {
			name := strings.Fields(line)[2]
			require.False(t, helped[name], "second HELP for %s", name)
			helped[name] = true
			continue
		}
		if strings.HasPrefix(line, "# TYPE ") {
			f := strings.Fields(line)
			require.Len(t, f, 4, line)
			require.NotContains(t, types, f[2], "second TYPE for %s", f[2])
			require.Contains(t, []string{"counter", "gauge", "histogram"}, f[3])
			types[f[2]] = f[3]
			continue
		}
		m := sampleRE.FindStringSubmatch(line)
		require.NotNil(t, m, "bad sample line %q", line)
		family := m[1]
		if _, ok := types[family]; !ok {
			for _, suf := range []string{"_bucket", "_sum", "_count"} {
				if b := strings.TrimSuffix(family, suf); b != family && types[b] == "histogram" {
					family = b
				}
			}
		}
		require.Contains(t, types, family, "sample before TYPE: %q", line)
		if family != current {
			require.False(t, closed[family], "samples of %s are not together", family)
			if current != "" {
				closed[current] = true
			}
			current = family
		}
		labels := m[3]
		for labels != "" {
			lm := labelRE.FindStringSubmatch(labels)
			require.NotNil(t, lm, "bad labels in %q", line)
			labels = labels[len(lm[0]):]
		}
		v, err := strconv.ParseFloat(m[4], 64)
		require.NoError(t, err, line)
		out[m[1]+"{"+m[3]+"}"] = v
	}
	return out
}

func TestPrometheusOutputParses(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	defer backend.Close()
	addr := strings.TrimPrefix(backend.URL, "http://")
	g := load(t, fmt.Sprintf(`
http {
    vhost_traffic_status_zone;
    vhost_traffic_status_histogram_buckets 0.1 1;
    vhost_traffic_status_filter_by_set_key $http_x_c "country::$server_name";
    upstream backend { server %s; }
    server {
        listen 80;
        server_name a;
        location / { proxy_pass http://backend; }
        location /r { return 200; }
        location /metrics { vhost_traffic_status off; vhost_traffic_status_display; vhost_traffic_status_display_format prometheus; }
    }
}`, addr))
	for _, c := range []string{"KR", `q"uo\te`, ""} {
		req := gatewaytest.NewRequest("GET", "http://a/r")
		if c != "" {
			req.Header.Set("X-C", c)
		}
		gatewaytest.Do(g, req)
	}
	hit(g, "a", "/")
	r := gatewaytest.Get(t, g, "http://a/metrics")
	require.Equal(t, "text/plain", r.Header.Get("Content-Type"))
	s := parsePrometheus(t, string(r.Body))

	require.Equal(t, 4.0, s[`nginx_vts_main_connections{status="requests"}`])
	require.Equal(t, 4.0, s[`nginx_vts_server_requests_total{host="a",code="2xx"}`])
	require.Equal(t, 4.0, s[`nginx_vts_server_requests_total{host="*",code="2xx"}`])
	require.Equal(t, 1.0, s[`nginx_vts_filter_requests_total{filter="country::a",filter_name="q\"uo\\te",code="2xx"}`])
	require.Equal(t, 4.0, s[`nginx_vts_server_request_duration_seconds_count{host="a"}`])
	require.Equal(t, 4.0, s[`nginx_vts_server_request_duration_seconds_bucket{host="a",le="+Inf"}`])
	require.Contains(t, s, `nginx_vts_server_request_duration_seconds_bucket{host="a",le="0.100"}`)
	require.Equal(t, 1.0, s[`nginx_vts_filter_requests_total{filter="country::a",filter_name="KR",code="2xx"}`])
	require.Equal(t, 1.0, s[`nginx_vts_upstream_requests_total{upstream="backend",backend="`+addr+`",code="2xx"}`])
	require.Contains(t, s, `nginx_vts_upstream_requests_total{upstream="backend",backend="`+addr+`",code="timeout"}`)
	require.Contains(t, s, `nginx_vts_upstream_response_duration_seconds_count{upstream="backend",backend="`+addr+`"}`)
	require.Contains(t, s, `nginx_vts_upstream_hdr{code="p99999reqdelayMsecr"}`)
	require.Contains(t, s, `nginx_vts_server_cache_total{host="a",status="hit"}`)
	require.Contains(t, string(r.Body), "# HELP nginx_vts_main_shm_usage_bytes Shared memory [njt_http_vhost_traffic_status] info\n")
}

func TestControlResetsDeletesAndShows(t *testing.T) {
	g := load(t, `
http {
    vhost_traffic_status_zone;
    vhost_traffic_status_filter_by_set_key $uri uris;
    server {
        listen 80;
        server_name a;
        location / { return 200; }
        location /status { vhost_traffic_status off; vhost_traffic_status_display; }
    }
    server {
        listen 80;
        server_name b;
        location / { return 200; }
    }
}`)
	hit(g, "a", "/1")
	hit(g, "a", "/2")
	hit(g, "b", "/1")

	doc := status(t, g, "http://a/status/control?cmd=status&group=server&zone=a")
	require.EqualValues(t, 2, num(t, doc, "a", "requestCounter"))
	doc = status(t, g, "http://a/status/control?cmd=status&group=server&zone=*")
	require.Equal(t, []string{"serverZones"}, keysOf(doc))
	require.NotContains(t, path(t, doc, "serverZones"), "*")
	doc = status(t, g, "http://a/status/control?cmd=status&group=filter&zone=uris@/1")
	require.EqualValues(t, 2, num(t, doc, "/1", "requestCounter"))
	doc = status(t, g, "http://a/status/control?cmd=status&group=server&zone=::main")
	require.Contains(t, doc, "connections")
	require.NotContains(t, doc, "serverZones")
	r := gatewaytest.Get(t, g, "http://a/status/control?cmd=status&group=server&zone=nosuch")
	require.Equal(t, "{}", string(r.Body))

	r = gatewaytest.Get(t, g, "http://a/status/control?cmd=reset&group=server&zone=a")
	require.Equal(t, `{"processingReturn":true,"processingCommandString":"reset","processingGroupString":"server","processingZoneString":"a","processingCounts":1}`, string(r.Body))
	doc = status(t, g, "http://a/status/format/json")
	require.EqualValues(t, 0, num(t, doc, "serverZones", "a", "requestCounter"))
	require.EqualValues(t, 1, num(t, doc, "serverZones", "b", "requestCounter"))

	r = gatewaytest.Get(t, g, "http://a/status/control?cmd=delete&group=filter&zone=*")
	require.Contains(t, string(r.Body), `"processingCounts":2}`)
	doc = status(t, g, "http://a/status/format/json")
	require.NotContains(t, doc, "filterZones")

	r = gatewaytest.Get(t, g, "http://a/status/control?cmd=delete&group=*")
	require.Contains(t, string(r.Body), `"processingReturn":true`)
	doc = status(t, g, "http://a/status/format/json")
	require.Equal(t, []string{"*"}, keysOf(path(t, doc, "serverZones").(map[string]any)))

	r = gatewaytest.Get(t, g, "http://a/status/control?cmd=bogus&group=*")
	require.Equal(t, `{"processingReturn":false,"processingCommandString":"bogus","processingGroupString":"*","processingZoneString":"","processingCounts":0}`, string(r.Body))
}
