package gzip_test

import (
	"bytes"
	stdgzip "compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
	"github.com/gonjet/gonjet/gateway/filter/gzip"
	_ "github.com/gonjet/gonjet/gateway/filter/headers"
	_ "github.com/gonjet/gonjet/gateway/filter/rewrite"
	"github.com/gonjet/gonjet/gateway/gatewaytest"
	_ "github.com/gonjet/gonjet/gateway/static"
)

// text is a body long enough to be compressed by default.
var text = strings.Repeat("X", 64)

// load builds a gateway with one server whose directives are server,
// serving files from a temporary root holding files (name -> content).
func load(t testing.TB, http, server string, files map[string]string) *gateway.Gateway {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		require.NoError(t, os.WriteFile(filepath.Join(root, name), []byte(body), 0o644))
	}
	src := "events {}\nhttp {\n" + http + "\n server {\n listen 80;\n server_name localhost;\n root " + root + ";\n" + server + "\n }\n}\n"
	return gatewaytest.Load(t, src)
}

// get sends a GET (or method) for uri with the header fields in kv
// (name, value, name, value...).
func do(g *gateway.Gateway, method, uri string, kv ...string) *gatewaytest.Response {
	req := gatewaytest.NewRequest(method, uri)
	for i := 0; i+1 < len(kv); i += 2 {
		req.Header.Add(kv[i], kv[i+1])
	}
	return gatewaytest.Do(g, req, "gzip_ratio")
}

func gunzip(t *testing.T, body []byte) string {
	t.Helper()
	zr, err := stdgzip.NewReader(bytes.NewReader(body))
	require.NoError(t, err)
	out, err := io.ReadAll(zr)
	require.NoError(t, err)
	return string(out)
}

func requireGzipped(t *testing.T, r *gatewaytest.Response, want string) {
	t.Helper()
	require.Equal(t, "gzip", r.Header.Get("Content-Encoding"))
	require.False(t, r.Header.Has("Content-Length"), "a compressed answer has no Content-Length")
	require.Equal(t, want, gunzip(t, r.Body))
}

func requirePlain(t *testing.T, r *gatewaytest.Response, want string) {
	t.Helper()
	require.False(t, r.Header.Has("Content-Encoding"))
	require.Equal(t, want, string(r.Body))
}

func TestReturnBodyIsCompressedWhenClientAcceptsGzip(t *testing.T) {
	g := load(t, "", `gzip on; default_type text/html; location / { return 200 "`+text+`"; }`, nil)

	r := do(g, "GET", "/", "Accept-Encoding", "gzip")
	require.Equal(t, 200, r.Status)
	requireGzipped(t, r, text)
	// nginx's gzip header: no name, no time, OS unix
	require.Equal(t, []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0}, r.Body[:8])
	require.Equal(t, byte(3), r.Body[9])
	want := float64(len(text)) / float64(len(r.Body))
	require.Equal(t, strconv.FormatFloat(want, 'f', 2, 64), r.Vars["gzip_ratio"])

	r = do(g, "GET", "/")
	requirePlain(t, r, text)
	require.Equal(t, "64", r.Header.Get("Content-Length"))
	_, found := r.Vars["gzip_ratio"]
	require.False(t, found, "$gzip_ratio is not found for an answer sent as it is")
}

func TestAcceptEncodingVariants(t *testing.T) {
	g := load(t, "", `gzip on; default_type text/html; location / { return 200 "`+text+`"; }`, nil)
	for _, tc := range []struct {
		ae   []string
		gzip bool
	}{
		{[]string{"gzip, deflate, br"}, true},
		{[]string{"br, gzip"}, true},
		{[]string{"GZip"}, true},
		{[]string{"gzip;q=0.5"}, true},
		{[]string{"gzip;q=0"}, false},
		{[]string{"br, gzip; q=0.000"}, false},
		{[]string{"x-gzip"}, false},
		{[]string{"deflate"}, false},
		// only the first field counts, as in nginx
		{[]string{"deflate", "gzip"}, false},
	} {
		var kv []string
		for _, v := range tc.ae {
			kv = append(kv, "Accept-Encoding", v)
		}
		r := do(g, "GET", "/", kv...)
		if tc.gzip {
			requireGzipped(t, r, text)
		} else {
			requirePlain(t, r, text)
		}
	}
}

