package conf

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
)

// loadText writes src to DIR/nginx.conf and loads it.
func loadText(t *testing.T, src string) (*Result, string, error) {
	t.Helper()
	dir := writeFiles(t, map[string]string{"nginx.conf": src})
	res, err := LoadFile(dir+"nginx.conf", Options{Prefix: dir})
	return res, dir + "nginx.conf", err
}

// inServer wraps directives into events{} http{ server{ listen; ... } }
// so that they start on line 4.
func inServer(s string) string {
	return "events {}\nhttp {\nserver { listen 127.0.0.1:80;\n" + s + "\n}\n}\n"
}

func TestDirectiveErrorsAsNginx(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"nosuch on;", `unknown directive "nosuch" in F:1`},
		{"listen 80;", `"listen" directive is not allowed here in F:1`},
		{"http { server {} }\nlocation / {}", `"location" directive is not allowed here in F:2`},
		{"daemon off {\n}", `directive "daemon" is not terminated by ";" in F:1`},
		{"events;", `directive "events" has no opening "{" in F:1`},
		{"daemon;", `invalid number of arguments in "daemon" directive in F:1`},
		{"daemon on off;", `invalid number of arguments in "daemon" directive in F:1`},
		{"daemon yes;", `invalid value "yes" in "daemon" directive, it must be "on" or "off" in F:1`},
		{"daemon ON;\ndaemon off;", `"daemon" directive is duplicate in F:2`},
		{"events {}\nevents {}", `"events" directive is duplicate in F:2`},
		{"http {}\nhttp {}", `"http" directive is duplicate in F:2`},
		{"events { worker_connections x; }", `invalid number "x" in F:1`},
		{"events { use kqueue2; }", `invalid event type "kqueue2" in F:1`},
		{"worker_processes 0x;", `"worker_processes" directive invalid value in F:1`},
		{"timer_resolution 1y;", `"timer_resolution" directive invalid value in F:1`},
		{"thread_pool p;", `invalid number of arguments in "thread_pool" directive in F:1`},
		{"thread_pool p max_queue=1;", `"thread_pool" must have "threads" parameter in F:1`},
		{"thread_pool p threads=x;", `invalid threads value "threads=x" in F:1`},
		{"http { server { server { } } }", `"server" directive is not allowed here in F:1`},
		{"http { keepalive_timeout 5 5 5; }", `invalid number of arguments in "keepalive_timeout" directive in F:1`},
		{"http { keepalive_timeout 5x; }", `"keepalive_timeout" directive invalid value in F:1`},
		{"http { keepalive_timeout 5; keepalive_timeout 6; }", `"keepalive_timeout" directive is duplicate in F:1`},
		{"http { client_max_body_size 1x; }", `"client_max_body_size" directive invalid value in F:1`},
		{"http { client_body_buffer_size 1g; }", `"client_body_buffer_size" directive invalid value in F:1`},
		{"http { server_tokens maybe; }", `invalid value "maybe" in F:1`},
		{"http { satisfy some; }", `invalid value "some" in F:1`},
		{"http { keepalive_disable opera; }", `invalid value "opera" in F:1`},
		{"http { max_ranges -1; }", `"max_ranges" directive invalid number in F:1`},
		{"http { connection_pool_size 100; }", `the pool size must be no less than 112 in F:1`},
		{"http { request_pool_size 4100; }", `the pool size must be a multiple of 16 in F:1`},
		{"http { large_client_header_buffers 0 8k; }", `"large_client_header_buffers" directive invalid value in F:1`},
		{"http { open_file_cache inactive=1m; }", `"open_file_cache" must have the "max" parameter in F:1`},
		{"http { open_file_cache max=0; }", `invalid "open_file_cache" parameter "max=0" in F:1`},
		{"http { disable_symlinks from=/x; }", `"disable_symlinks" must have "off", "on" or "if_not_owner" parameter in F:1`},
		{"http { disable_symlinks off from=/x; }", `"from=" cannot be used with "off" parameter in F:1`},
		{"http { aio sometimes; }", `"aio" directive invalid value in F:1`},
		{"http { resolver valid=x 127.0.0.1; }", `invalid parameter: valid=x in F:1`},
		{"http { resolver 127.0.0.1:0; }", `invalid port in resolver "127.0.0.1:0" in F:1`},
		{"http { resolver ipv4=off ipv6=off 127.0.0.1; }", `"ipv4" and "ipv6" cannot both be "off" in F:1`},
		{"http { resolver valid=1s; }", `no name servers defined in F:1`},
		{"http { types { text/html html { } } }", `unexpected "{" in F:1`},
		{"http {\nerror_page 404;\n}", `invalid number of arguments in "error_page" directive in F:2`},
		{"http { error_page =404 /x; }", `invalid value "=404" in F:1`},
		{"http { error_page 404 =x /x; }", `invalid value "=x" in F:1`},
		{"http { error_page 200 /x; }", `value "200" must be between 300 and 599 in F:1`},
		{"http { error_page 499 /x; }", `invalid value "499" in F:1`},
		{"http { error_page 4xx /x; }", `invalid value "4xx" in F:1`},
		{"http { error_page 404 /$nosuch; }", `unknown "nosuch" variable`},
		{"http { internal; }", `"internal" directive is not allowed here in F:1`},
		{"http { server { location / { internal; internal; } } }", `"internal" directive is duplicate in F:1`},
	} {
		_, file, err := loadText(t, tc.src)
		require.EqualError(t, err, strings.ReplaceAll(tc.want, "F:", file+":"), tc.src)
	}
}

