package vts_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/gatewaytest"
	"github.com/gonjet/gonjet/telemetry/vts"
)

const twoServers = `
http {
    vhost_traffic_status_zone;
    server {
        listen 80;
        server_name a.example;
        location / { return 200 "hello"; }
        location /missing { return 404; }
        location /quiet { vhost_traffic_status off; return 200; }
        location /status { vhost_traffic_status_display; }
    }
    server {
        listen 80;
        server_name b.example alias.example;
        location / { return 302 /x; }
    }
    server {
        listen 80 default_server;
        location / { return 500; }
    }
}`

func TestServerZonesCountRequestsByServerName(t *testing.T) {
	g := load(t, twoServers)
	for i := 0; i < 3; i++ {
		require.Equal(t, 200, hit(g, "a.example", "/").Status)
	}
	require.Equal(t, 404, hit(g, "a.example", "/missing").Status)
	require.Equal(t, 302, hit(g, "alias.example", "/").Status)
	require.Equal(t, 500, hit(g, "other", "/").Status)

	doc := status(t, g, "http://a.example/status/format/json")
	a := path(t, doc, "serverZones", "a.example")
	require.EqualValues(t, 4, num(t, a, "requestCounter"))
	require.EqualValues(t, 3, num(t, a, "responses", "2xx"))
	require.EqualValues(t, 1, num(t, a, "responses", "4xx"))
	require.Positive(t, num(t, a, "inBytes"))
	require.Positive(t, num(t, a, "outBytes"))
	// a server is counted under its first name
	require.EqualValues(t, 1, num(t, doc, "serverZones", "b.example", "responses", "3xx"))
	// a server without server_name is "_"
	require.EqualValues(t, 1, num(t, doc, "serverZones", "_", "responses", "5xx"))
	total := path(t, doc, "serverZones", "*")
	require.EqualValues(t, 6, num(t, total, "requestCounter"))
	require.EqualValues(t, num(t, a, "inBytes")+num(t, doc, "serverZones", "b.example", "inBytes")+num(t, doc, "serverZones", "_", "inBytes"), num(t, total, "inBytes"))
	require.NotContains(t, doc, "filterZones")
	require.NotContains(t, doc, "upstreamZones")
}

func TestLocationSwitchedOffIsNotCounted(t *testing.T) {
	g := load(t, twoServers)
	hit(g, "a.example", "/quiet")
	hit(g, "a.example", "/quiet")
	hit(g, "a.example", "/")
	doc := status(t, g, "http://a.example/status/format/json")
	require.EqualValues(t, 1, num(t, doc, "serverZones", "a.example", "requestCounter"))
}

func TestStatusRequestIsCountedAfterItAnswers(t *testing.T) {
	g := load(t, twoServers)
	doc := status(t, g, "http://a.example/status/format/json")
	// the first status request is logged after it rendered the page
	require.NotContains(t, path(t, doc, "serverZones"), "a.example")
	doc = status(t, g, "http://a.example/status/format/json")
	require.EqualValues(t, 1, num(t, doc, "serverZones", "a.example", "requestCounter"))
}

func TestFilterBySetKeyCountsPerGroupAndKey(t *testing.T) {
	g := load(t, `
http {
    vhost_traffic_status_zone;
    vhost_traffic_status_filter_by_set_key $uri uris::$server_name;
    server {
        listen 80;
        server_name a.example;
        vhost_traffic_status_filter_by_set_key $arg_country country::$server_name;
        vhost_traffic_status_filter_by_set_key $arg_country country::$server_name;
        location / { return 200; }
        location /nogroup {
            vhost_traffic_status_filter_by_set_key $arg_k;
            return 204;
        }
        location /status { vhost_traffic_status_display; }
    }
}`)
	hit(g, "", "/one?country=KR")
	hit(g, "", "/one?country=US")
	hit(g, "", "/two?country=KR")
	hit(g, "", "/two")
	hit(g, "", "/nogroup?k=extra")

	doc := status(t, g, "/status/format/json")
	require.EqualValues(t, 2, num(t, doc, "filterZones", "uris::a.example", "/one", "requestCounter"))
	require.EqualValues(t, 2, num(t, doc, "filterZones", "uris::a.example", "/two", "requestCounter"))
	// the duplicate directive counts once
	require.EqualValues(t, 2, num(t, doc, "filterZones", "country::a.example", "KR", "requestCounter"))
	require.EqualValues(t, 1, num(t, doc, "filterZones", "country::a.example", "US", "requestCounter"))
	// a location with keys of its own does not inherit the server's
	require.NotContains(t, path(t, doc, "filterZones", "country::a.example"), "")
	// a key without a group is a server zone, and part of the total
	require.EqualValues(t, 1, num(t, doc, "serverZones", "extra", "responses", "2xx"))
	require.EqualValues(t, 6, num(t, doc, "serverZones", "*", "requestCounter"))
}