func TestMinLengthComparesKnownContentLength(t *testing.T) {
	g := load(t, "", `gzip on; default_type text/html;
		location /19 { return 200 "0123456789012345678"; }
		location /20 { return 200 "01234567890123456789"; }
		location /zero { gzip_min_length 0; return 200 "a"; }
		location /big { gzip_min_length 1k; return 200 "`+text+`"; }
	`, nil)
	for _, tc := range []struct {
		uri  string
		gzip bool
	}{
		{"/19", false},
		{"/20", true},
		{"/zero", true},
		{"/big", false},
	} {
		r := do(g, "GET", tc.uri, "Accept-Encoding", "gzip")
		require.Equal(t, tc.gzip, r.Header.Get("Content-Encoding") == "gzip", tc.uri)
	}
}

func TestTypesAlwaysIncludeTextHTMLAndStarTakesAny(t *testing.T) {
	g := load(t, "", `gzip on;
		location /plain { default_type text/plain; return 200 "`+text+`"; }
		location /listed { gzip_types text/plain application/json; default_type text/plain; return 200 "`+text+`"; }
		location /html { gzip_types application/json; default_type text/html; return 200 "`+text+`"; }
		location /charset { gzip_types application/json; default_type "Application/JSON; charset=utf-8"; return 200 "`+text+`"; }
		location /any { gzip_types *; default_type application/octet-stream; return 200 "`+text+`"; }
	`, nil)
	for _, tc := range []struct {
		uri  string
		gzip bool
	}{
		{"/plain", false},
		{"/listed", true},
		{"/html", true},
		{"/charset", true},
		{"/any", true},
	} {
		r := do(g, "GET", tc.uri, "Accept-Encoding", "gzip")
		require.Equal(t, tc.gzip, r.Header.Get("Content-Encoding") == "gzip", tc.uri)
	}
}

func TestOnlyStatus200403And404AreCompressed(t *testing.T) {
	g := load(t, "", `gzip on; default_type text/html;
		location /200 { return 200 "`+text+`"; }
		location /403 { return 403 "`+text+`"; }
		location /404 { return 404 "`+text+`"; }
		location /201 { return 201 "`+text+`"; }
		location /500 { return 500 "`+text+`"; }
		location /std { return 404; }
	`, nil)
	for _, tc := range []struct {
		uri  string
		gzip bool
	}{
		{"/200", true}, {"/403", true}, {"/404", true},
		{"/201", false}, {"/500", false},
		// the standard error page is text/html and long enough
		{"/std", true},
	} {
		r := do(g, "GET", tc.uri, "Accept-Encoding", "gzip")
		require.Equal(t, tc.gzip, r.Header.Get("Content-Encoding") == "gzip", tc.uri)
		if tc.gzip {
			require.NotEmpty(t, gunzip(t, r.Body))
		}
	}
}

func TestStaticFileIsCompressedWithWeakETagAndNoRanges(t *testing.T) {
	big := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 5000)
	g := load(t, "", `gzip on; location / { }`, map[string]string{"index.html": text, "big.html": big, "a.txt": text})

	plain := do(g, "GET", "/index.html")
	etag := plain.Header.Get("ETag")
	require.True(t, strings.HasPrefix(etag, `"`), etag)
	require.Equal(t, "bytes", plain.Header.Get("Accept-Ranges"))

	r := do(g, "GET", "/index.html", "Accept-Encoding", "gzip")
	requireGzipped(t, r, text)
	require.Equal(t, "W/"+etag, r.Header.Get("ETag"))
	require.False(t, r.Header.Has("Accept-Ranges"))
	require.True(t, r.Header.Has("Last-Modified"))

	r = do(g, "GET", "/big.html", "Accept-Encoding", "gzip")
	requireGzipped(t, r, big)
	require.Less(t, len(r.Body), len(big)/10)

	requirePlain(t, do(g, "GET", "/a.txt", "Accept-Encoding", "gzip"), text)

	// a missing file's 404 page is compressed too
	r = do(g, "GET", "/nx.html", "Accept-Encoding", "gzip")
	require.Equal(t, 404, r.Status)
	require.Contains(t, gunzip(t, r.Body), "404 Not Found")
}