func TestLocationErrorsAsNginx(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"location = /a { location /a/b {} }", `location "/a/b" cannot be inside the exact location "/a" in F:4`},
		{"location @a { location /a {} }", `location "/a" cannot be inside the named location "@a" in F:4`},
		{"location /a { location @b {} }", `named location "@b" can be on the server level only in F:4`},
		{"location /a { location /b {} }", `location "/b" is outside location "/a" in F:4`},
		{"location /a {}\nlocation /a {}", `duplicate location "/a" in F:5`},
		{"location /a {}\nlocation ^~ /a {}", `duplicate location "/a" in F:5`},
		{"location = /a {}\nlocation =/a {}", `duplicate location "/a" in F:5`},
		{"location ?? /a {}", `invalid location modifier "??" in F:4`},
		{"location ~ ( {}", `pcre2_compile() failed: missing closing parenthesis in "(" in F:4`},
		{"location / {}\nlocation", `unexpected "}" in F:6`},
		{"location /a;", `directive "location" has no opening "{" in F:4`},
		{"location / { limit_except GET {} limit_except POST {} }", `"limit_except" directive is duplicate in F:4`},
		{"location / { limit_except FETCH {} }", `invalid method "FETCH" in F:4`},
		{"location / { limit_except GET { location /x {} } }", `"location" directive is not allowed here in F:4`},
		{"limit_except GET {}", `"limit_except" directive is not allowed here in F:4`},
	} {
		_, file, err := loadText(t, inServer(tc.src))
		require.EqualError(t, err, strings.ReplaceAll(tc.want, "F:", file+":"), tc.src)
	}
}