func TestFilterByHostCountsEachHost(t *testing.T) {
	g := load(t, `
http {
    vhost_traffic_status_zone;
    server {
        listen 80;
        server_name *.example.org;
        vhost_traffic_status_filter_by_host on;
        location / { return 200; }
        location /status { vhost_traffic_status_display; }
    }
}`)
	hit(g, "a.example.org", "/")
	hit(g, "B.example.org:8080", "/")
	hit(g, "b.example.org", "/")
	doc := status(t, g, "http://a.example.org/status/format/json")
	require.EqualValues(t, 1, num(t, doc, "serverZones", "a.example.org", "requestCounter"))
	require.EqualValues(t, 2, num(t, doc, "serverZones", "b.example.org", "requestCounter"))
	require.NotContains(t, path(t, doc, "serverZones"), "*.example.org")
}

func TestBypassStatsLeavesStatusPageUncounted(t *testing.T) {
	g := load(t, `
http {
    vhost_traffic_status_zone;
    server {
        listen 80;
        location /status {
            vhost_traffic_status_bypass_stats on;
            vhost_traffic_status_display;
        }
    }
}`)
	status(t, g, "/status")
	doc := status(t, g, "/status")
	require.EqualValues(t, 0, num(t, doc, "serverZones", "*", "requestCounter"))
}

func TestHistogramBucketsAreCumulative(t *testing.T) {
	g := load(t, `
http {
    vhost_traffic_status_zone;
    vhost_traffic_status_histogram_buckets 0.005 0.01 1 .5;
    server {
        listen 80;
        location / { return 200; }
        location /status { vhost_traffic_status_display; }
    }
}`)
	hit(g, "", "/")
	hit(g, "", "/")
	doc := status(t, g, "/status")
	b := path(t, doc, "serverZones", "_", "requestBuckets")
	require.Equal(t, []any{5.0, 10.0, 1000.0, 500.0}, path(t, b, "msecs"))
	// fast requests are under every bound
	require.Equal(t, []any{2.0, 2.0, 2.0, 2.0}, path(t, b, "counters"))
}

func TestUpstreamZonesListEveryPeerWithSettings(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			w.WriteHeader(503)
			return
		}
		fmt.Fprint(w, "backend")
	}))
	defer backend.Close()
	addr := strings.TrimPrefix(backend.URL, "http://")

	g := load(t, fmt.Sprintf(`
http {
    vhost_traffic_status_zone;
    upstream backend {
        server %[1]s weight=3 max_fails=2 fail_timeout=20s;
        server 127.0.0.1:1 down;
        server 127.0.0.2:1 backup;
    }
    server {
        listen 80;
        location / { proxy_pass http://backend; }
        location /alone { proxy_pass http://%[1]s; }
        location /status { vhost_traffic_status_display; }
    }
}`, addr))
	require.Equal(t, 200, hit(g, "", "/").Status)
	require.Equal(t, 200, hit(g, "", "/").Status)
	require.Equal(t, 503, hit(g, "", "/fail").Status)
	require.Equal(t, 200, hit(g, "", "/alone").Status)

	doc := status(t, g, "/status/format/json")
	peers := path(t, doc, "upstreamZones", "backend").([]any)
	require.Len(t, peers, 3)
	live := peers[0]
	require.Equal(t, addr, path(t, live, "server"))
	require.EqualValues(t, 3, num(t, live, "requestCounter"))
	require.EqualValues(t, 2, num(t, live, "responses", "2xx"))
	require.EqualValues(t, 1, num(t, live, "responses", "5xx"))
	require.EqualValues(t, 0, num(t, live, "responses", "timeout"))
	require.EqualValues(t, 3, num(t, live, "weight"))
	require.EqualValues(t, 2, num(t, live, "maxFails"))
	require.EqualValues(t, 20, num(t, live, "failTimeout"))
	require.Equal(t, false, path(t, live, "backup"))
	require.Len(t, path(t, live, "responseMsecs", "times"), 3)

	require.Equal(t, "127.0.0.1:1", path(t, peers[1], "server"))
	require.Equal(t, true, path(t, peers[1], "down"))
	require.EqualValues(t, 0, num(t, peers[1], "requestCounter"))
	require.Equal(t, true, path(t, peers[2], "backup"))

	// an upstream without a block is "::nogroups"
	alone := path(t, doc, "upstreamZones", "::nogroups").([]any)
	require.Len(t, alone, 1)
	require.Equal(t, addr, path(t, alone[0], "server"))
	require.EqualValues(t, 1, num(t, alone[0], "requestCounter"))
	require.EqualValues(t, 0, num(t, alone[0], "weight"))

	for _, p := range []string{"p50", "p99", "p999", "p9999", "p99999"} {
		require.Contains(t, path(t, doc, "upstreamZones"), p+"reqdelayMsecr")
	}
}