func TestHeadGetsTheGzipHeaderWithoutBody(t *testing.T) {
	g := load(t, "", `location / { gzip on; }`, map[string]string{"index.html": text})
	r := do(g, "HEAD", "/", "Accept-Encoding", "gzip")
	require.Equal(t, 200, r.Status)
	require.Equal(t, "gzip", r.Header.Get("Content-Encoding"))
	require.False(t, r.Header.Has("Content-Length"))
	require.Empty(t, r.Body)

	r = do(g, "HEAD", "/")
	require.False(t, r.Header.Has("Content-Encoding"))
}

func TestVaryIsAddedToEveryAnswerThatCouldBeCompressed(t *testing.T) {
	g := load(t, "", `gzip on; gzip_vary on; default_type text/html;
		location / { add_header X-Extra 1; return 200 "`+text+`"; }
		location /txt { default_type text/plain; return 200 "`+text+`"; }
		location /novary { gzip_vary off; return 200 "`+text+`"; }
	`, nil)
	for _, tc := range []struct {
		uri  string
		ae   string
		vary bool
	}{
		{"/", "gzip", true},
		{"/", "", true},
		{"/txt", "gzip", false},
		{"/novary", "gzip", false},
	} {
		var kv []string
		if tc.ae != "" {
			kv = []string{"Accept-Encoding", tc.ae}
		}
		r := do(g, "GET", tc.uri, kv...)
		require.Equal(t, tc.vary, r.Header.Get("Vary") == "Accept-Encoding", "%s %s", tc.uri, tc.ae)
	}
	// nginx writes Vary before the fields handlers and filters added
	r := do(g, "GET", "/", "Accept-Encoding", "gzip")
	var names []string
	for _, f := range r.Header.Fields() {
		names = append(names, f.Name)
	}
	require.Equal(t, []string{"Server", "Date", "Content-Type", "Vary", "X-Extra", "Content-Encoding"}, names)
}

func TestProxiedRequestsFollowGzipProxied(t *testing.T) {
	g := load(t, "", `gzip on; default_type text/html;
		location /default { return 200 "`+text+`"; }
		location /any { gzip_proxied any; return 200 "`+text+`"; }
		location /off { gzip_proxied off any; return 200 "`+text+`"; }
		location /expired-past { gzip_proxied expired; expires -1h; return 200 "`+text+`"; }
		location /expired-future { gzip_proxied expired; expires 1h; return 200 "`+text+`"; }
		location /expires-unwanted { gzip_proxied no-cache; expires -1h; return 200 "`+text+`"; }
		location /no-cache { gzip_proxied no-cache; add_header Cache-Control "max-age=0, no-cache"; return 200 "`+text+`"; }
		location /private { gzip_proxied no-cache private; add_header Cache-Control private; return 200 "`+text+`"; }
		location /cc-unwanted { gzip_proxied no-store; add_header Cache-Control private; return 200 "`+text+`"; }
		location /auth { gzip_proxied auth; add_header Cache-Control private; return 200 "`+text+`"; }
		location /plain { gzip_proxied no_etag; return 200 "`+text+`"; }
		location /no-etag { gzip_proxied no_etag; add_header ETag '"x"'; return 200 "`+text+`"; }
		location /no-lm { gzip_proxied no_last_modified; add_header Last-Modified "Mon, 28 Sep 1970 06:00:00 GMT"; return 200 "`+text+`"; }
	`, nil)
	for _, tc := range []struct {
		uri  string
		auth bool
		gzip bool
	}{
		{"/default", false, false},
		{"/any", false, true},
		{"/off", false, false},
		{"/expired-past", false, true},
		{"/expired-future", false, false},
		{"/expires-unwanted", false, false},
		{"/no-cache", false, true},
		{"/private", false, true},
		{"/cc-unwanted", false, false},
		{"/auth", false, false},
		{"/auth", true, true},
		{"/plain", false, true},
		{"/no-etag", false, false},
		{"/no-lm", false, false},
	} {
		kv := []string{"Accept-Encoding", "gzip", "Via", "1.1 proxy"}
		if tc.auth {
			kv = append(kv, "Authorization", "Basic dTpw")
		}
		r := do(g, "GET", tc.uri, kv...)
		require.Equal(t, 200, r.Status, tc.uri)
		require.Equal(t, tc.gzip, r.Header.Get("Content-Encoding") == "gzip", "%s auth=%v", tc.uri, tc.auth)
		// without Via, every one of them is compressed
		r = do(g, "GET", tc.uri, "Accept-Encoding", "gzip")
		require.Equal(t, "gzip", r.Header.Get("Content-Encoding"), tc.uri)
	}
}

