package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	_ "github.com/gonjet/gonjet/gateway/all"
	"github.com/gonjet/gonjet/gateway/conf"
)

func TestGatewayConfProxiesWithTheSameUpstreamKeepalive(t *testing.T) {
	for _, key := range []string{"a", "b", "c", "d", "e", "g"} {
		t.Run(key, func(t *testing.T) {
			text := gatewayConf(find(key), 8081, 9090)
			for _, want := range []string{
				"server 127.0.0.1:9090;",
				"keepalive 64;",
				"proxy_pass http://backend;",
				"proxy_http_version 1.1;",
				`proxy_set_header Connection "";`,
				"listen 127.0.0.1:8081 ",
				"worker_processes 1;",
				"daemon off;",
			} {
				require.Contains(t, text, want)
			}
		})
	}
}

func TestGatewayConfListens(t *testing.T) {
	tests := []struct {
		key, listen string
	}{
		{"a", "listen 127.0.0.1:8081 backlog=4096;"},
		{"e", "listen 127.0.0.1:8081 backlog=4096 http2;"},
		{"f", "listen 127.0.0.1:8081 backlog=4096;"},
		{"g", "listen 127.0.0.1:8081 backlog=4096;"},
	}
	for _, tt := range tests {
		require.Contains(t, gatewayConf(find(tt.key), 8081, 9090), tt.listen, tt.key)
	}
}

func TestGatewayConfLogsAccessOnlyInTheRealisticScenario(t *testing.T) {
	httpLevelOff := regexp.MustCompile(`(?m)^    access_log off;$`)
	for _, sc := range scenarios {
		text := gatewayConf(sc, 8081, 9090)
		if sc.key == "g" {
			require.False(t, httpLevelOff.MatchString(text))
			require.Contains(t, text, "access_log logs/access.log bench;")
			continue
		}
		require.True(t, httpLevelOff.MatchString(text), sc.key)
		require.NotContains(t, text, "logs/access.log", sc.key)
	}
}

func TestStaticScenarioServesFilesWithoutTheBackendInTheWay(t *testing.T) {
	text := gatewayConf(find("f"), 8081, 9090)
	require.Contains(t, text, "root html;")
	require.NotContains(t, text, "proxy_pass")
}

func TestRealisticConfHasTwentyLocationsRegexesMapAndAddHeader(t *testing.T) {
	text := gatewayConf(find("g"), 8081, 9090)
	locations := regexp.MustCompile(`(?m)^\s*location `).FindAllString(text, -1)
	require.Len(t, locations, 20)
	regexes := regexp.MustCompile(`(?m)^\s*location ~\*? `).FindAllString(text, -1)
	require.GreaterOrEqual(t, len(regexes), 5)
	require.Contains(t, text, "map $http_user_agent $client_class {")
	require.Contains(t, text, "add_header X-User $1;")
	require.Contains(t, text, "log_format bench ")
}

func TestRealisticRequestMatchesARegexLocation(t *testing.T) {
	// The measured path has to reach the regex with the capture that
	// add_header X-User uses, past the earlier regexes.
	re := regexp.MustCompile(`^/api/v2/users/([0-9]+)/profile$`)
	require.Equal(t, []string{realisticPath, "12345"}, re.FindStringSubmatch(realisticPath))
	require.Equal(t, "12345", find("g").wantHeader["X-User"])
}

// writePrefix lays out a prefix directory as the harness does.
func writePrefix(t *testing.T, text string) string {
	dir := t.TempDir()
	for _, d := range []string{"html", "logs", "tmp"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bench.conf"), []byte(text), 0o644))
	return dir
}

// configs are every configuration a run writes.
func configs() map[string]string {
	out := map[string]string{"backend": backendConf(9090)}
	for _, sc := range scenarios {
		out[sc.key] = gatewayConf(sc, 8081, 9090)
	}
	return out
}

func TestConfigsAreAcceptedByGoNJet(t *testing.T) {
	for name, text := range configs() {
		t.Run(name, func(t *testing.T) {
			dir := writePrefix(t, text)
			res, err := conf.LoadString(text, conf.Options{Prefix: dir})
			require.NoError(t, err)
			defer func() {
				for _, f := range res.Config.Closers {
					f()
				}
			}()
			require.NoError(t, res.Config.Prepare())
		})
	}
}

func TestConfigsAreAcceptedByNginx(t *testing.T) {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		bin = "/usr/sbin/nginx"
		if _, err := os.Stat(bin); err != nil {
			if os.Getenv("GONJET_REQUIRE_EXTERNAL") == "1" {
				t.Fatal("nginx is required (Debian package nginx)")
			}
			t.Skip("nginx not installed (Debian package nginx)")
		}
	}
	for name, text := range configs() {
		t.Run(name, func(t *testing.T) {
			dir := writePrefix(t, text)
			out, err := exec.Command(bin, "-t", "-q", "-e", "stderr", "-p", dir+"/", "-c", "bench.conf").CombinedOutput()
			require.NoError(t, err, string(out))
			require.NotContains(t, string(out), "[emerg]")
		})
	}
}