func TestListenAndServerNameErrorsAsNginx(t *testing.T) {
	resolveHost = func(h string) ([]netip.Addr, error) {
		if h == "localhost" {
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		}
		return nil, errors.New("no such host")
	}
	defer func() { resolveHost = defaultResolveHost }()
	for _, tc := range []struct{ src, want string }{
		{"server { listen 0; }", `invalid port in "0" of the "listen" directive in F:2`},
		{"server { listen 127.0.0.1:70000; }", `invalid port in "127.0.0.1:70000" of the "listen" directive in F:2`},
		{"server { listen [::1]:x; }", `invalid port in "[::1]:x" of the "listen" directive in F:2`},
		{"server { listen [::1; }", `invalid host in "[::1" of the "listen" directive in F:2`},
		{"server { listen [zz]:80; }", `invalid IPv6 address in "[zz]:80" of the "listen" directive in F:2`},
		{"server { listen :80; }", `no host in ":80" of the "listen" directive in F:2`},
		{"server { listen 80/x; }", `invalid host in "80/x" of the "listen" directive in F:2`},
		{"server { listen 8090-8080; }", `invalid port range in "8090-8080" of the "listen" directive in F:2`},
		{"server { listen unix:; }", `no path in the unix domain socket in "unix:" of the "listen" directive in F:2`},
		{"server { listen nosuch.invalid:80; }", `host not found in "nosuch.invalid:80" of the "listen" directive in F:2`},
		{"server { listen 80 fast; }", `invalid parameter "fast" in F:2`},
		{"server { listen 80 backlog=0; }", `invalid backlog "backlog=0" in F:2`},
		{"server { listen 80 rcvbuf=x; }", `invalid rcvbuf "rcvbuf=x" in F:2`},
		{"server { listen [::]:80 ipv6only=of; }", `invalid ipv6only flags "of" in F:2`},
		{"server { listen 80 so_keepalive=x; }", `invalid so_keepalive value: "x" in F:2`},
		{"server { listen 443 quic backlog=10; }", `"listen" directive "backlog" parameter is incompatible with "quic" in F:2`},
		{"server { listen 80; listen 80; }", `a duplicate listen 0.0.0.0:80 in F:2`},
		{"server { listen 80; listen *:80; }", `a duplicate listen 0.0.0.0:80 in F:2`},
		{"server { listen 127.0.0.1:80; listen localhost; }", `a duplicate listen 127.0.0.1:80 in F:2`},
		{"server { listen 80 default_server; }\nserver { listen 80 default; }", `a duplicate default server for 0.0.0.0:80 in F:3`},
		{"server { listen 80 backlog=10; }\nserver { listen 80 reuseport; }", `duplicate listen options for 0.0.0.0:80 in F:3`},
		{"server { server_name *x; }", `server name "*x" is invalid in F:2`},
		{"server { server_name .; }", `server name "." is invalid in F:2`},
		{"server { server_name ~; }", `empty regex in server name "~" in F:2`},
		{"server { server_name ~(x; }", `pcre2_compile() failed: missing closing parenthesis in "(x" in F:2`},
		{"server { server_name; }", `invalid number of arguments in "server_name" directive in F:2`},
	} {
		_, file, err := loadText(t, "events {}\nhttp {"+tc.src+"\n}\n")
		require.EqualError(t, err, strings.ReplaceAll(tc.want, "F:", file+":"), tc.src)
	}
}

func TestListenForms(t *testing.T) {
	resolveHost = func(h string) ([]netip.Addr, error) {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}, nil
	}
	defer func() { resolveHost = defaultResolveHost }()
	res, err := LoadString(`http { server {
		listen 8080;
		listen *:8081 default_server ssl http2 proxy_protocol;
		listen 127.0.0.1;
		listen 0.0.0.0:8082;
		listen [::]:8083 ipv6only=off;
		listen [::1];
		listen unix:/tmp/x.sock;
		listen localhost:8084 reuseport backlog=100 rcvbuf=8k sndbuf=1m so_keepalive=30m::10 fastopen=5 deferred;
		listen 9000-9002;
		listen 443 quic;
	} }`, Options{})
	require.NoError(t, err)
	var addrs []string
	for _, l := range res.Config.Servers[0].Listens {
		addrs = append(addrs, l.Addr)
	}
	require.Equal(t, []string{"*:8080", "*:8081", "127.0.0.1:80", "*:8082", "[::]:8083", "[::1]:80", "unix:/tmp/x.sock",
		"127.0.0.1:8084", "[::1]:8084", "*:9000", "*:9001", "*:9002"}, addrs)
	l := res.Config.Servers[0].Listens[1]
	require.True(t, l.DefaultServer && l.SSL && l.HTTP2 && l.ProxyProtocol)
	ext := ExtraOf(res.Config)
	o := ext.Listens["127.0.0.1:8084"]
	require.Equal(t, "127.0.0.1:8084", o.Text)
	require.True(t, o.ReusePort && o.Bind && o.Deferred)
	require.Equal(t, 100, o.Backlog)
	require.Equal(t, 8192, o.RcvBuf)
	require.Equal(t, 1<<20, o.SndBuf)
	require.Equal(t, 1, o.SoKeepalive)
	require.Equal(t, 30*time.Minute, o.KeepIdle)
	require.Equal(t, 10, o.KeepCnt)
	require.Equal(t, 5, o.FastOpen)
	require.False(t, ext.Listens["[::]:8083"].IPv6Only)
	require.Equal(t, "0.0.0.0:8080", ext.Listens["*:8080"].Text)
	require.True(t, ext.Listens["quic *:443"].QUIC)
	require.Len(t, res.Builder.Warnings, 1) // listen ... http2 is deprecated
}

