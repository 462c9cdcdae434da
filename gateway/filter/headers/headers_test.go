package headers_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
	"github.com/gonjet/gonjet/gateway/filter/headers"
	"github.com/gonjet/gonjet/gateway/gatewaytest"
	_ "github.com/gonjet/gonjet/gateway/static"
)

// load builds a gateway whose server serves files from a temporary
// directory holding one empty file per name in files.
func load(t *testing.T, server string, files ...string) (*gateway.Gateway, string) {
	t.Helper()
	root := t.TempDir()
	for _, f := range files {
		require.NoError(t, os.WriteFile(filepath.Join(root, f), nil, 0o644))
	}
	src := "events {}\nhttp {\n server {\n listen 80;\n server_name localhost;\n root " + root + ";\n" + server + "\n }\n}\n"
	return gatewaytest.Load(t, src), root
}

func TestAddHeaderAppliesToSuccessfulAnswersUnlessAlways(t *testing.T) {
	g, _ := load(t, `
		add_header X-URI $uri;
		add_header X-Always $uri always;
		add_header ETag foo always;
		add_header ETag '' always;
		expires epoch;
	`, "t1")
	for _, tc := range []struct {
		uri                         string
		status                      int
		cacheControl, xuri, xalways bool
	}{
		{"/t1", 200, true, true, true},
		{"/nx", 404, false, false, true},
	} {
		r := gatewaytest.Get(t, g, tc.uri)
		require.Equal(t, tc.status, r.Status, tc.uri)
		require.Equal(t, tc.cacheControl, r.Header.Has("Cache-Control"), tc.uri)
		require.Equal(t, tc.xuri, r.Header.Has("X-URI"), tc.uri)
		require.Equal(t, tc.xalways, r.Header.Has("X-Always"), tc.uri)
		require.False(t, r.Header.Has("ETag"), "an empty ETag removes the field: %s", tc.uri)
	}
	require.Equal(t, "/t1", gatewaytest.Get(t, g, "/t1").Header.Get("X-URI"))
}

func TestAddHeaderIsInheritedOnlyByLevelsWithoutOwn(t *testing.T) {
	g, _ := load(t, `
		add_header X-Server s;
		add_header Cache-Control private;
		location /own { add_header X-Own o; }
		location /inherit { }
	`, "own", "inherit")
	r := gatewaytest.Get(t, g, "/own")
	require.Equal(t, "o", r.Header.Get("X-Own"))
	require.False(t, r.Header.Has("X-Server"))
	r = gatewaytest.Get(t, g, "/inherit")
	require.Equal(t, "s", r.Header.Get("X-Server"))
	require.Equal(t, "private", r.Header.Get("Cache-Control"))
}

func TestAddHeaderReplacesLastModified(t *testing.T) {
	g, _ := load(t, `
		location /none { add_header Last-Modified ""; }
		location /set { add_header Last-Modified "Mon, 28 Sep 1970 06:00:00 GMT"; }
	`, "none", "set")
	require.False(t, gatewaytest.Get(t, g, "/none").Header.Has("Last-Modified"))
	r := gatewaytest.Get(t, g, "/set")
	require.Equal(t, []string{"Mon, 28 Sep 1970 06:00:00 GMT"}, r.Header.Values("Last-Modified"))
}

func TestExpires(t *testing.T) {
	g, root := load(t, `
		expires epoch;
		location /epoch { expires epoch; }
		location /max { expires max; }
		location /off { expires off; }
		location /access { expires 2048; location /access_inner { } }
		location /negative { expires -2048; }
		location /zero { expires 0; }
		location /daily { expires @15h30m33s; }
		location /modified { expires modified 2048; }
		location /var { expires $arg_e; location /var_inner { } location /var_modified { expires modified $arg_e; } }
	`, "t1", "epoch", "max", "off", "access", "access_inner", "negative", "zero", "daily", "modified", "var", "var_inner", "var_modified")
	mtime := time.Unix(1700000000, 0)
	require.NoError(t, os.Chtimes(filepath.Join(root, "modified"), mtime, mtime))

	for _, tc := range []struct {
		uri, expires, cacheControl string
	}{
		{"/t1", "Thu, 01 Jan 1970 00:00:01 GMT", "no-cache"},
		{"/epoch", "Thu, 01 Jan 1970 00:00:01 GMT", "no-cache"},
		{"/max", "Thu, 31 Dec 2037 23:55:55 GMT", "max-age=315360000"},
		{"/off", "", ""},
		{"/access", "*", "max-age=2048"},
		{"/access_inner", "*", "max-age=2048"},
		{"/negative", "*", "no-cache"},
		{"/zero", "*", "max-age=0"},
		{"/daily", ":33 GMT", "*"},
		// 2048 s after a Last-Modified long past: expired already
		{"/modified", "Tue, 14 Nov 2023 22:47:28 GMT", "no-cache"},
		{"/var?e=epoch", "Thu, 01 Jan 1970 00:00:01 GMT", "no-cache"},
		{"/var?e=max", "Thu, 31 Dec 2037 23:55:55 GMT", "max-age=315360000"},
		{"/var?e=off", "", ""},
		{"/var?e=2048", "*", "max-age=2048"},
		{"/var_inner?e=2048", "*", "max-age=2048"},
		{"/var?e=-2048", "*", "no-cache"},
		{"/var?e=@33s", ":33 GMT", "*"},
		{"/var", "", ""},
		{"/var?e=bad", "", ""},
		{"/var_modified?e=epoch", "", ""},
		{"/var_modified?e=1h", "*", "*"},
	} {
		r := gatewaytest.Get(t, g, tc.uri)
		require.Equal(t, 200, r.Status, tc.uri)
		exp, hasExp := r.Header.Lookup("Expires")
		cc, hasCC := r.Header.Lookup("Cache-Control")
		switch {
		case tc.expires == "":
			require.False(t, hasExp, tc.uri)
		case tc.expires == "*":
			require.True(t, hasExp, tc.uri)
		case strings.HasPrefix(tc.expires, ":"):
			require.True(t, strings.HasSuffix(exp, tc.expires), "%s: %s", tc.uri, exp)
		default:
			require.Equal(t, tc.expires, exp, tc.uri)
		}
		switch tc.cacheControl {
		case "":
			require.False(t, hasCC, tc.uri)
		case "*":
			require.True(t, hasCC, tc.uri)
		default:
			require.Equal(t, tc.cacheControl, cc, tc.uri)
		}
	}
}

