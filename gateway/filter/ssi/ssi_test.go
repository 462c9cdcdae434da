package ssi_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
	"github.com/gonjet/gonjet/gateway/filter/ssi"
	"github.com/gonjet/gonjet/gateway/gatewaytest"

	_ "github.com/gonjet/gonjet/gateway/filter/headers"
	_ "github.com/gonjet/gonjet/gateway/filter/rewrite"
	_ "github.com/gonjet/gonjet/gateway/static"
)

// logRecorder keeps the error-log messages of a test.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logRecorder) Enabled(gateway.Level) bool { return true }

func (l *logRecorder) Log(_ gateway.Level, _ uint64, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// without ", client: ..." and what follows
	if i := strings.Index(msg, ", client: "); i >= 0 {
		msg = msg[:i]
	}
	l.msgs = append(l.msgs, msg)
}

func (l *logRecorder) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := l.msgs
	l.msgs = nil
	return m
}

// load builds a gateway from the server{} body given, with ssi on for
// the whole server and files served from a directory holding files, and
// records its error log. Documents with variables are files: "return"
// would replace their variables itself.
func load(t *testing.T, files map[string]string, server string) (*gateway.Gateway, *logRecorder) {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		path := filepath.Join(root, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	}
	return loadHTTP(t, "ssi on;\nserver {\nlisten 80;\nserver_name localhost;\nroot "+root+";\n"+server+"\n}\n")
}

func loadHTTP(t *testing.T, http string) (*gateway.Gateway, *logRecorder) {
	t.Helper()
	prefix := t.TempDir() + "/"
	require.NoError(t, os.Mkdir(prefix+"logs", 0o755))
	res, err := conf.LoadString("http {\n"+http+"\n}\n", conf.Options{Prefix: prefix})
	require.NoError(t, err)
	logs := &logRecorder{}
	res.Config.ErrorLog = logs
	for _, srv := range res.Config.Servers {
		clearLogs(srv.Root)
	}
	return gatewaytest.Serve(t, res.Config), logs
}

// clearLogs makes every location log to the configuration's logger.
func clearLogs(loc *gateway.Location) {
	loc.ErrorLog = nil
	for _, c := range loc.Children {
		clearLogs(c)
	}
}

func body(t *testing.T, g *gateway.Gateway, target string) string {
	t.Helper()
	r := gatewaytest.Get(t, g, target)
	require.Equal(t, 200, r.Status, target)
	return string(r.Body)
}

func TestEchoPrintsVariablesWithTheirEncoding(t *testing.T) {
	g, _ := load(t, map[string]string{
		"echo.html":         `X<!--#echo var="arg_test" -->X`,
		"default.html":      `X<!--#echo var="arg_test" default="no" -->X`,
		"emptydefault.html": `X<!--#echo var="arg_test" default="" -->X`,
		"enc.html": `X<!--#set var="v" value="<a&b \"c\">" -->
<!--#echo var="v" -->
<!--#echo var="v" encoding="none" -->
<!--#echo var="v" -->
<!--#echo var="v" encoding="url" -->
<!--#echo var="v" encoding="bogus" -->
<!--#echo var="v" encoding="entity" -->X`,
	}, "")
	tests := map[string]string{
		"/echo.html":                  "X(none)X",
		"/echo.html?test=":            "XX",
		"/echo.html?a=b&test=val&c=d": "XvalX",
		"/echo.html?test=%3Cb%3E":     "X%3Cb%3EX",
		"/default.html":               "XnoX",
		"/default.html?test=":         "XX",
		"/default.html?test=t":        "XtX",
		"/emptydefault.html":          "XX",
		// the encoding stays for the echos that follow
		"/enc.html": "X\n&lt;a&amp;b &quot;c&quot;&gt;\n<a&b \"c\">\n<a&b \"c\">\n%3Ca&b%20%22c%22%3E\n%3Ca&b%20%22c%22%3E\n&lt;a&amp;b &quot;c&quot;&gt;X",
	}
	for target, want := range tests {
		require.Equal(t, want, body(t, g, target), target)
	}
}

