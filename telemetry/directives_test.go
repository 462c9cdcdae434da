package telemetry

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
	"github.com/gonjet/gonjet/gateway/gatewaytest"
)

// load builds src with a fresh prefix holding logs/ and returns the
// running gateway and the prefix. Locations without a content handler
// answer 404, which is all these tests need.
func load(t *testing.T, src string) (*gateway.Gateway, string) {
	t.Helper()
	prefix := t.TempDir() + "/"
	require.NoError(t, os.Mkdir(prefix+"logs", 0o755))
	res, err := conf.LoadString(src, conf.Options{Prefix: prefix})
	require.NoError(t, err)
	return gatewaytest.Serve(t, res.Config), prefix
}

func get(g *gateway.Gateway, target string, headers ...string) {
	req := gatewaytest.NewRequest("GET", target)
	req.Proto, req.ProtoMinor = "HTTP/1.0", 0
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	gatewaytest.Do(g, req)
}

func TestAccessLogDirectives(t *testing.T) {
	g, p := load(t, `
http {
    log_format test "$uri:$status";
    log_format long "long line $uri:$status";
    log_format default  escape=default  $uri$arg_b$arg_c;
    log_format none     escape=none     $uri$arg_b$arg_c;
    log_format json     escape=json     $uri$arg_b$arg_c;

    server {
        listen 80;
        server_name localhost;

        location /combined {
            access_log logs/combined.log;
            location /combined/off {
                access_log off;
            }
        }
        location /filtered {
            access_log logs/filtered.log test if=$arg_logme;
        }
        location /multi {
            access_log logs/multi1.log test;
            access_log logs/multi2.log test;
            access_log logs/long.log long;
        }
        location /escape {
            access_log logs/test.log default;
            access_log logs/none.log none;
            access_log logs/json.log json;
        }
        location /buffered {
            access_log logs/buffered.log test buffer=16k;
        }
    }
}`)
	get(g, "/combined")
	get(g, "/combined/off")
	for _, target := range []string{"/filtered", "/filtered/empty?logme=", "/filtered/zero?logme=0", "/filtered/good?logme=1", "/filtered/work?logme=yes"} {
		get(g, target)
	}
	get(g, "/multi")
	get(g, "/escape/%221%20%1B%1C%20%22?c=2")
	get(g, "/buffered")

	require.Regexp(t, `^127\.0\.0\.1 - - \[.*\] "GET /combined HTTP/1\.0" 404 \d+ "-" "-"\n$`, readFile(t, p+"logs/combined.log"))
	require.Equal(t, "/filtered/good:404\n/filtered/work:404\n", readFile(t, p+"logs/filtered.log"))
	require.Equal(t, "/multi:404\n", readFile(t, p+"logs/multi1.log"))
	require.Equal(t, "/multi:404\n", readFile(t, p+"logs/multi2.log"))
	require.Equal(t, "long line /multi:404\n", readFile(t, p+"logs/long.log"))
	require.Equal(t, `/escape/\x221 \x1B\x1C \x22-2`+"\n", readFile(t, p+"logs/test.log"))
	require.Equal(t, "/escape/\"1 \x1b\x1c \"2\n", readFile(t, p+"logs/none.log"))
	require.Equal(t, `/escape/\"1 \u001B\u001C \"2`+"\n", readFile(t, p+"logs/json.log"))

	require.Equal(t, "", readFile(t, p+"logs/buffered.log"), "buffered until the snapshot is retired")
	g.Close()
	require.Equal(t, "/buffered:404\n", readFile(t, p+"logs/buffered.log"))
}

func TestAccessLogPathVariablesAndCache(t *testing.T) {
	prefix := t.TempDir() + "/"
	require.NoError(t, os.Mkdir(prefix+"logs", 0o755))
	require.NoError(t, os.Mkdir(prefix+"html", 0o755))
	res, err := conf.LoadString(`
http {
    log_format test "$uri:$status";
    server {
        listen 80;
        location /varlog {
            access_log logs/varlog_${arg_logname} test;
        }
        location /cache {
            open_log_file_cache max=3 inactive=20s valid=1m min_uses=2;
            access_log logs/cache_${arg_logname} test;
        }
    }
}`, conf.Options{Prefix: prefix})
	require.NoError(t, err)
	g := gatewaytest.Serve(t, res.Config)
	get(g, "/varlog?logname=0")
	get(g, "/varlog?logname=filename")
	get(g, "/cache?logname=a")
	get(g, "/cache?logname=a")
	require.Equal(t, "/varlog:404\n", readFile(t, prefix+"logs/varlog_0"))
	require.Equal(t, "/varlog:404\n", readFile(t, prefix+"logs/varlog_filename"))
	require.Equal(t, "/cache:404\n/cache:404\n", readFile(t, prefix+"logs/cache_a"))
}

