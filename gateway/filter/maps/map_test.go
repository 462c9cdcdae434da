package maps_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
	_ "github.com/gonjet/gonjet/gateway/filter/maps"
	_ "github.com/gonjet/gonjet/gateway/filter/rewrite"
	"github.com/gonjet/gonjet/gateway/gatewaytest"
)

// load builds a gateway whose prefix (where includes start) is dir.
func load(t *testing.T, dir, http string) *gateway.Gateway {
	t.Helper()
	res, err := conf.LoadString("http {\n"+http+"\n}\n", conf.Options{Prefix: dir})
	require.NoError(t, err)
	return gatewaytest.Serve(t, res.Config)
}

// The cases of nginx-tests map.t.
func TestMapAsNginxTests(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "map.conf"), []byte("foo bar;"), 0o644))
	g := load(t, dir, `
    map $args $x {
        default                     0;
        foo                         bar;
        foo2                        bar;
    }

    map $args $y {
        hostnames;
        default                     0;
        example.com                 foo;
        example.*                   right-wildcard;
        *.example.com               left-wildcard;
        .dot.example.com            special-wildcard;
        ~^REGEX.EXAMPLE\.ORG$       regex-sensitive;
        ~*^www.regex.example\.org$  regex-insensitive;
        \include                    include;
        server                      $server_name;
        var                         $z;
    }

    map $args $z {
        default                     0;
        var                         baz;
        include                     map.conf;
    }

    server {
        listen       80;
        server_name  localhost;

        location / {
            return 200 "x:$x y:$y";
        }
        location /z {
            return 200 "z:$z";
        }
    }`)
	tests := []struct{ target, want string }{
		{"/?1", "x:0 y:0"},
		{"/?foo", "x:bar y:0"},
		{"/?foo2", "x:bar y:0"},
		{"/?example.com", "x:0 y:foo"},
		{"/?EXAMPLE.COM", "x:0 y:foo"},
		{"/?example.com.", "x:0 y:foo"},
		{"/?example.org", "x:0 y:right-wildcard"},
		{"/?foo.example.com", "x:0 y:left-wildcard"},
		{"/?foo.example.com.", "x:0 y:left-wildcard"},
		{"/?dot.example.com", "x:0 y:special-wildcard"},
		{"/?www.dot.example.com", "x:0 y:special-wildcard"},
		{"/?REGEX.EXAMPLE.ORG", "x:0 y:regex-sensitive"},
		{"/?regex.example.org", "x:0 y:0"},
		{"/?www.regex.example.org", "x:0 y:regex-insensitive"},
		{"/?WWW.REGEX.EXAMPLE.ORG", "x:0 y:regex-insensitive"},
		{"/?include", "x:0 y:include"},
		{"/?server", "x:0 y:localhost"},
		{"/?var", "x:0 y:baz"},
		{"/z?foo", "z:bar"},
	}
	for _, tt := range tests {
		r := gatewaytest.Get(t, g, tt.target)
		require.Equal(t, tt.want, string(r.Body), tt.target)
	}
}

// The cases of nginx-tests map_complex.t.
func TestMapValuesWithVariables(t *testing.T) {
	g := load(t, t.TempDir(), `
    map $args $x {
        var      foo:$y;
        var2     $y:foo;
        default  foo:$y;
    }
    map $args $y {
        default  bar;
        same     baz;
    }
    server {
        listen 80;
        location / { return 200 $x; }
    }`)
	for target, want := range map[string]string{"/?var": "foo:bar", "/?var2": "bar:foo", "/?same": "foo:baz"} {
		require.Equal(t, want, string(gatewaytest.Get(t, g, target).Body), target)
	}
}

// nginx-tests map_volatile.t, with a rewrite standing in for index: the
// cached value survives the change of $uri, the volatile one does not.
func TestMapVolatileIsRecomputed(t *testing.T) {
	g := load(t, t.TempDir(), `
    map $uri $uri_cached {
        /1/          /1/redirect;
        /1/redirect  uncached;
    }
    map $uri $uri_uncached {
        volatile;
        /2/          /2/redirect;
        /2/redirect  uncached;
    }
    server {
        listen 80;
        location /1/ {
            set $first $uri_cached;
            rewrite ^ $uri_cached last;
        }
        location /1/redirect {
            return 200 $uri_cached;
        }
        location /2/ {
            set $first $uri_uncached;
            rewrite ^ $uri_uncached last;
        }
        location /2/redirect {
            return 200 $uri_uncached;
        }
    }`)
	require.Equal(t, "/1/redirect", string(gatewaytest.Get(t, g, "/1/").Body))
	require.Equal(t, "uncached", string(gatewaytest.Get(t, g, "/2/").Body))
}

