package telemetry

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
)

// testCtx is a finished request for target from 127.0.0.1:5555, as the
// log phase sees it.
func testCtx(target string, headers ...string) *gateway.Ctx {
	req := &gateway.Request{
		Method: "GET", RequestURI: target, Proto: "HTTP/1.0", ProtoMajor: 1,
		Body: gateway.NoBody, HeaderLength: 39, Start: time.Now(),
		Conn: &gateway.ConnInfo{ID: 1, Requests: 1, RemoteAddr: "127.0.0.1:5555", LocalAddr: "127.0.0.1:8080"},
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	path, args, _, err := gateway.ParseRequestTarget(target, true)
	if err != nil {
		panic(err)
	}
	return &gateway.Ctx{
		Req: req, Config: &gateway.Config{Vars: gateway.NewVarTable()},
		URI: path, Args: args, Method: "GET", Status: 200, BodyBytesSent: 2,
	}
}

// sameConfig returns a request for target on the configuration of c, so
// that formats compiled against c's variables apply.
func sameConfig(c *gateway.Ctx, target string, headers ...string) *gateway.Ctx {
	n := testCtx(target, headers...)
	n.Config = c.Config
	return n
}

func line(t *testing.T, c *gateway.Ctx, escape Escape, texts ...string) string {
	t.Helper()
	f, err := CompileFormat(c.Config.Vars, "test", escape, texts...)
	require.NoError(t, err)
	return string(f.Append(nil, c))
}

func TestFormatEscapesAsNginx(t *testing.T) {
	// access_log.t: /escape/"1 %1B%1C "?c=2 with $uri$arg_b$arg_c
	target := "/escape/%221%20%1B%1C%20%22?c=2"
	cases := []struct {
		escape Escape
		want   string
	}{
		{EscapeDefault, `/escape/\x221 \x1B\x1C \x22-2`},
		{EscapeNone, "/escape/\"1 \x1b\x1c \"2"},
		{EscapeJSON, `/escape/\"1 \u001B\u001C \"2`},
	}
	for _, tc := range cases {
		t.Run(tc.escape.String(), func(t *testing.T) {
			require.Equal(t, tc.want, line(t, testCtx(target), tc.escape, "$uri$arg_b$arg_c"))
		})
	}
}

func TestFormatDefaultEscapeCoversBackslashDelAndHighBytes(t *testing.T) {
	c := testCtx("/", "X-V", "a\\b\x7f\xc3\xa9\t")
	require.Equal(t, `a\x5Cb\x7F\xC3\xA9\x09`, line(t, c, EscapeDefault, "$http_x_v"))
	require.Equal(t, "a\\\\b\x7f\xc3\xa9\\t", line(t, c, EscapeJSON, "$http_x_v"))
	c = testCtx("/", "X-V", "\n\r\b\f\x01")
	require.Equal(t, `\n\r\b\f\u0001`, line(t, c, EscapeJSON, "$http_x_v"))
}

func TestFormatBinaryRemoteAddrIsEscaped(t *testing.T) {
	require.Equal(t, `\x7F\x00\x00\x01`, line(t, testCtx("/binary"), EscapeDefault, "$binary_remote_addr"))
}

func TestFormatCombined(t *testing.T) {
	c := testCtx("/combined")
	got := line(t, c, EscapeDefault, CombinedFormat)
	require.Regexp(t, `^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "GET /combined HTTP/1\.0" 200 2 "-" "-"$`, got)
	c = testCtx("/x", "Referer", "http://r/", "User-Agent", "ua \"q\"", "Authorization", "Basic dXNlcjpwYXNz")
	require.Regexp(t, `^127\.0\.0\.1 - user \[.*\] "GET /x HTTP/1\.0" 200 2 "http://r/" "ua \\x22q\\x22"$`, line(t, c, EscapeDefault, CombinedFormat))
}

func TestFormatLogVariablesAreNeverEscapedOrDashed(t *testing.T) {
	c := testCtx("/request")
	c.Status = 0
	require.Regexp(t, `^/request 000 39 \d+\.\d{3} 2$`, line(t, c, EscapeJSON, "$uri $status $request_length $request_time $body_bytes_sent"))
	require.Equal(t, "/pipe .", line(t, testCtx("/pipe"), EscapeDefault, "$uri $pipe"))
}

func TestFormatMissingValues(t *testing.T) {
	c := testCtx("/m")
	require.Equal(t, "[-][-]", line(t, c, EscapeDefault, "[$http_x][$arg_a]"))
	require.Equal(t, "[][]", line(t, c, EscapeJSON, "[$http_x][$arg_a]"))
	require.Equal(t, "[][]", line(t, c, EscapeNone, "[$http_x][$arg_a]"))
}

func TestFormatJoinsStringsAndBrackets(t *testing.T) {
	c := testCtx("/a?x=1")
	require.Equal(t, "long line /a:200", line(t, c, EscapeDefault, "long line ", "$uri:$status"))
	require.Equal(t, "/ax 1", line(t, c, EscapeDefault, "${uri}x $arg_x"))
}

func TestParseFormatErrors(t *testing.T) {
	cases := []struct {
		text, err string
	}{
		{"a $", `invalid parameter "$"`},
		{"${", `invalid parameter "${"`},
		{"${uri", `the closing bracket in "uri" variable is missing`},
		{"${uri-x}", `the closing bracket in "uri" variable is missing`},
		{"${}", `invalid parameter "${}"`},
		{"x $-y", `invalid parameter "$-y"`},
	}
	for _, tc := range cases {
		t.Run(tc.text, func(t *testing.T) {
			_, err := ParseFormat("f", EscapeDefault, tc.text)
			require.EqualError(t, err, tc.err)
		})
	}
	// names resolve once the whole configuration is read
	vars := gateway.NewVarTable()
	_, err := CompileFormat(vars, "f", EscapeDefault, "$no_such_var")
	require.NoError(t, err)
	require.EqualError(t, vars.Check(), `unknown "no_such_var" variable`)
}

func TestParseEscape(t *testing.T) {
	for _, s := range []string{"default", "json", "none"} {
		e, ok := ParseEscape(s)
		require.True(t, ok)
		require.Equal(t, s, e.String())
	}
	_, ok := ParseEscape("xml")
	require.False(t, ok)
}
