package gateway

import (
	"crypto/tls"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// varCtx builds a request context by hand: a server "example.com" and a
// request for target from 192.0.2.7:5555 to 127.0.0.1:8080.
func varCtx(method, target string, headers ...string) *Ctx {
	req := &Request{
		Method:       method,
		RequestURI:   target,
		Proto:        "HTTP/1.1",
		ProtoMajor:   1,
		ProtoMinor:   1,
		Body:         NoBody,
		HeaderLength: 40,
		Start:        time.Now(),
		Conn:         &ConnInfo{ID: 7, Requests: 3, RemoteAddr: "192.0.2.7:5555", LocalAddr: "127.0.0.1:8080"},
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	srv := &Server{Names: []string{"example.com", "www.example.com"}, Root: NewLocation(MatchServer, "")}
	cfg := &Config{Servers: []*Server{srv}, Vars: NewVarTable()}
	c := &Ctx{Req: req, Config: cfg, Server: srv, Loc: srv.Root, Method: method}
	path, args, _, err := ParseRequestTarget(target, true)
	if err != nil {
		panic(err)
	}
	c.URI, c.Args = path, args
	c.Host, _ = ValidateHost(req.Header.Get("Host"))
	return c
}

func getVar(t *testing.T, c *Ctx, name string) (string, bool) {
	t.Helper()
	slot, err := c.Config.Vars.Index(name)
	require.NoError(t, err, name)
	return c.Var(slot)
}

type varCase struct {
	name  string
	want  string
	found bool
}

func checkVars(t *testing.T, c *Ctx, cases []varCase) {
	t.Helper()
	for _, tc := range cases {
		v, ok := getVar(t, c, tc.name)
		require.Equal(t, tc.found, ok, "$%s found", tc.name)
		require.Equal(t, tc.want, v, "$%s", tc.name)
	}
}

func TestCoreVarsRequestParts(t *testing.T) {
	c := varCtx("GET", "/a/%2e%2E/b%20c?x=1&Y=2", "Host", "Example.COM:8080")
	checkVars(t, c, []varCase{
		{"uri", "/b c", true},
		{"document_uri", "/b c", true},
		{"request_uri", "/a/%2e%2E/b%20c?x=1&Y=2", true},
		{"args", "x=1&Y=2", true},
		{"query_string", "x=1&Y=2", true},
		{"is_args", "?", true},
		{"request_method", "GET", true},
		{"request", "GET /a/%2e%2E/b%20c?x=1&Y=2 HTTP/1.1", true},
		{"server_protocol", "HTTP/1.1", true},
		{"scheme", "http", true},
		{"https", "", true},
		{"host", "example.com", true},
		{"http_host", "Example.COM:8080", true},
		{"server_name", "example.com", true},
		{"remote_addr", "192.0.2.7", true},
		{"remote_port", "5555", true},
		{"binary_remote_addr", "\xc0\x00\x02\x07", true},
		{"server_addr", "127.0.0.1", true},
		{"server_port", "8080", true},
		{"connection", "7", true},
		{"connection_requests", "3", true},
		{"nginx_version", NginxVersion, true},
		{"njet_version", "3.3.0", true},
		{"pid", strconv.Itoa(pidOf()), true},
		{"request_body", "", false},
		{"request_body_file", "", false},
		{"remote_user", "", false},
		{"content_length", "", false},
		{"limit_rate", "0", true},
	})
}

func pidOf() int { n, _ := strconv.Atoi(pidText); return n }

func TestCoreVarsArgsWithoutQuestionMarkAreNotFound(t *testing.T) {
	c := varCtx("GET", "/x")
	checkVars(t, c, []varCase{{"args", "", false}, {"query_string", "", false}, {"is_args", "", true}})
	c = varCtx("GET", "/x?")
	checkVars(t, c, []varCase{{"args", "", true}, {"is_args", "", true}})
}

func TestCoreVarsHostFallsBackToServerName(t *testing.T) {
	c := varCtx("GET", "/")
	c.Req.Proto, c.Req.ProtoMinor = "HTTP/1.0", 0
	checkVars(t, c, []varCase{{"host", "example.com", true}, {"http_host", "", false}, {"server_protocol", "HTTP/1.0", true}})
}

func TestCoreVarsHTTPHeaderNamesFoldCaseAndDashes(t *testing.T) {
	c := varCtx("GET", "/", "Host", "h", "X-Foo-Bar", "1", "x-foo-bar", "2", "X_Foo_Bar", "3",
		"User-Agent", "curl", "Cookie", "a=1", "Cookie", "b=2", "Content-Type", "text/plain")
	checkVars(t, c, []varCase{
		{"http_x_foo_bar", "1, 2, 3", true},
		{"HTTP_X_FOO_BAR", "1, 2, 3", true},
		{"http_user_agent", "curl", true},
		{"http_referer", "", false},
		{"http_cookie", "a=1; b=2", true},
		{"content_type", "text/plain", true},
	})
}

func TestCoreVarsCookiesParseAsNginx(t *testing.T) {
	cases := []struct {
		name    string
		cookies []string
		cookie  string
		want    string
		found   bool
	}{
		{"first pair", []string{"a=1; b=2"}, "a", "1", true},
		{"later pair", []string{"a=1; b=2"}, "b", "2", true},
		{"name is case-insensitive", []string{"SessionID=xyz"}, "sessionid", "xyz", true},
		{"blanks around equals", []string{"a = 1 ;b=2"}, "a", "1 ", true},
		{"comma separates pairs", []string{"a=1, b=2"}, "b", "2", true},
		{"value runs to semicolon only", []string{"a=1,2; b=3"}, "a", "1,2", true},
		{"prefix of a longer name does not match", []string{"ab=1; a=2"}, "a", "2", true},
		{"second Cookie field", []string{"x=1", "y=2"}, "y", "2", true},
		{"empty value", []string{"a=; b=2"}, "a", "", true},
		{"missing", []string{"a=1"}, "c", "", false},
		{"name without value is skipped", []string{"a; a=5"}, "a", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var h []string
			for _, v := range tc.cookies {
				h = append(h, "Cookie", v)
			}
			c := varCtx("GET", "/", h...)
			v, ok := getVar(t, c, "cookie_"+tc.cookie)
			require.Equal(t, tc.found, ok)
			require.Equal(t, tc.want, v)
		})
	}
}

func TestCoreVarsArgsMatchAsNginx(t *testing.T) {
	cases := []struct {
		args, name string
		want       string
		found      bool
	}{
		{"a=1&b=2", "a", "1", true},
		{"a=1&b=2", "b", "2", true},
		{"A=1", "a", "1", true},
		{"a=1", "A", "1", true},
		{"xa=1&a=2", "a", "2", true},
		{"a&a=3", "a", "3", true},
		{"a=", "a", "", true},
		{"a", "a", "", false},
		{"b=1", "a", "", false},
		{"a=%20x+y", "a", "%20x+y", true},
		{"a=1&a=2", "a", "1", true},
		{"", "a", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.args+"/"+tc.name, func(t *testing.T) {
			v, ok := Arg(tc.args, tc.name)
			require.Equal(t, tc.found, ok)
			require.Equal(t, tc.want, v)
		})
	}
}

func TestCoreVarsArgFollowsSetArgs(t *testing.T) {
	c := varCtx("GET", "/?a=1")
	checkVars(t, c, []varCase{{"arg_a", "1", true}})
	slot, err := c.Config.Vars.Index("args")
	require.NoError(t, err)
	c.SetVar(slot, "a=2&b=3")
	require.Equal(t, "a=2&b=3", c.Args)
	checkVars(t, c, []varCase{{"arg_a", "2", true}, {"arg_B", "3", true}, {"args", "a=2&b=3", true}})
}

func TestCoreVarsURIIsRecomputedAfterRewrite(t *testing.T) {
	c := varCtx("GET", "/old")
	checkVars(t, c, []varCase{{"uri", "/old", true}})
	c.URI = "/new"
	checkVars(t, c, []varCase{{"uri", "/new", true}, {"request_uri", "/old", true}})
}

func TestCoreVarsRemoteAddressForms(t *testing.T) {
	cases := []struct {
		remote, addr, port, binary string
	}{
		{"192.0.2.7:5555", "192.0.2.7", "5555", "\xc0\x00\x02\x07"},
		{"[2001:db8::1]:80", "2001:db8::1", "80", "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"},
		{"unix:", "unix:", "", "unix:"},
	}
	for _, tc := range cases {
		t.Run(tc.remote, func(t *testing.T) {
			c := varCtx("GET", "/")
			c.Req.Conn.RemoteAddr = tc.remote
			checkVars(t, c, []varCase{{"remote_addr", tc.addr, true}, {"remote_port", tc.port, true}, {"binary_remote_addr", tc.binary, true}})
		})
	}
}

func TestCoreVarsTLS(t *testing.T) {
	c := varCtx("GET", "/")
	c.Req.Conn.TLS = &tls.ConnectionState{}
	checkVars(t, c, []varCase{{"scheme", "https", true}, {"https", "on", true}})
}

func TestCoreVarsRemoteUserFromBasicCredentials(t *testing.T) {
	cases := []struct {
		auth, user string
		found      bool
	}{
		{"Basic dXNlcjpwYXNz", "user", true},   // user:pass
		{"basic   dXNlcjpwYXNz", "user", true}, // scheme is case-insensitive, blanks skipped
		{"Basic dXNlcjo=", "user", true},       // user:
		{"Basic dXNlcg==", "", false},          // no colon
		{"Basic OnBhc3M=", "", false},          // empty user
		{"Bearer abc", "", false},
		{"Basic !!!", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.auth, func(t *testing.T) {
			c := varCtx("GET", "/", "Authorization", tc.auth)
			checkVars(t, c, []varCase{{"remote_user", tc.user, tc.found}})
		})
	}
}

func TestCoreVarsResponseSide(t *testing.T) {
	c := varCtx("GET", "/")
	checkVars(t, c, []varCase{{"status", "000", true}})
	c = varCtx("GET", "/")
	c.Status = 404
	c.keepAlive = true
	c.headerSent = true
	c.BodyBytesSent = 10
	c.RespHeader.Add("Content-Type", "text/html")
	c.RespHeader.Add("Content-Length", "10")
	c.RespHeader.Add("Cache-Control", "no-cache")
	c.RespHeader.Add("Cache-Control", "private")
	checkVars(t, c, []varCase{
		{"status", "404", true},
		{"sent_http_content_type", "text/html", true},
		{"sent_http_content_length", "10", true},
		{"sent_http_cache_control", "no-cache, private", true},
		{"sent_http_connection", "keep-alive", true},
		{"sent_http_transfer_encoding", "", false},
		{"sent_http_x_missing", "", false},
		{"sent_trailer_x", "", false},
		{"body_bytes_sent", "10", true},
	})
	// "HTTP/1.1 404 Not Found\r\n" (24) + 3 fields + Connection + "\r\n"
	want := 24 + len("Content-Type: text/html\r\n") + len("Content-Length: 10\r\n") +
		2*len("Cache-Control: no-cache\r\n") - 1 + len("Connection: keep-alive\r\n") + 2 + 10
	checkVars(t, c, []varCase{{"bytes_sent", strconv.Itoa(want), true}})
	c.BytesSent = 99
	require.Equal(t, int64(99), BytesSent(c), "the engine's count wins")
}

func TestCoreVarsChunkedResponseAndConnectionClose(t *testing.T) {
	c := varCtx("GET", "/")
	c.Loc.Core.ChunkedTransfer = true
	c.Status = 200
	c.headerSent = true
	checkVars(t, c, []varCase{{"sent_http_transfer_encoding", "chunked", true}, {"sent_http_connection", "close", true}})
	c = varCtx("GET", "/")
	c.Status = 101
	checkVars(t, c, []varCase{{"sent_http_connection", "upgrade", true}})
}

func TestCoreVarsUpstream(t *testing.T) {
	c := varCtx("GET", "/")
	for _, n := range []string{"upstream_addr", "upstream_status", "upstream_response_time", "upstream_http_server", "upstream_cookie_a"} {
		_, ok := getVar(t, c, n)
		require.False(t, ok, n)
	}
	h := &Header{}
	h.Add("Server", "backend")
	h.Add("Set-Cookie", "a=1; Path=/")
	h.Add("Set-Cookie", "B = 2")
	h.Add("X-Multi", "1")
	h.Add("X-Multi", "2")
	c = varCtx("GET", "/")
	c.Upstream = UpstreamInfo{Set: true, Addr: "127.0.0.1:8081, 127.0.0.1:8082", Status: "502, 200",
		ConnectTime: "0.001, 0.002", HeaderTime: "-, 0.003", ResponseTime: "0.004, 0.005", BytesSent: 100, BytesRecv: 200, Header: h}
	checkVars(t, c, []varCase{
		{"upstream_addr", "127.0.0.1:8081, 127.0.0.1:8082", true},
		{"upstream_status", "502, 200", true},
		{"upstream_connect_time", "0.001, 0.002", true},
		{"upstream_header_time", "-, 0.003", true},
		{"upstream_response_time", "0.004, 0.005", true},
		{"upstream_bytes_sent", "100", true},
		{"upstream_bytes_received", "200", true},
		{"upstream_http_server", "backend", true},
		{"upstream_http_x_multi", "1, 2", true},
		{"upstream_cookie_a", "1", true},
		{"upstream_cookie_b", "2", true},
		{"upstream_cookie_c", "", false},
	})
}

func TestCoreVarsTimes(t *testing.T) {
	c := varCtx("GET", "/")
	c.Req.Start = time.Now().Add(-1500 * time.Millisecond)
	cases := map[string]*regexp.Regexp{
		"time_local":   regexp.MustCompile(`^\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}$`),
		"time_iso8601": regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$`),
		"msec":         regexp.MustCompile(`^\d{10,}\.\d{3}$`),
		"request_time": regexp.MustCompile(`^[1-9]\d*\.\d{3}$`),
		"request_id":   regexp.MustCompile(`^[0-9a-f]{32}$`),
	}
	for name, re := range cases {
		v, ok := getVar(t, c, name)
		require.True(t, ok, name)
		require.Regexp(t, re, v, name)
	}
	require.Equal(t, "0.005", MsecText(5))
	require.Equal(t, "12.340", MsecText(12340))
	require.Equal(t, "9.999", MsecText(9999))
	require.Equal(t, "10.000", MsecText(10000))
	require.Equal(t, "0.000", MsecText(-3))
}

func TestCoreVarsLimitRateIsSettable(t *testing.T) {
	c := varCtx("GET", "/")
	c.Config.ErrorLog = &WriterLogger{Level: -1}
	slot, err := c.Config.Vars.Index("limit_rate")
	require.NoError(t, err)
	c.SetVar(slot, "64k")
	require.Equal(t, int64(65536), c.LimitRate())
	checkVars(t, c, []varCase{{"limit_rate", "65536", true}})
	c.SetVar(slot, "fast")
	require.Equal(t, int64(65536), c.LimitRate(), "an invalid value keeps the old one")
}

func TestCoreVarsRequestBodyAndLength(t *testing.T) {
	c := varCtx("POST", "/")
	c.Req.Chunked = true
	checkVars(t, c, []varCase{{"content_length", "", false}, {"request_length", "40", true}})
	c.SetRequestBody([]byte("hello"))
	checkVars(t, c, []varCase{{"request_body", "hello", true}, {"content_length", "5", true}, {"request_length", "45", true}})
}

func TestCoreVarsHostnameIsLowerCase(t *testing.T) {
	c := varCtx("GET", "/")
	v, ok := getVar(t, c, "hostname")
	require.True(t, ok)
	require.Equal(t, v, hostname())
	require.NotContains(t, v, "A")
}

func TestCoreVarsFollowRealIPAddress(t *testing.T) {
	c := varCtx("GET", "/")
	c.SetRemoteAddr("203.0.113.9:")
	checkVars(t, c, []varCase{{"remote_addr", "203.0.113.9", true}, {"remote_port", "", true}, {"binary_remote_addr", "\xcb\x00\x71\x09", true}})
}

func TestMatchRegexAnchoredOrNot(t *testing.T) {
	for _, tc := range []struct {
		pattern, subject string
		match            bool
		capture          string
	}{
		{`^/users/([0-9]+)/profile$`, "/users/12/profile", true, "12"},
		{`^/users/([0-9]+)/profile$`, "/users/x/profile", false, ""},
		{`(?i)^/USERS/([0-9]+)$`, "/users/7", true, "7"},
		// anchored on one branch only: still searched everywhere
		{`^/a|/b/([0-9]+)$`, "/x/b/5", true, "5"},
		{`/b/([0-9]+)$`, "/x/b/9", true, "9"},
		{`/b/([0-9]+)$`, "/x/c/9", false, ""},
	} {
		c := varCtx("GET", "/")
		got := c.MatchRegex(regexp.MustCompile(tc.pattern), tc.subject)
		require.Equal(t, tc.match, got, tc.pattern)
		if tc.match {
			v, _ := c.Capture(1)
			require.Equal(t, tc.capture, v, tc.pattern)
		}
	}
}