func TestHTTPVersionAndDisable(t *testing.T) {
	g := load(t, "", `gzip on; default_type text/html;
		location / { return 200 "`+text+`"; }
		location /10 { gzip_http_version 1.0; return 200 "`+text+`"; }
		location /msie { gzip_disable msie6; return 200 "`+text+`"; }
		location /re { gzip_disable "^curl/" "wget"; return 200 "`+text+`"; }
	`, nil)
	for _, tc := range []struct {
		uri   string
		proto int // minor version of HTTP/1.x
		ua    string
		gzip  bool
	}{
		{"/", 1, "", true},
		{"/", 0, "", false},
		{"/10", 0, "", true},
		{"/msie", 1, "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)", false},
		{"/msie", 1, "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)", true},
		{"/re", 1, "CURL/8.1", false},
		{"/re", 1, "Wget/1.21", false},
		{"/re", 1, "Mozilla/5.0", true},
		// gzip_disable msie6 is not set at /re
		{"/re", 1, "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)", true},
	} {
		req := gatewaytest.NewRequest("GET", tc.uri)
		req.ProtoMinor = tc.proto
		req.Proto = "HTTP/1." + strconv.Itoa(tc.proto)
		req.KeepAlive = tc.proto == 1
		req.Header.Add("Accept-Encoding", "gzip")
		if tc.ua != "" {
			req.Header.Add("User-Agent", tc.ua)
		}
		r := gatewaytest.Do(g, req)
		require.Equal(t, tc.gzip, r.Header.Get("Content-Encoding") == "gzip", "%s 1.%d %q", tc.uri, tc.proto, tc.ua)
	}
}

func TestExistingContentEncodingIsKept(t *testing.T) {
	g := load(t, "", `gzip on; default_type text/html;
		location / { add_header Content-Encoding br; return 200 "`+text+`"; }
	`, nil)
	r := do(g, "GET", "/", "Accept-Encoding", "gzip")
	require.Equal(t, []string{"br"}, r.Header.Values("Content-Encoding"))
	require.Equal(t, text, string(r.Body))
}

func TestSettingsAreInheritedAndOverridden(t *testing.T) {
	g := load(t, `gzip on; gzip_types text/plain; gzip_comp_level 9;`, `default_type text/plain;
		location / { return 200 "`+text+`"; }
		location /off { gzip off; return 200 "`+text+`"; }
		location /fast { gzip_comp_level 1; return 200 "`+text+`"; }
		location /if { gzip off; if ($arg_z) { gzip on; } return 200 "`+text+`"; }
	`, nil)
	r := do(g, "GET", "/", "Accept-Encoding", "gzip")
	requireGzipped(t, r, text)
	require.Equal(t, byte(2), r.Body[8], "level 9 marks the header as maximum compression")
	r = do(g, "GET", "/fast", "Accept-Encoding", "gzip")
	requireGzipped(t, r, text)
	require.Equal(t, byte(4), r.Body[8], "level 1 marks the header as fastest")
	requirePlain(t, do(g, "GET", "/off", "Accept-Encoding", "gzip"), text)
	requirePlain(t, do(g, "GET", "/if", "Accept-Encoding", "gzip"), text)
	requireGzipped(t, do(g, "GET", "/if?z=1", "Accept-Encoding", "gzip"), text)
}