func TestSetInterpolatesVariablesAndEscapes(t *testing.T) {
	g, logs := load(t, map[string]string{
		"set.html": `<!--#set var="a" value="[$arg_x]" --><!--#set var="B" value="${a}-\$a-\\-\n" --><!--#echo var="b" encoding="none" -->`,
		"bad.html": `<!--#set var="a" value="${arg_x" -->|<!--#set var="a" value="x$" -->|<!--#set var="a" value="$-" -->`,
	}, "")
	require.Equal(t, `[1]-$a-\-\n`, body(t, g, "/set.html?x=1"))
	logs.take()

	const errmsg = "[an error occurred while processing the directive]"
	require.Equal(t, errmsg+"|"+errmsg+"|"+errmsg, body(t, g, "/bad.html"))
	require.Equal(t, []string{
		`the closing bracket in "arg_x" variable is missing`,
		`invalid variable name in "x$"`,
		`invalid variable name in "$-"`,
	}, logs.take())
}

func TestIncludeRunsSubrequestsInPlace(t *testing.T) {
	g, _ := load(t, map[string]string{
		"page.html":     `A<!--#include virtual="/part?n=1" -->B<!--#include virtual="part?n=$arg_m" -->C`,
		"dir/page.html": `[<!--#include virtual="sub.html?x=1" -->]`,
		"nested.html":   `n<!--#include virtual="/dir/page.html" -->n`,
		"missing.html":  `m<!--#include virtual="/none" -->m`,
		"escaped.html":  `<!--#include virtual="/tes%741.html?a=b" -->`,
		"test1.html":    `T<!--#echo var="args" -->`,
		"loop.html":     `(<!--#include virtual="/loop.html" -->)`,
	}, `
        location /part { return 200 '<$uri:$args>'; }
        location = /dir/sub.html { return 200 'sub $uri $args'; }`)
	require.Equal(t, "A</part:n=1>B</part:n=7>C", body(t, g, "/page.html?m=7"))
	require.Equal(t, "[sub /dir/sub.html x=1]", body(t, g, "/dir/page.html"))
	require.Equal(t, "n[sub /dir/sub.html x=1]n", body(t, g, "/nested.html"))
	missing := body(t, g, "/missing.html")
	require.True(t, strings.HasPrefix(missing, "m<html>"), missing)
	require.Contains(t, missing, "404 Not Found")
	require.Equal(t, "Ta=b", body(t, g, "/escaped.html"))

	// a page including itself stops at the subrequest depth limit
	const e = "[an error occurred while processing the directive]"
	require.Equal(t, strings.Repeat("(", 51)+e+strings.Repeat(")", 51), body(t, g, "/loop.html"))
}

func TestIncludedPagesShareTheSSIVariables(t *testing.T) {
	g, _ := load(t, map[string]string{
		"main.html": `<!--#set var="who" value="main" --><!--#include virtual="/inc.html" -->:<!--#echo var="who" -->`,
		"inc.html":  `(<!--#echo var="who" --><!--#set var="who" value="inc" -->)`,
	}, "")
	require.Equal(t, "(main):inc", body(t, g, "/main.html"))
}

func TestIncludeSetStoresTheBodyInAVariable(t *testing.T) {
	g, _ := load(t, map[string]string{
		"set.html": `<!--#include virtual="/val" set="one" -->[<!--#echo var="one" -->]<!--#include virtual="/fail" set="one" -->[<!--#echo var="one" -->]<!--#include virtual="/fail" set="two" -->[<!--#echo var="two" -->]`,
	}, `
        location /val { return 200 'SEE-THIS'; }
        location /fail { return 404; }`)
	// a failed subrequest leaves a set variable as it was; a new one is
	// empty
	require.Equal(t, "[SEE-THIS][SEE-THIS][]", body(t, g, "/set.html"))
}