func TestUpstreamTimeoutsCountEveryTimedOutTry(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer slow.Close()
	fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	defer fast.Close()
	slowAddr, fastAddr := strings.TrimPrefix(slow.URL, "http://"), strings.TrimPrefix(fast.URL, "http://")

	g := load(t, fmt.Sprintf(`
http {
    vhost_traffic_status_zone;
    error_log /dev/null;
    upstream backend {
        server %s;
        server %s backup;
    }
    server {
        listen 80;
        location / { proxy_pass http://backend; proxy_read_timeout 50ms; }
        location /status { vhost_traffic_status_display; }
    }
}`, slowAddr, fastAddr))
	require.Equal(t, 200, hit(g, "", "/").Status)

	doc := status(t, g, "/status/format/json")
	peers := path(t, doc, "upstreamZones", "backend").([]any)
	require.EqualValues(t, 1, num(t, peers[0], "responses", "timeout"))
	require.EqualValues(t, 0, num(t, peers[0], "requestCounter"))
	require.EqualValues(t, 1, num(t, peers[1], "requestCounter"))
	require.EqualValues(t, 1, num(t, peers[1], "responses", "2xx"))
}

func TestConcurrentRequestsAreAllCounted(t *testing.T) {
	g := load(t, twoServers)
	const workers, each = 8, 200
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				hit(g, "a.example", "/")
			}
		}()
	}
	wg.Wait()
	doc := status(t, g, "http://a.example/status/format/json")
	require.EqualValues(t, workers*each, num(t, doc, "serverZones", "a.example", "requestCounter"))
	require.EqualValues(t, workers*each, num(t, doc, "serverZones", "a.example", "responses", "2xx"))
	require.Len(t, path(t, doc, "serverZones", "a.example", "requestMsecs", "msecs"), 64)
}

func TestReloadKeepsCounters(t *testing.T) {
	g := load(t, twoServers)
	hit(g, "a.example", "/")
	hit(g, "a.example", "/")
	reload(t, g, strings.Replace(twoServers, `return 200 "hello"`, `return 200 "changed"`, 1))
	require.Equal(t, "changed", string(hit(g, "a.example", "/").Body))
	doc := status(t, g, "http://a.example/status/format/json")
	require.EqualValues(t, 3, num(t, doc, "serverZones", "a.example", "requestCounter"))
}

func TestZoneIsReleasedWithItsLastConfiguration(t *testing.T) {
	g := load(t, twoServers)
	hit(g, "a.example", "/")
	require.NotNil(t, vts.LookupZone(vts.DefaultZoneName))
	g.Close()
	require.Nil(t, vts.LookupZone(vts.DefaultZoneName))

	g = load(t, twoServers)
	doc := status(t, g, "http://a.example/status/format/json")
	require.NotContains(t, path(t, doc, "serverZones"), "a.example")
}

func TestFullZoneRefusesNewNodes(t *testing.T) {
	g := load(t, `
http {
    vhost_traffic_status_zone shared:small:32k;
    vhost_traffic_status_filter_by_set_key $uri uris;
    server {
        listen 80;
        error_log /dev/null;
        location / { return 200; }
        location /status { vhost_traffic_status off; vhost_traffic_status_display; }
    }
}`)
	for i := 0; i < 200; i++ {
		require.Equal(t, 200, hit(g, "", fmt.Sprintf("/%d", i)).Status)
	}
	doc := status(t, g, "/status")
	require.Equal(t, "small", path(t, doc, "sharedZones", "name"))
	require.EqualValues(t, 32<<10, num(t, doc, "sharedZones", "maxSize"))
	used := num(t, doc, "sharedZones", "usedSize")
	require.LessOrEqual(t, used, int64(32<<10))
	uris := path(t, doc, "filterZones", "uris").(map[string]any)
	require.Less(t, len(uris), 199)
	require.EqualValues(t, len(uris)+1, num(t, doc, "sharedZones", "usedNode"))
}