func TestNegotiationOfLocationIsRecordedEvenWithGzipOff(t *testing.T) {
	src := "events {}\nhttp {\n gzip_vary on; gzip_proxied any; gzip_http_version 1.0;\n server {\n listen 80;\n location / { gzip_disable msie6 x; }\n }\n}\n"
	res, err := conf.LoadString(src, conf.Options{Prefix: t.TempDir()})
	require.NoError(t, err)
	loc := res.Config.Servers[0].Root.Children[0]
	n := gzip.NegotiationOf(loc)
	require.True(t, n.Vary)
	require.Equal(t, gzip.ProxiedAny, n.Proxied)
	require.Equal(t, gzip.HTTP10, n.MinHTTPVersion)
	require.True(t, n.DisableMSIE6)
	require.Len(t, n.Disable, 1)
	require.Empty(t, loc.HeaderFilters, "gzip off installs no filter")
	require.Equal(t, &gzip.Negotiation{}, gzip.NegotiationOf(gateway.NewLocation(gateway.MatchPrefix, "/")))
}

func TestDirectiveErrorsAreNginxs(t *testing.T) {
	for _, tc := range []struct {
		conf, err string
	}{
		{"gzip maybe;", `invalid value "maybe" in "gzip" directive, it must be "on" or "off" in line 2`},
		{"gzip on; gzip on;", `"gzip" directive is duplicate in line 2`},
		{"gzip_comp_level 10;", `value must be between 1 and 9 in line 2`},
		{"gzip_comp_level x;", `"gzip_comp_level" directive invalid number in line 2`},
		{"gzip_comp_level 1; gzip_comp_level 2;", `"gzip_comp_level" directive is duplicate in line 2`},
		{"gzip_min_length x;", `"gzip_min_length" directive invalid value in line 2`},
		{"gzip_buffers 0 4k;", `"gzip_buffers" directive invalid value in line 2`},
		{"gzip_buffers 4 x;", `"gzip_buffers" directive invalid value in line 2`},
		{"gzip_buffers 4 4k; gzip_buffers 4 4k;", `"gzip_buffers" directive is duplicate in line 2`},
		{"gzip_http_version 2.0;", `invalid value "2.0" in line 2`},
		{"gzip_http_version 1.0; gzip_http_version 1.0;", `"gzip_http_version" directive is duplicate in line 2`},
		{"gzip_proxied foo;", `invalid value "foo" in line 2`},
		{"gzip_vary on; gzip_vary off;", `"gzip_vary" directive is duplicate in line 2`},
		{`gzip_disable "(a";`, `pcre2_compile() failed: missing closing parenthesis in "(a" in line 2`},
		{`gzip_disable "a)";`, `pcre2_compile() failed: unmatched closing parenthesis in "a)" at ")" in line 2`},
		{"gzip_window 3k;", `"gzip_window" directive must be 512, 1k, 2k, 4k, 8k, 16k, or 32k in line 2`},
		{"gzip_hash 1m;", `"gzip_hash" directive must be 512, 1k, 2k, 4k, 8k, 16k, 32k, 64k, or 128k in line 2`},
		{"gzip_types;", `invalid number of arguments in "gzip_types" directive in line 2`},
		{"server { location / { if ($uri) { gzip_vary on; } } }", `"gzip_vary" directive is not allowed here in line 2`},
	} {
		_, err := conf.LoadString("events {}\nhttp { "+tc.conf+" }\n", conf.Options{Prefix: t.TempDir()})
		require.EqualError(t, err, tc.err, tc.conf)
	}
}