func TestServerWithoutListenGetsNginxDefault(t *testing.T) {
	defer func() { euid = defaultEuid }()
	for uid, want := range map[int]string{0: "*:80", 1000: "*:8000"} {
		euid = func() int { return uid }
		res, err := LoadString("http { server { } }", Options{})
		require.NoError(t, err)
		require.Equal(t, []gateway.Listen{{Addr: want, Backlog: listenBacklog}}, res.Config.Servers[0].Listens)
	}
}

func TestServerNames(t *testing.T) {
	hostname = func() (string, error) { return "Host1", nil }
	defer func() { hostname = defaultHostname }()
	res, err := LoadString(`http { server { server_name Example.COM *.Example.com www.example.* .ex.org "" $hostname ~^(?<sub>\w+)\.X\.net$; } }`, Options{})
	require.NoError(t, err)
	require.Equal(t, []string{"example.com", "*.example.com", "www.example.*", ".ex.org", "", "host1", `~^(?<sub>\w+)\.X\.net$`}, res.Config.Servers[0].Names)
}

const multiServer = `
user nobody nogroup;
worker_processes auto;
pid logs/x.pid;
load_module modules/njt_http_location_module.so;
helper ctrl modules/njt_helper_ctrl_module.so conf/njet_ctrl.conf;
helper broker modules/njt_helper_broker_module.so conf/mqtt.conf { x y; }
cluster_name helper;
node_name node1;
env TZ;
env A=b;
thread_pool p1 threads=4 max_queue=10;
events { worker_connections 2048; use epoll; multi_accept on; }
http {
	client_max_body_size 2m;
	keepalive_timeout 30s 20;
	server_tokens off;
	types { text/html html htm; application/json json; }
	default_type application/octet-stream;
	error_page 500 502 /50x.html;
	server {
		listen 127.0.0.1:8080 default_server;
		server_name a.example;
		client_max_body_size 0;
		location / {
			location /api/ {
				keepalive_timeout 0;
				error_page 404 = @fallback;
			}
			location ~* \.(png|jpg)$ { }
		}
		location = /ping { internal; }
		location ^~ /static/ { types { text/css css; } }
		location @fallback { }
		location /up/ { client_max_body_size 1k; limit_except GET POST { } }
	}
	server {
		listen 127.0.0.1:8080;
		server_name b.example;
		merge_slashes off;
		underscores_in_headers on;
		error_page 404 =301 http://example.com/;
		client_header_timeout 5s;
		large_client_header_buffers 8 16k;
	}
}
`

func TestMultiServerConfigBuildsServersAndLocations(t *testing.T) {
	defer func() { euid = defaultEuid }()
	euid = func() int { return 1000 }
	res, _, err := loadText(t, multiServer)
	require.NoError(t, err)
	cfg := res.Config
	require.Len(t, cfg.Servers, 2)
	a, b := cfg.Servers[0], cfg.Servers[1]
	require.Equal(t, []string{"a.example"}, a.Names)
	require.Equal(t, []gateway.Listen{{Addr: "127.0.0.1:8080", DefaultServer: true, Backlog: listenBacklog}}, a.Listens)
	require.Equal(t, []string{"b.example"}, b.Names)
	require.True(t, a.MergeSlashes)
	require.False(t, a.UnderscoresInHeaders)
	require.True(t, a.IgnoreInvalidHeaders)
	require.False(t, b.MergeSlashes)
	require.True(t, b.UnderscoresInHeaders)

	type locInfo struct {
		name  string
		match gateway.MatchKind
	}
	var top []locInfo
	for _, l := range a.Root.Children {
		top = append(top, locInfo{l.Name, l.Match})
		require.Same(t, a.Root, l.Parent)
		require.Same(t, a, l.Server)
	}
	require.Equal(t, []locInfo{
		{"/", gateway.MatchPrefix}, {"/ping", gateway.MatchExact}, {"/static/", gateway.MatchPrefixNoRegex},
		{"fallback", gateway.MatchNamed}, {"/up/", gateway.MatchPrefix},
	}, top)
	root := a.Root.Children[0]
	require.Len(t, root.Children, 2)
	api, img := root.Children[0], root.Children[1]
	require.Equal(t, "/api/", api.Name)
	require.Same(t, root, api.Parent)
	require.Equal(t, gateway.MatchRegexCaseless, img.Match)
	require.True(t, img.Regex.MatchString("/X.PNG"))
	require.True(t, a.Root.Children[1].Core.Internal)
	require.False(t, root.Core.Internal)

	up := a.Root.Children[4]
	require.NotNil(t, up.LimitExcept)
	require.Equal(t, []string{"GET", "POST"}, up.LimitExceptMethods)
	require.Equal(t, gateway.MatchLimitExcept, up.LimitExcept.Match)
	require.Equal(t, int64(1024), up.LimitExcept.Core.ClientMaxBodySize)
	require.Equal(t, int64(1024), up.Core.ClientMaxBodySize)
	require.Equal(t, int64(0), root.Core.ClientMaxBodySize)
	require.NotNil(t, SettingsOf(up.LimitExcept))

	m := res.Builder.Main
	require.Equal(t, "auto", m.WorkerProcesses)
	require.Equal(t, "logs/x.pid", m.PidFile)
	require.Equal(t, 2048, m.WorkerConnections)
	require.Equal(t, "epoll", m.EventsUse)
	require.True(t, m.MultiAccept)
	require.True(t, m.Daemon)
	require.Equal(t, []string{"modules/njt_http_location_module.so"}, m.Modules)
	require.Len(t, m.Helpers, 2)
	require.Equal(t, HelperSpec{Name: "ctrl", Module: "modules/njt_helper_ctrl_module.so", Conf: "conf/njet_ctrl.conf", Args: []string{}, Node: m.Helpers[0].Node}, m.Helpers[0])
	require.Equal(t, "x", m.Helpers[1].Block[0].Name)
	require.Equal(t, "helper", m.ClusterName)
	require.Equal(t, "node1", m.NodeName)
	require.Equal(t, []string{"TZ", "A=b"}, m.Env)
	require.Equal(t, []ThreadPool{{Name: "p1", Threads: 4, MaxQueue: 10}}, m.ThreadPools)
	require.Len(t, res.Builder.Warnings, 1) // user without root
}