func TestIncludeStubReplacesFailedOrEmptyIncludes(t *testing.T) {
	g, logs := load(t, map[string]string{
		"stub.html":   `<!--#block name="one" -->STUB<!--#if expr="$arg_if" -->IF<!--#else -->ELSE<!--#endif --><!--#endblock -->x<!--#include virtual="/404?$args" stub="one" -->x<!--#include virtual="/empty" stub="one" -->x<!--#include virtual="/ok" stub="one" -->x`,
		"nostub.html": `<!--#include virtual="/ok" stub="none" -->`,
	}, `
        location /ok { return 200 'OK'; }
        location /empty { return 204; }`)
	// the stub runs in the subrequest, with its arguments
	require.Equal(t, "xSTUBELSExSTUBELSExOKx", body(t, g, "/stub.html"))
	require.Equal(t, "xSTUBIFxSTUBELSExOKx", body(t, g, "/stub.html?if=1"))
	logs.take()
	require.Equal(t, "[an error occurred while processing the directive]", body(t, g, "/nostub.html"))
	require.Equal(t, []string{`"stub"="none" for "include" not found`}, logs.take())
}

func TestIfElifElseChooseOneBranch(t *testing.T) {
	g, _ := load(t, map[string]string{
		"if.html":      `x<!--#if expr="$arg_if" -->IF<!--#elif expr="$arg_elif" -->ELIF<!--#else -->ELSE<!--#endif -->x`,
		"eq.html":      `x<!--#if expr="$arg_v = equal" -->OK<!--#endif -->x`,
		"neq.html":     `x<!--#if expr="equal != $arg_v" -->OK<!--#endif -->x`,
		"re.html":      `x<!--#if expr="$arg_v = /re+gexp?/" -->OK<!--#endif -->x`,
		"nre.html":     `x<!--#if expr="$arg_v != /re+gexp?/" -->OK<!--#endif -->x`,
		"complex.html": `x<!--#if expr="$arg_v = var$arg_v2" -->OK<!--#endif -->x`,
		"cap.html":     `x<!--#if expr="$arg_v = /(CAP\d).*(CAP\d)/" --><!--#echo var="1" -->x<!--#echo var="2" --><!--#endif -->x`,
		"ncap.html":    `x<!--#if expr="$arg_v = /(?P<ncap>HERE)/" --><!--#echo var="ncap" --><!--#endif -->x`,
		"multi.html":   `x<!--#if expr="$arg_1" -->IF1<!--#else -->ELSE1<!--#endif -->x<!--#if expr="$arg_2" -->IF2<!--#else -->ELSE2<!--#endif -->x`,
		"config.html":  `x<!--#if expr="$arg_if" --><!--#config timefmt="IF" --><!--#set var="v" value="$date_gmt" --><!--#echo var="v" --><!--#else --><!--#config timefmt="ELSE" --><!--#set var="v" value="$date_gmt" --><!--#echo var="v" --><!--#endif -->x`,
		"block.html":   `<!--#if expr="$arg_if" --><!--#block name="one" -->IF<!--#endblock --><!--#else --><!--#block name="one" -->ELSE<!--#endblock --><!--#endif -->x<!--#include virtual="/404" stub="one" -->x`,
	}, "")
	tests := map[string]string{
		"/if.html?if=1":                   "xIFx",
		"/if.html?if=1&elif=1":            "xIFx",
		"/if.html?elif=1":                 "xELIFx",
		"/if.html":                        "xELSEx",
		"/eq.html?v=equal":                "xOKx",
		"/eq.html?v=notequal":             "xx",
		"/neq.html?v=notequal":            "xOKx",
		"/neq.html?v=equal":               "xx",
		"/re.html?v=XreeeegexX":           "xOKx",
		"/re.html?v=XrgxX":                "xx",
		"/nre.html?v=XrgxX":               "xOKx",
		"/nre.html?v=XreeeegexX":          "xx",
		"/complex.html?v=varHERE&v2=HERE": "xOKx",
		"/cap.html?v=hereCAP1andCAP2":     "xCAP1xCAP2x",
		"/ncap.html?v=captureHEREeee":     "xHEREx",
		"/multi.html?1=t":                 "xIF1xELSE2x",
		"/multi.html?2=t":                 "xELSE1xIF2x",
		"/config.html?if=1":               "xIFx",
		"/config.html":                    "xELSEx",
		"/block.html?if=1":                "xIFx",
		"/block.html":                     "xELSEx",
	}
	for target, want := range tests {
		require.Equal(t, want, body(t, g, target), target)
	}
}