func TestExpiresReplacesCacheControl(t *testing.T) {
	g, _ := load(t, `add_header Cache-Control a; location /x { expires 10; add_header Cache-Control b; }`, "x")
	r := gatewaytest.Get(t, g, "/x")
	// expires runs first and replaces any Cache-Control; add_header then adds its own
	require.Equal(t, []string{"max-age=10", "b"}, r.Header.Values("Cache-Control"))
}

func TestParseExpires(t *testing.T) {
	for _, tc := range []struct {
		in       string
		modified bool
		want     headers.Expires
		err      string
	}{
		{in: "epoch", want: headers.Expires{Mode: headers.ExpiresEpoch}},
		{in: "max", want: headers.Expires{Mode: headers.ExpiresMax}},
		{in: "off", want: headers.Expires{Mode: headers.ExpiresOff}},
		{in: "1h", want: headers.Expires{Mode: headers.ExpiresAccess, Time: time.Hour}},
		{in: "+1h 30m", want: headers.Expires{Mode: headers.ExpiresAccess, Time: 90 * time.Minute}},
		{in: "-1d", want: headers.Expires{Mode: headers.ExpiresAccess, Time: -24 * time.Hour}},
		{in: "@15h30m", want: headers.Expires{Mode: headers.ExpiresDaily, Time: 15*time.Hour + 30*time.Minute}},
		{in: "1h", modified: true, want: headers.Expires{Mode: headers.ExpiresModified, Time: time.Hour}},
		{in: "epoch", modified: true, err: "invalid value"},
		{in: "@1h", modified: true, err: `daily time cannot be used with "modified" parameter`},
		{in: "@25h", err: "daily time value must be less than 24 hours"},
		{in: "10ms", err: "invalid value"},
		{in: "", err: "invalid value"},
	} {
		got, err := headers.ParseExpires(tc.in, tc.modified)
		if tc.err != "" {
			require.EqualError(t, err, tc.err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct{ conf, err string }{
		{"add_header X y sometimes;", `invalid parameter "sometimes"`},
		{"expires 1h; expires 2h;", `"expires" directive is duplicate`},
		{"expires later 1h;", `"expires" directive invalid value`},
		{"expires @25h;", `"expires" directive daily time value must be less than 24 hours`},
		{"expires modified @1h;", `"expires" directive daily time cannot be used with "modified" parameter`},
	} {
		src := "events {}\nhttp {\n server {\n listen 80;\n" + tc.conf + "\n }\n}\n"
		_, err := conf.LoadString(src, conf.Options{Prefix: t.TempDir()})
		require.Error(t, err, tc.conf)
		require.Contains(t, err.Error(), tc.err, tc.conf)
	}
}

func TestFilterFromGo(t *testing.T) {
	require.Nil(t, headers.Filter(headers.Config{}))
	loc := gateway.NewLocation(gateway.MatchPrefix, "/")
	loc.Content = gateway.FilterFunc(func(c *gateway.Ctx) gateway.Result {
		return c.Send(404, "text/plain", []byte("no"))
	})
	loc.HeaderFilters = append(loc.HeaderFilters, headers.Filter(headers.Config{
		Headers: []headers.Header{
			{Name: "X-Frame-Options", Value: gateway.StaticTemplate("DENY"), Always: true},
			{Name: "X-Only-Ok", Value: gateway.StaticTemplate("1")},
		},
	}))
	srv := &gateway.Server{Listens: []gateway.Listen{{Addr: gatewaytest.DefaultListen}}, Root: gateway.NewLocation(gateway.MatchServer, "")}
	srv.Root.Add(loc)
	g := gatewaytest.Serve(t, &gateway.Config{Servers: []*gateway.Server{srv}})
	r := gatewaytest.Get(t, g, "/")
	require.Equal(t, 404, r.Status)
	require.Equal(t, "DENY", r.Header.Get("X-Frame-Options"))
	require.False(t, r.Header.Has("X-Only-Ok"))
}