func TestMergeInheritsFromHTTPToServerToLocation(t *testing.T) {
	res, _, err := loadText(t, multiServer)
	require.NoError(t, err)
	a, b := res.Config.Servers[0], res.Config.Servers[1]
	root, api := a.Root.Children[0], a.Root.Children[0].Children[0]
	static := a.Root.Children[2]

	// Set in http, inherited everywhere below unless overridden.
	for _, l := range []*gateway.Location{a.Root, root, api, static, b.Root} {
		require.Equal(t, "off", l.Core.ServerTokens)
		require.Equal(t, "application/octet-stream", l.Core.DefaultType)
	}
	require.Equal(t, int64(2<<20), b.Root.Core.ClientMaxBodySize)
	require.Equal(t, int64(0), a.Root.Core.ClientMaxBodySize)
	require.Equal(t, int64(0), api.Core.ClientMaxBodySize)

	require.Equal(t, 30*time.Second, root.Core.KeepaliveTimeout)
	require.Equal(t, 20*time.Second, SettingsOf(root).KeepaliveHeader)
	require.Equal(t, time.Duration(0), api.Core.KeepaliveTimeout)
	require.Equal(t, time.Duration(0), SettingsOf(api).KeepaliveHeader)

	// types: a level with a types block does not inherit the others.
	require.Equal(t, map[string]string{"html": "text/html", "htm": "text/html", "json": "application/json"}, root.Core.Types)
	require.Equal(t, map[string]string{"css": "text/css"}, static.Core.Types)

	// error_page: a level with its own list replaces its parent's.
	require.Len(t, root.Core.ErrorPages, 2)
	require.Equal(t, []int{500}, root.Core.ErrorPages[0].Codes)
	require.Equal(t, []int{502}, root.Core.ErrorPages[1].Codes)
	require.Equal(t, "/50x.html", root.Core.ErrorPages[0].URI.Raw())
	require.Equal(t, []gateway.ErrorPage{{Codes: []int{404}, Override: -1, URI: api.Core.ErrorPages[0].URI}}, api.Core.ErrorPages)
	require.Equal(t, "@fallback", api.Core.ErrorPages[0].URI.Raw())
	require.Equal(t, 301, b.Root.Core.ErrorPages[0].Override)

	// Defaults where nothing is set.
	s := SettingsOf(b.Root)
	require.Equal(t, 5*time.Second, s.ClientHeaderTimeout)
	require.Equal(t, Bufs{8, 16384}, s.LargeClientHeaderBuffers)
	sa := SettingsOf(a.Root)
	require.Equal(t, 60*time.Second, sa.ClientHeaderTimeout)
	require.Equal(t, Bufs{4, 8192}, sa.LargeClientHeaderBuffers)
	require.Equal(t, int64(8192), sa.ClientBodyBufferSize)
	require.True(t, sa.TCPNodelay)
	require.True(t, sa.KeepaliveDisableMSIE6)
	require.Equal(t, time.Hour, sa.KeepaliveTime)
	require.Equal(t, res.Builder.Prefix+"client_body_temp", sa.ClientBodyTempPath)
	require.Equal(t, int64(-1), sa.Directio)
	require.Equal(t, 1000, root.Core.KeepaliveRequests)
	require.Equal(t, -1, root.Core.MaxRanges)
	require.True(t, root.Core.Etag)
	require.Equal(t, HTTPMain{1024, 64, 512, 64}, ExtraOf(res.Config).HTTP)
}