func TestDefaultAccessLogIsCombinedInLogsDir(t *testing.T) {
	g, p := load(t, `http { server { listen 80; location / { } } }`)
	get(g, "/x", "User-Agent", "curl/8")
	require.Regexp(t, `^127\.0\.0\.1 - - \[.*\] "GET /x HTTP/1\.0" 404 \d+ "-" "curl/8"\n$`, readFile(t, p+"logs/access.log"))
}

func TestAccessLogOffAtHTTPLevelIsInherited(t *testing.T) {
	g, p := load(t, `http { access_log off; server { listen 80; location / { } } }`)
	get(g, "/x")
	_, err := os.Stat(p + "logs/access.log")
	require.True(t, os.IsNotExist(err))
	loc := g.Config().Servers[0].Root.Children[0]
	require.Nil(t, LocationAccessLog(loc))
}

func TestLocationAccessLogCanBeSwitchedOff(t *testing.T) {
	g, p := load(t, `http { log_format t $uri; server { listen 80; location / { access_log logs/a.log t; } } }`)
	ll := LocationAccessLog(g.Config().Servers[0].Root.Children[0])
	require.NotNil(t, ll)
	get(g, "/one")
	ll.SetEnabled(false)
	get(g, "/two")
	require.Equal(t, "/one\n", readFile(t, p+"logs/a.log"))
}

func TestLogDirectiveErrors(t *testing.T) {
	cases := []struct {
		name, src, err string
	}{
		{"unknown format", `http { access_log logs/a.log nosuch; }`, `unknown log format "nosuch"`},
		{"format names are case-insensitive for access_log", `http { log_format Main $uri; access_log logs/a.log main; }`, ``},
		{"duplicate format", `http { log_format a $uri; log_format a $status; }`, `duplicate "log_format" name "a"`},
		{"combined is predefined", `http { log_format combined $uri; }`, `duplicate "log_format" name "combined"`},
		{"unknown escaping", `http { log_format a escape=xml $uri; }`, `unknown log format escaping "xml"`},
		{"bad variable syntax", `http { log_format a "${uri"; }`, `the closing bracket in "uri" variable is missing`},
		{"off takes nothing", `http { access_log off combined; }`, `invalid parameter "combined"`},
		{"unknown parameter", `http { access_log logs/a.log combined bogus; }`, `invalid parameter "bogus"`},
		{"bad buffer", `http { access_log logs/a.log combined buffer=0; }`, `invalid buffer size "0"`},
		{"bad flush", `http { access_log logs/a.log combined buffer=1k flush=x; }`, `invalid flush time "x"`},
		{"flush without buffer", `http { access_log logs/a.log combined flush=1s; }`, `no buffer is defined for access_log "logs/a.log"`},
		{"bad gzip level", `http { access_log logs/a.log combined gzip=10; }`, `invalid compression level "10"`},
		{"buffered with variables", `http { access_log logs/$host.log combined buffer=1k; }`, `buffered logs cannot have variables in name`},
		{"buffered syslog", `http { access_log syslog:server=127.0.0.1 combined buffer=1k; }`, `logs to syslog cannot be buffered`},
		{"conflicting buffers", `http { access_log logs/a.log combined buffer=1k; server { access_log logs/a.log combined buffer=2k; } }`,
			`access_log "logs/a.log" already defined with conflicting parameters`},
		{"same buffers", `http { access_log logs/a.log combined buffer=1k; server { access_log logs/a.log combined buffer=1k; } }`, ``},
		{"syslog error", `http { access_log syslog:server=127.0.0.1,facility=x; }`, `unknown syslog facility "x"`},
		{"cache needs max", `http { open_log_file_cache inactive=10s; }`, `"open_log_file_cache" must have "max" parameter`},
		{"cache bad parameter", `http { open_log_file_cache max=x; }`, `invalid "open_log_file_cache" parameter "max=x"`},
		{"cache off", `http { open_log_file_cache off; }`, ``},
		{"cache duplicate", `http { open_log_file_cache off; open_log_file_cache max=1; }`, `"open_log_file_cache" directive is duplicate`},
		{"error_log level", `error_log logs/e.log verbose;`, `invalid log level "verbose"`},
		{"error_log memory", `error_log memory:1m debug;`, `nginx was built without debug support`},
		{"log_format outside http", `log_format a $uri;`, `"log_format" directive is not allowed here`},
		{"unknown variable", `http { log_format a $nosuch; access_log logs/a.log a; server { listen 80; } }`, `unknown "nosuch" variable`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			prefix := t.TempDir() + "/"
			require.NoError(t, os.Mkdir(prefix+"logs", 0o755))
			res, err := conf.LoadString(tc.src, conf.Options{Prefix: prefix})
			if tc.err == "" {
				require.NoError(t, err)
				closeConfig(res.Config)
				return
			}
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.err)
		})
	}
}