func TestMapRegexCapturesAndNamedGroups(t *testing.T) {
	g := load(t, t.TempDir(), `
    map $uri $user {
        ~^/u/(?<uname>[a-z]+)/(\d+)$  $uname-$2;
        ~^/v/                       v-$1;
        default                     none;
    }
    server {
        listen 80;
        location ~ ^/(.)/ {
            return 200 "$user $uname";
        }
    }`)
	require.Equal(t, "joe-42 joe", string(gatewaytest.Get(t, g, "/u/joe/42").Body))
	// a regex without groups keeps the location's captures
	require.Equal(t, "v-v ", string(gatewaytest.Get(t, g, "/v/x").Body))
	require.Equal(t, "none ", string(gatewaytest.Get(t, g, "/w/").Body))
}

func TestMapWithoutHostnamesTakesWildcardsLiterally(t *testing.T) {
	g := load(t, t.TempDir(), `
    map $arg_h $v {
        *.example.com  star;
        default        no;
    }
    server {
        listen 80;
        location / { return 200 $v; }
    }`)
	require.Equal(t, "no", string(gatewaytest.Get(t, g, "/?h=a.example.com").Body))
	require.Equal(t, "star", string(gatewaytest.Get(t, g, "/?h=*.example.com").Body))
}

func TestMapConfigurationErrors(t *testing.T) {
	tests := []struct{ conf, msg string }{
		{`map $args b { }`, `invalid variable name "b"`},
		{`map $args $b { default 1; default 2; }`, "duplicate default map parameter"},
		{`map $args $b { x 1; x 2; }`, `conflicting parameter "x"`},
		{`map $args $b { X 1; x 2; }`, `conflicting parameter "x"`},
		{`map $args $b { x 1 2; }`, "invalid number of the map parameters"},
		{`map $args $b { hostnames; a.*.com 1; }`, `invalid hostname or wildcard "a.*.com"`},
		{`map $args $b { hostnames; a..com 1; }`, `invalid hostname or wildcard "a..com"`},
		{`map $args $b { hostnames; example.com 1; .example.com 2; }`, `conflicting parameter ".example.com"`},
		{`map $args $b { ~( 1; }`, "pcre2_compile() failed"},
		{`map $args $b { x $nosuch; }`, `unknown "nosuch" variable`},
		{`map $nosuch $b { x 1; }`, `unknown "nosuch" variable`},
		{`map $args $b { x { } }`, `unexpected "{"`},
		{`map_hash_max_size x;`, `"map_hash_max_size" directive invalid number`},
	}
	for _, tt := range tests {
		_, err := conf.LoadString("http {\n"+tt.conf+"\n}\n", conf.Options{Prefix: os.TempDir()})
		require.Error(t, err, tt.conf)
		require.Contains(t, err.Error(), tt.msg, tt.conf)
	}
}

// TestMapRegexAnswersStayTheSameForRepeatedKeys checks the memo of
// matching regexes: a key met again gives the same value and still sets
// the captures of the regex that matches it, and a key no regex matches
// falls back to the default every time.
func TestMapRegexAnswersStayTheSameForRepeatedKeys(t *testing.T) {
	g := load(t, t.TempDir(), `
			map $http_user_agent $class {
				default             other;
				~*(bot|crawler)     crawler-$1;
				~^curl/(?<ver>\d+)  cli;
			}
			server {
				listen 80;
				location / { return 200 "$class $ver"; }
			}`)
	for round := 0; round < 3; round++ {
		for ua, want := range map[string]string{
			"Googlebot/2.1": "crawler-bot ",
			"curl/8.1":      "cli 8",
			"Firefox/128.0": "other ",
		} {
			req := gatewaytest.NewRequest("GET", "/")
			req.Header.Set("User-Agent", ua)
			resp := gatewaytest.Do(g, req)
			require.Equal(t, want, string(resp.Body), "round %d, %s", round, ua)
		}
	}
}

// nginx lowers map keys, and what it looks up, with ngx_tolower: ASCII
// letters only.
func TestKeysAreCaselessInASCIIOnly(t *testing.T) {
	g := load(t, t.TempDir(), `
    map $http_x_key $x {
        default   none;
        Mozilla   ascii;
        ÉTÉ       upper;
    }
    server {
        listen 80;
        location / { return 200 $x; }
    }`)
	for key, want := range map[string]string{"MOZILLA": "ascii", "mozilla": "ascii", "ÉTÉ": "upper", "éTÉ": "none", "été": "none"} {
		req := gatewaytest.NewRequest("GET", "/")
		req.Header.Add("X-Key", key)
		r := gatewaytest.Do(g, req)
		require.Equal(t, want, string(r.Body), key)
	}
}