func TestFilterMaxNodeEvictsLeastRecentlyUsed(t *testing.T) {
	g := load(t, `
http {
    vhost_traffic_status_zone;
    vhost_traffic_status_filter_max_node 3 uris;
    vhost_traffic_status_filter_by_set_key $uri uris;
    vhost_traffic_status_filter_by_set_key $uri other;
    server {
        listen 80;
        location / { return 200; }
        location /status { vhost_traffic_status off; vhost_traffic_status_display; }
    }
}`)
	for i := 0; i < 6; i++ {
		hit(g, "", fmt.Sprintf("/%d", i))
	}
	doc := status(t, g, "/status")
	require.Len(t, path(t, doc, "filterZones", "uris"), 3)
	// groups the prefixes do not name are not limited
	require.Len(t, path(t, doc, "filterZones", "other"), 6)
}

func TestLimitTrafficAnswers503OverTheLimit(t *testing.T) {
	g := load(t, `
http {
    vhost_traffic_status_zone;
    server {
        listen 80;
        server_name a;
        vhost_traffic_status_limit_traffic request:2;
        location / { }
        location /plain { vhost_traffic_status_limit_traffic_by_set_key NO@a 4xx:0 429; }
        location /status {
            vhost_traffic_status_bypass_limit on;
            vhost_traffic_status_display;
        }
    }
}`)
	// a location without content answers 404; the limits are checked
	// before the request is counted
	for i := 0; i < 3; i++ {
		require.Equal(t, 404, hit(g, "a", "/").Status, "request %d", i)
	}
	require.Equal(t, 503, hit(g, "a", "/").Status)
	// the location's own limit replaces the server's
	require.Equal(t, 429, hit(g, "a", "/plain").Status)
	require.Equal(t, 200, hit(g, "a", "/status").Status)
}

func TestSetByFilterReadsCounters(t *testing.T) {
	g := load(t, `
http {
    vhost_traffic_status_zone;
    server {
        listen 80;
        server_name a;
        vhost_traffic_status_set_by_filter $count server/a/requestCounter;
        vhost_traffic_status_set_by_filter $none server/nosuch/requestCounter;
        location / {
            add_header X-Count "$count" always;
            add_header X-None "[$none]" always;
        }
    }
}`)
	r := hit(g, "a", "/")
	require.Equal(t, "", r.Header.Get("X-Count"))
	require.Equal(t, "1", hit(g, "a", "/").Header.Get("X-Count"))
	r = hit(g, "a", "/")
	require.Equal(t, "2", r.Header.Get("X-Count"))
	require.Equal(t, "[]", r.Header.Get("X-None"))
}

func TestDumpSavesAndRestoresCounters(t *testing.T) {
	dir := t.TempDir()
	src := fmt.Sprintf(`
http {
    vhost_traffic_status_zone;
    vhost_traffic_status_dump %s/vts.db;
    server {
        listen 80;
        server_name a;
        location / { return 200; }
        location /status { vhost_traffic_status off; vhost_traffic_status_display; }
    }
}`, dir)
	g := load(t, src)
	hit(g, "a", "/")
	hit(g, "a", "/")
	g.Close() // the last configuration saves the zone
	require.Nil(t, vts.LookupZone(vts.DefaultZoneName))

	g = load(t, src)
	doc := status(t, g, "http://a/status")
	require.EqualValues(t, 2, num(t, doc, "serverZones", "a", "requestCounter"))
}

func TestGoCollectorWithoutConfigFile(t *testing.T) {
	z := vts.OpenZone("go-api", 1<<20)
	defer z.Close()
	col := vts.NewCollector(z, vts.CollectorOptions{ServerName: "api.example"})
	defer col.Close()
	g := gatewaytest.Chain(t, gateway.PhaseLog, col)
	hit(g, "", "/")
	hit(g, "", "/")
	rep := z.Report(vts.ReportOptions{Average: vts.DefaultAverage})
	require.EqualValues(t, 2, rep.Server("api.example").RequestCounter)
	require.EqualValues(t, 2, rep.Server("*").Responses[1])
	require.Equal(t, "go-api", rep.SharedZone.Name)
}