func TestErrorsPrintTheErrorMessageUnlessSilent(t *testing.T) {
	const doc = `x<!--#bogus -->x<!--#echo -->x<!--#echo var="a" var="b" -->x<!--#echo var="a" foo="b" -->x<!--#else -->x<!--#if expr="x" --><!--#if expr="$b" --><!--#endif -->x<!--#if expr="$a $b" -->x<!--#config errmsg="[oops]" --><!--#echo bad -->x<!--#include virtual="/a" file="/b" -->x<!--#include -->x`
	g, logs := load(t, map[string]string{"err.html": doc, "silent/err.html": doc}, `location /silent/ { ssi_silent_errors on; }`)
	const e = "[an error occurred while processing the directive]"
	require.Equal(t, "x"+e+"x"+e+"x"+e+"x"+e+"x"+e+"x"+e+"x"+e+"x[oops]x[oops]x[oops]x", body(t, g, "/err.html"))
	require.Equal(t, []string{
		`invalid SSI command: "bogus"`,
		`mandatory "var" parameter is absent in "echo" SSI command`,
		`duplicate "var" parameter in "echo" SSI command`,
		`invalid parameter name: "foo" in "echo" SSI command`,
		`invalid context of SSI command: "else"`,
		`the "if" command inside the "if" command`,
		`invalid expression in "$a $b"`,
		`unexpected "-" symbol after "bad" parameter in "echo" SSI command`,
		`inlcusion may be either virtual="/a" or file="/b"`,
		`no parameter in "include" SSI command`,
	}, logs.take())
	require.Equal(t, "xxxxxxxxxxx", body(t, g, "/silent/err.html"))
}

func TestHeaderFilterClearsLengthAndValidators(t *testing.T) {
	page := func(c *gateway.Ctx) gateway.Result {
		c.Status = 200
		h := &c.RespHeader
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Length", "30")
		h.Set("Last-Modified", "Mon, 28 Sep 1970 06:00:00 GMT")
		h.Set("ETag", `"abc"`)
		h.Set("Accept-Ranges", "bytes")
		c.WriteString(`<!--#echo var="uri" -->`)
		return gateway.Done()
	}
	plain := func(c *gateway.Ctx) gateway.Result {
		return c.Send(200, "text/plain", []byte(`<!--#echo var="uri" -->`))
	}
	g := serve(t, map[string]gateway.FilterFunc{"/page": page, "/plain": plain}, ssi.DefaultConfig())
	r := gatewaytest.Get(t, g, "/page")
	require.Equal(t, "/page", string(r.Body))
	for _, name := range []string{"Content-Length", "Last-Modified", "ETag", "Accept-Ranges"} {
		require.False(t, r.Header.Has(name), name)
	}
	r = gatewaytest.Get(t, g, "/plain")
	require.Equal(t, `<!--#echo var="uri" -->`, string(r.Body))
	require.Equal(t, "23", r.Header.Get("Content-Length"))

	cfg := ssi.DefaultConfig()
	cfg.LastModified = true
	cfg.Types = []string{"Text/Plain"}
	g = serve(t, map[string]gateway.FilterFunc{"/page": page, "/plain": plain}, cfg)
	r = gatewaytest.Get(t, g, "/page")
	require.Equal(t, `W/"abc"`, r.Header.Get("ETag"))
	require.Equal(t, "Mon, 28 Sep 1970 06:00:00 GMT", r.Header.Get("Last-Modified"))
	require.False(t, r.Header.Has("Content-Length"))
	require.Equal(t, "/plain", string(gatewaytest.Get(t, g, "/plain").Body))
}

// serve builds a server whose locations answer with handlers, all with
// an SSI filter of cfg.
func serve(t *testing.T, handlers map[string]gateway.FilterFunc, cfg ssi.Config) *gateway.Gateway {
	t.Helper()
	f, err := ssi.New(cfg)
	require.NoError(t, err)
	srv := &gateway.Server{Listens: []gateway.Listen{{Addr: gatewaytest.DefaultListen}}, Root: gateway.NewLocation(gateway.MatchServer, "")}
	for name, h := range handlers {
		loc := gateway.NewLocation(gateway.MatchPrefix, name)
		loc.Content = h
		f.Install(loc)
		srv.Root.Add(loc)
	}
	return gatewaytest.Serve(t, &gateway.Config{Servers: []*gateway.Server{srv}})
}