func TestNginxDefaultTypesWithoutTypesBlock(t *testing.T) {
	res, err := LoadString("http { server { location / {} } }", Options{})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"html": "text/html", "gif": "image/gif", "jpg": "image/jpeg"}, res.Config.Servers[0].Root.Children[0].Core.Types)
}

func TestTypesWarnsOnDuplicateExtension(t *testing.T) {
	res, err := LoadString("http {\ntypes { text/html html; text/plain HTML; }\n}", Options{})
	require.NoError(t, err)
	require.Equal(t, []string{`duplicate extension "html", content type: "text/plain", previous content type: "text/html" in line 2`}, res.Builder.Warnings)
}

func TestErrorPageForms(t *testing.T) {
	res, err := LoadString(`http { server {
		error_page 404 /404.html;
		error_page 500 =200 /e?x=1;
		error_page 497 https://$host$request_uri;
		error_page 502 503 = @up;
	} }`, Options{})
	require.NoError(t, err)
	var got []string
	for _, ep := range res.Config.Servers[0].Root.Core.ErrorPages {
		got = append(got, strings.TrimSpace(strings.Join([]string{strconv.Itoa(ep.Codes[0]), strconv.Itoa(ep.Override), ep.URI.Raw()}, " ")))
	}
	require.Equal(t, []string{"404 0 /404.html", "500 200 /e?x=1", "497 400 https://$host$request_uri", "502 -1 @up", "503 -1 @up"}, got)
}

func TestApplyRunsForEveryLocationParentsFirst(t *testing.T) {
	var order []string
	var finished int
	m := Register(&Module{
		Name:    "apply-order-test",
		NewConf: func() any { return new(string) },
		Merge: func(p, c any) error {
			if *c.(*string) == "" {
				*c.(*string) = *p.(*string)
			}
			return nil
		},
		Apply: func(b *Builder, loc *gateway.Location, c any) error {
			order = append(order, loc.Name+"="+*c.(*string))
			return nil
		},
		Finish: func(*Builder) error { finished++; return nil },
	})
	m.Directives = nil
	_, err := LoadString(`http { server { location /a { location /a/b {} limit_except GET {} } location /c {} } server {} }`, Options{})
	require.NoError(t, err)
	require.Equal(t, []string{"=", "/a=", "/a/b=", "/a=", "/c=", "="}, order)
	require.Equal(t, 1, finished)
}

func TestHTTPSettingsAfterServersAreInheritedToo(t *testing.T) {
	res, err := LoadString("http { server { location / {} } client_max_body_size 3m; }", Options{})
	require.NoError(t, err)
	require.Equal(t, int64(3<<20), res.Config.Servers[0].Root.Children[0].Core.ClientMaxBodySize)
}

func TestConflictingServerNamesWarnAsNginx(t *testing.T) {
	res, err := LoadString(`http {
		server { listen 127.0.0.1:80; server_name a B; }
		server { listen 127.0.0.1:80; server_name b c; }
		server { listen 127.0.0.1:81; server_name a; }
		server { listen 127.0.0.1:81; }
		server { listen 127.0.0.1:81; }
	}`, Options{})
	require.NoError(t, err)
	require.Equal(t, []string{
		`conflicting server name "b" on 127.0.0.1:80, ignored`,
		`conflicting server name "" on 127.0.0.1:81, ignored`,
	}, res.Builder.Warnings)
}