func TestDirectiveWarningsAreNginxs(t *testing.T) {
	res, err := conf.LoadString("events {}\nhttp {\ngzip_types text/html text/plain text/PLAIN;\ngzip_proxied any any;\ngzip_window 32k; gzip_hash 8k; postpone_gzipping 0; gzip_no_buffer on;\n}\n", conf.Options{Prefix: t.TempDir()})
	require.NoError(t, err)
	require.Equal(t, []string{
		`duplicate MIME type "text/html" in line 3`,
		`duplicate MIME type "text/plain" in line 3`,
		`duplicate value "any" in line 4`,
	}, res.Builder.Warnings)
}

func TestGzipFilterRunsAfterOtherHeaderFilters(t *testing.T) {
	src := "events {}\nhttp {\n server {\n listen 80;\n location / { gzip on; expires 1h; add_header X-A 1; } }\n}\n"
	res, err := conf.LoadString(src, conf.Options{Prefix: t.TempDir()})
	require.NoError(t, err)
	loc := res.Config.Servers[0].Root.Children[0]
	require.Len(t, loc.HeaderFilters, 2)
	_, last := loc.HeaderFilters[1].(*gzip.Filter)
	require.True(t, last)
	_, last = loc.BodyFilters[len(loc.BodyFilters)-1].(*gzip.Filter)
	require.True(t, last)
}

func TestGoConfiguredFilterCompressesAndCountsRatio(t *testing.T) {
	cfg := gzip.DefaultConfig()
	cfg.Level = 6
	cfg.Types = []string{"Application/JSON"}
	cfg.Vary = true
	f, err := gzip.New(cfg)
	require.NoError(t, err)

	body := strings.Repeat(`{"a":1},`, 100)
	loc := gateway.NewLocation(gateway.MatchPrefix, "/")
	loc.Content = gateway.FilterFunc(func(c *gateway.Ctx) gateway.Result {
		c.Status = 200
		c.RespHeader.Set("Content-Type", "application/json")
		// written in pieces, without a length
		for i := 0; i < len(body); i += 100 {
			c.WriteString(body[i : i+100])
		}
		return gateway.Done()
	})
	f.Install(loc)
	srv := &gateway.Server{Listens: []gateway.Listen{{Addr: gatewaytest.DefaultListen}}, Root: gateway.NewLocation(gateway.MatchServer, "")}
	srv.Root.Add(loc)
	g := gatewaytest.Serve(t, &gateway.Config{Servers: []*gateway.Server{srv}})

	r := do(g, "GET", "/", "Accept-Encoding", "gzip")
	requireGzipped(t, r, body)
	require.Equal(t, "Accept-Encoding", r.Header.Get("Vary"))
	ratio, err := strconv.ParseFloat(r.Vars["gzip_ratio"], 64)
	require.NoError(t, err)
	require.InDelta(t, float64(len(body))/float64(len(r.Body)), ratio, 0.006)
}

func TestConcurrentResponsesShareThePools(t *testing.T) {
	big := strings.Repeat("concurrent gzip body ", 3000)
	g := load(t, "", `gzip on; gzip_comp_level 4; location / { }`, map[string]string{"big.html": big, "small.html": text})
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			uri, want := "/big.html", big
			if i%2 == 1 {
				uri, want = "/small.html", text
			}
			r := do(g, "GET", uri, "Accept-Encoding", "gzip")
			zr, err := stdgzip.NewReader(bytes.NewReader(r.Body))
			if err != nil {
				errs <- err.Error()
				return
			}
			got, err := io.ReadAll(zr)
			if err != nil || string(got) != want {
				errs <- uri + ": wrong body"
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func BenchmarkCompressedReturn(b *testing.B) {
	g := load(b, "", `gzip on; default_type text/html; location / { return 200 "`+strings.Repeat("benchmark body ", 200)+`"; }`, nil)
	b.ReportAllocs()
	for b.Loop() {
		r := do(g, "GET", "/", "Accept-Encoding", "gzip")
		if r.Header.Get("Content-Encoding") != "gzip" {
			b.Fatal("not compressed")
		}
	}
}