func TestCommandsSplitAcrossWritesAreFound(t *testing.T) {
	const doc = `a<!--#set var="v" value="$arg_x" -->b<<!--#echo var="v" -->c<!-- c --><!--#if expr="$v = 1" -->one<!--#else -->other<!--#endif -->d<!-`
	for size := 1; size <= len(doc); size++ {
		pieces := func(c *gateway.Ctx) gateway.Result {
			c.Status = 200
			c.RespHeader.Set("Content-Type", "text/html")
			for i := 0; i < len(doc); i += size {
				c.WriteString(doc[i:min(i+size, len(doc))])
				c.Flush()
			}
			return gateway.Done()
		}
		g := serve(t, map[string]gateway.FilterFunc{"/": pieces}, ssi.DefaultConfig())
		require.Equal(t, "ab<1c<!-- c -->oned", body(t, g, "/?x=1"), "pieces of %d", size)
	}
}

func TestDateVariablesFollowTheTimeFormat(t *testing.T) {
	g, _ := load(t, map[string]string{
		"date.html": `<!--#config timefmt="%Y" --><!--#echo var="date_gmt" -->|<!--#config timefmt="%s" --><!--#echo var="date_local" -->`,
	}, `location = /hdr.html { add_header X-Date "x${date_gmt}x"; return 200 'ok'; }`)
	before := time.Now().UTC().Year()
	parts := strings.Split(body(t, g, "/date.html"), "|")
	after := time.Now().UTC().Year()
	require.Len(t, parts, 2)
	require.Contains(t, []string{fmt.Sprint(before), fmt.Sprint(after)}, parts[0])
	require.Regexp(t, `^\d{10}$`, parts[1])
	r := gatewaytest.Get(t, g, "/hdr.html")
	require.Regexp(t, `^x\w+, \d\d-\w+-\d{4} \d\d:\d\d:\d\d GMTx$`, r.Header.Get("X-Date"))
}

func TestBlocksKeepTheirCommandsForTheStub(t *testing.T) {
	g, _ := load(t, map[string]string{
		"b.html": `<!--#block name="b" -->[<!--#echo var="arg_x" -->]<!--#endblock -->1<!--#include virtual="/404?$args" stub="b" -->2<!--#include virtual="/404?x=z" stub="b" -->`,
	}, "")
	require.Equal(t, "1[y]2[z]", body(t, g, "/b.html?x=y"))
}

func TestValueLengthBoundsParameterValues(t *testing.T) {
	g, logs := load(t, map[string]string{"v.html": `<!--#echo var="uri" -->|<!--#echo var="args" -->`}, "ssi_value_length 3;")
	require.Equal(t, "/v.html|[an error occurred while processing the directive]", body(t, g, "/v.html?a"))
	require.Equal(t, []string{`too long "args..." value of "var" parameter in "echo" SSI command`}, logs.take())
}

func TestDirectivesAreCheckedAsNginxDoes(t *testing.T) {
	tests := map[string]string{
		"ssi maybe;":          `invalid value "maybe" in "ssi" directive, it must be "on" or "off"`,
		"ssi on; ssi off;":    `"ssi" directive is duplicate`,
		"ssi_value_length x;": `"ssi_value_length" directive invalid value`,
		"ssi_silent_errors on; ssi_silent_errors on;": `"ssi_silent_errors" directive is duplicate`,
		"server { if ($a) { ssi on; } }":              `"ssi" directive is not allowed here`,
	}
	for src, want := range tests {
		_, err := conf.LoadString("http {\n"+src+"\n}\n", conf.Options{Prefix: t.TempDir()})
		require.Error(t, err, src)
		require.Contains(t, err.Error(), want, src)
	}
	_, err := conf.LoadString(`http { ssi_types text/plain *; ssi_min_file_chunk 2k; ssi_ignore_recycled_buffers on; ssi_last_modified on;
        server { listen 80; location / { if ($arg_a) { ssi on; } } } }`, conf.Options{Prefix: t.TempDir()})
	require.NoError(t, err)
}