// wrkOutput is what "wrk -t1 -c8 -d1s --latency" printed against a
// net/http server.
const wrkOutput = `Running 1s test @ http://127.0.0.1:19999/
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   341.32us  767.00us   9.19ms   93.07%
    Req/Sec    41.95k     6.35k   54.15k    72.73%
  Latency Distribution
     50%  141.00us
     75%  185.00us
     90%  580.00us
     99%    4.03ms
  45899 requests in 1.10s, 49.99MB read
Requests/sec:  41726.89
Transfer/sec:     45.44MB
`

// wrkFailing is wrk's report of a run with errors and bad statuses.
const wrkFailing = `Running 5s test @ http://127.0.0.1:8081/1k
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.20s   300.00ms   1.99s    70.00%
    Req/Sec    10.00     5.00    20.00     80.00%
  Latency Distribution
     50%    1.05s 
     75%    1.50s 
     90%    1.80s 
     99%    1.99s 
  52 requests in 5.01s, 10.00KB read
  Socket errors: connect 1, read 2, write 3, timeout 4
  Non-2xx or 3xx responses: 7
Requests/sec:     10.38
Transfer/sec:      2.00KB
`

func TestParseWrk(t *testing.T) {
	tests := []struct {
		name string
		out  string
		want loadResult
	}{
		{"microseconds and milliseconds", wrkOutput, loadResult{
			requests: 45899, reqPerSec: 41726.89, p50: 141 * time.Microsecond, p99: 4030 * time.Microsecond,
		}},
		{"errors and non-2xx counted", wrkFailing, loadResult{
			requests: 52, reqPerSec: 10.38, p50: 1050 * time.Millisecond, p99: 1990 * time.Millisecond,
			non2xx: 7, socketErrors: 10,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseWrk(tt.out)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestParseWrkRejectsIncompleteOutput(t *testing.T) {
	tests := []struct {
		name, out, wantErr string
	}{
		{"no latency distribution", strings.Replace(wrkOutput, "  Latency Distribution\n     50%  141.00us\n", "", 1), "--latency"},
		{"no rate", strings.Replace(wrkOutput, "Requests/sec:  41726.89\n", "", 1), "Requests/sec"},
		{"connection refused", "unable to connect to 127.0.0.1:19998 Connection refused\n", "Requests/sec"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseWrk(tt.out)
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}

const h2loadOutput = `starting benchmark...
spawning thread #0: 64 total client(s). Timing-based test with 1s of warm-up time and 5s of main duration for measurements.
Application protocol: h2c

finished in 6.00s, 16461.50 req/s, 19.12MB/s
requests: 82308 total, 82950 started, 82308 done, 82296 succeeded, 15 failed, 3 errored, 2 timeout
status codes: 82296 2xx, 3 3xx, 4 4xx, 5 5xx
traffic: 95.60MB (100244368) total, 1.10MB (1152312) headers (space savings 91.00%), 80.38MB (84283392) data
`

func TestParseH2load(t *testing.T) {
	got, err := parseH2load(h2loadOutput)
	require.NoError(t, err)
	require.Equal(t, loadResult{requests: 82308, reqPerSec: 16461.5, non2xx: 12, socketErrors: 3}, got)
}

func TestParseH2loadRejectsARunWithoutRequests(t *testing.T) {
	// What h2load says of a server that only speaks HTTP/1.
	out := "finished in 2.00s, 0.00 req/s, 0B/s\nrequests: 0 total, 0 started, 0 done, 0 succeeded, 0 failed, 0 errored, 0 timeout\n"
	_, err := parseH2load(out)
	require.ErrorContains(t, err, "no request completed")
}

func TestParseH2logTakesPercentilesOfAnsweredStreams(t *testing.T) {
	var b strings.Builder
	for i := 1; i <= 100; i++ {
		b.WriteString("1732470000000000\t200\t" + strconv.Itoa(i*10) + "\n")
	}
	b.WriteString("1732470000000000\t-1\t999999\n") // a failed stream
	p50, p99, err := parseH2log(strings.NewReader(b.String()))
	require.NoError(t, err)
	require.Equal(t, 500*time.Microsecond, p50)
	require.Equal(t, 990*time.Microsecond, p99)
}

func TestSelectScenarios(t *testing.T) {
	tests := []struct {
		spec, want string
	}{
		{"all", "a b c d e f g"},
		{"", "a b c d e f g"},
		{"g,a", "a g"},
		{" D , e ", "d e"},
	}
	for _, tt := range tests {
		sel, err := selectScenarios(tt.spec)
		require.NoError(t, err, tt.spec)
		var keys []string
		for _, sc := range sel {
			keys = append(keys, sc.key)
		}
		require.Equal(t, tt.want, strings.Join(keys, " "), tt.spec)
	}
	_, err := selectScenarios("a,h")
	require.ErrorContains(t, err, `unknown scenario "h"`)
}

func TestPostScenarioMakesWrkSendTheBody(t *testing.T) {
	require.Empty(t, find("a").wrkScript())
	script := find("c").wrkScript()
	require.Contains(t, script, `wrk.method = "POST"`)
	require.Contains(t, script, `string.rep("x", 1024)`)
}

func TestWrkSecondsRoundsUpToWholeSeconds(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{5 * time.Second, "5s"},
		{1500 * time.Millisecond, "2s"},
		{100 * time.Millisecond, "1s"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, wrkSeconds(tt.d))
	}
}

func TestMedian(t *testing.T) {
	require.Equal(t, 2.0, median([]float64{3, 1, 2}))
	require.Equal(t, 2.5, median([]float64{4, 1, 3, 2}))
	require.Equal(t, 0.0, median(nil))
}

func TestFormats(t *testing.T) {
	require.Equal(t, "1,234,567", fmtRate(1234567.4))
	require.Equal(t, "999", fmtRate(999))
	require.Equal(t, "1.25 ms", fmtMs(float64(1250*time.Microsecond)))
	require.Equal(t, "118 ms", fmtMs(float64(118*time.Millisecond)))
	require.Equal(t, "11.5 MiB", fmtKiB(11776))
}

func TestCheckReportsWhatIsWrongWithAnAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-User", "1")
		w.Write([]byte("short"))
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")

	require.NoError(t, check(&scenario{path: "/x", wantLen: 5, wantHeader: map[string]string{"X-User": "1"}}, addr))
	err := check(find("g"), addr)
	require.ErrorContains(t, err, "body of 5 bytes, want 1024")
	require.ErrorContains(t, err, `X-Client-Class: "", want "desktop"`)
}

func TestIdleConnectionsStayOpen(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")

	ic, err := openIdle(context.Background(), addr, "/", 100)
	require.NoError(t, err)
	defer ic.close()
	require.Equal(t, 100, ic.alive(context.Background(), "/"))
}

func TestFlagDefaultsAreTheDocumentedOnes(t *testing.T) {
	o, err := parseFlags(nil)
	require.NoError(t, err)
	require.Equal(t, 3, o.rounds)
	require.Equal(t, 10*time.Second, o.duration)
	require.Equal(t, "all", o.scenarios)
	require.Equal(t, 64, o.conns)
	require.Equal(t, 10000, o.idle)
}

func TestFlagsRejectNonsense(t *testing.T) {
	for _, args := range [][]string{{"-rounds", "0"}, {"-duration", "-1s"}, {"extra"}, {"-gw-cpu", "4096"}} {
		_, err := parseFlags(args)
		require.Error(t, err, args)
	}
}

func TestPairsCompareTheRoundsOfAPair(t *testing.T) {
	ms := time.Millisecond
	run := func(rate float64, p99 time.Duration) *sample {
		return &sample{loadResult: loadResult{reqPerSec: rate, p99: p99}}
	}
	r := &result{sc: &scenario{key: "a"}, samples: map[string][]*sample{
		// the machine slows down over the run: round by round GoNJet is
		// at 0.9 of nginx, where the medians would say 45/50
		"nginx":  {run(60, 2*ms), run(50, 2*ms), {failed: true}, run(30, 4*ms)},
		"GoNJet": {run(54, 3*ms), run(45, 2*ms), run(40, ms), run(27, 4*ms)},
	}}
	var b strings.Builder
	printPairs(&b, []*result{r})
	require.Contains(t, b.String(), "| a | 0.90 / 0.90 / 0.90 | 0.90 | 1.50 / 1.00 / 1.00 | 1.00 |")
}