func TestErrorLogDirectives(t *testing.T) {
	prefix := t.TempDir() + "/"
	require.NoError(t, os.Mkdir(prefix+"logs", 0o755))
	res, err := conf.LoadString(`error_log logs/main.log warn; error_log logs/main2.log;
http { access_log off; server { listen 80; } }`, conf.Options{Prefix: prefix})
	require.NoError(t, err)
	first := res.Config
	t.Cleanup(func() { closeConfig(first) })
	require.Equal(t, []string{"logs/main.log", "warn"}, res.Builder.Main.ErrorLog, "the first main error_log")
	el, ok := res.Config.ErrorLog.(ErrorLogs)
	require.True(t, ok)
	require.Len(t, el, 2)
	require.Equal(t, prefix+"logs/main.log", el[0].Path())
	require.Equal(t, gateway.LevelWarn, el[0].Level())
	require.Equal(t, gateway.LevelError, el[1].Level())

	res, err = conf.LoadString(`error_log logs/main.log;
http { error_log logs/http.log info; access_log off; server { listen 80; } }`, conf.Options{Prefix: prefix})
	require.NoError(t, err)
	l, ok := res.Config.ErrorLog.(*ErrorLog)
	require.True(t, ok, "the http-level log serves requests")
	require.Equal(t, prefix+"logs/http.log", l.Path())

	g := gatewaytest.Serve(t, res.Config)
	gatewaytest.Do(g, gatewaytest.NewRequest("GET", "/../x"))
	got := readFile(t, prefix+"logs/http.log")
	require.Regexp(t, `\[info\] \d+#\d+: \*\d+ client sent invalid request`, got)
	require.True(t, strings.HasSuffix(got, "\n"))
}

func TestReloadKeepsLogFilesOpen(t *testing.T) {
	prefix := t.TempDir() + "/"
	require.NoError(t, os.Mkdir(prefix+"logs", 0o755))
	src := `http { log_format t $uri; access_log logs/a.log t buffer=4k; server { listen 80; location / { } } }`
	res1, err := conf.LoadString(src, conf.Options{Prefix: prefix})
	require.NoError(t, err)
	g := gatewaytest.Serve(t, res1.Config)
	get(g, "/first")
	res2, err := conf.LoadString(src, conf.Options{Prefix: prefix, Prev: res1.Config})
	require.NoError(t, err)
	name := filepath.Join(prefix, "logs/a.log")
	files.mu.Lock()
	shared := files.byPath[name]
	refs := shared.refs
	files.mu.Unlock()
	require.Equal(t, 2, refs, "both snapshots use one descriptor")

	require.NoError(t, g.Load(res2.Config))
	get(g, "/second")
	require.Equal(t, "/first\n", readFile(t, name), "the old snapshot's buffer is written when it is retired")
	files.mu.Lock()
	require.Same(t, shared, files.byPath[name])
	require.Equal(t, 1, shared.refs)
	files.mu.Unlock()
	g.Close()
	require.Equal(t, "/first\n/second\n", readFile(t, name))
}

// closeConfig retires a configuration that was built but never served.
func closeConfig(cfg *gateway.Config) {
	for _, f := range cfg.Closers {
		f()
	}
}

func TestLocationErrorLogIsInherited(t *testing.T) {
	g, p := load(t, `error_log logs/main.log;
http {
    access_log off;
    server {
        listen 80;
        error_log logs/server.log info;
        location /a { }
        location /b { error_log logs/b.log debug; error_log stderr; }
    }
}`)
	root := g.Config().Servers[0].Root
	require.Equal(t, p+"logs/server.log", LocationErrorLog(root)[0].Path())
	require.Equal(t, p+"logs/server.log", LocationErrorLog(root.Children[0])[0].Path())
	b := LocationErrorLog(root.Children[1])
	require.Len(t, b, 2)
	require.Equal(t, p+"logs/b.log", b[0].Path())
	require.Equal(t, gateway.LevelDebug, b[0].Level())
	require.Equal(t, "stderr", b[1].Path())
	l, ok := g.Config().ErrorLog.(*ErrorLog)
	require.True(t, ok)
	require.Equal(t, p+"logs/main.log", l.Path(), "without an http-level log the main one serves requests")
}
