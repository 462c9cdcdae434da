package listener

import (
	"bufio"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseRequestLine(t *testing.T) {
	for _, tc := range []struct {
		line   string
		code   int
		method string
		uri    string
		proto  string
		ver    int
	}{
		{"GET / HTTP/1.1\r\n", parseOK, "GET", "/", "HTTP/1.1", 1001},
		{"GET / HTTP/1.0\n", parseOK, "GET", "/", "HTTP/1.0", 1000},
		{"POST   /a%20b?x=1#f   HTTP/1.1  \r\n", parseOK, "POST", "/a%20b?x=1#f", "HTTP/1.1", 1001},
		{"M-SEARCH_X /\xff\xfe HTTP/1.12\r\n", parseOK, "M-SEARCH_X", "/\xff\xfe", "HTTP/1.12", 1012},
		{"GET http://example.com:8080/p?q HTTP/1.1\r\n", parseOK, "GET", "http://example.com:8080/p?q", "HTTP/1.1", 1001},
		{"GET http://example.com?q HTTP/1.1\r\n", parseOK, "GET", "http://example.com?q", "HTTP/1.1", 1001},
		{"GET http://[::1]:80 HTTP/1.1\r\n", parseOK, "GET", "http://[::1]:80", "HTTP/1.1", 1001},
		{"GET /\r\n", parseOK, "GET", "/", "", 9},
		{"GET / \n", parseOK, "GET", "/", "", 9},
		{"CONNECT example.com:443 HTTP/1.1\r\n", parseOK, "CONNECT", "example.com:443", "HTTP/1.1", 1001},
		{"HEAD /\r\n", errInvalid09Method, "", "", "", 0},
		{"get / HTTP/1.1\r\n", errInvalidMethod, "", "", "", 0},
		{"GET\t/ HTTP/1.1\r\n", errInvalidMethod, "", "", "", 0},
		{"G1T / HTTP/1.1\r\n", errInvalidMethod, "", "", "", 0},
		{"GET * HTTP/1.1\r\n", errInvalidRequest, "", "", "", 0},
		{"GET /a\x7f HTTP/1.1\r\n", errInvalidRequest, "", "", "", 0},
		{"GET /a\tb HTTP/1.1\r\n", errInvalidRequest, "", "", "", 0},
		{"GET h_tp://x/ HTTP/1.1\r\n", errInvalidRequest, "", "", "", 0},
		{"GET http:/x/ HTTP/1.1\r\n", errInvalidRequest, "", "", "", 0},
		{"GET http://a_b/ HTTP/1.1\r\n", errInvalidRequest, "", "", "", 0},
		{"GET http://[::1 HTTP/1.1\r\n", errInvalidRequest, "", "", "", 0},
		{"CONNECT example.com HTTP/1.1\r\n", errInvalidRequest, "", "", "", 0},
		{"CONNECT / HTTP/1.1\r\n", errInvalidRequest, "", "", "", 0},
		{"GET / HTTP/2.0\r\n", errInvalidVersion, "", "", "", 0},
		{"GET / HTTP/11.0\r\n", errInvalidVersion, "", "", "", 0},
		{"GET / HTTP/0.9\r\n", errInvalidRequest, "", "", "", 0},
		{"GET / HTTP/1\r\n", errInvalidRequest, "", "", "", 0},
		{"GET / HTTP/1.\r\n", errInvalidRequest, "", "", "", 0},
		{"GET / HTTP/1.1000\r\n", errInvalidRequest, "", "", "", 0},
		{"GET / HTTP/1.1 x\r\n", errInvalidRequest, "", "", "", 0},
		{"GET / HTTP/1.1\rx\n", errInvalidRequest, "", "", "", 0},
		{"GET / http/1.1\r\n", errInvalidRequest, "", "", "", 0},
		{"GET /\r\r\n", errInvalidRequest, "", "", "", 0},
	} {
		t.Run(strings.TrimSpace(tc.line), func(t *testing.T) {
			var rl requestLine
			b := []byte(tc.line)
			code := parseRequestLine(b, &rl)
			require.Equal(t, tc.code, code)
			if code != parseOK {
				return
			}
			require.Equal(t, tc.method, string(b[:rl.methodEnd]))
			require.Equal(t, tc.uri, string(b[rl.uriStart:rl.uriEnd]))
			require.Equal(t, tc.proto, string(b[rl.protoStart:rl.protoEnd]))
			require.Equal(t, tc.ver, rl.version())
		})
	}
}

func TestParseHeaderLine(t *testing.T) {
	for _, tc := range []struct {
		line        string
		underscores bool
		code        int
		name, value string
		invalid     bool
	}{
		{"Host: example.com\r\n", false, hdrLine, "Host", "example.com", false},
		{"X-A:\t  spaced  value \t\r\n", false, hdrLine, "X-A", "spaced  value", false},
		{"X-A:\r\n", false, hdrLine, "X-A", "", false},
		{"X-A: v\r\r\n", false, hdrLine, "X-A", "v", false},
		{"NoColon\r\n", false, hdrLine, "NoColon", "", false},
		{"X-A: \x01ctl\xff\r\n", false, hdrLine, "X-A", "\x01ctl\xff", false},
		{"x_a: 1\n", false, hdrLine, "x_a", "1", true},
		{"x_a: 1\n", true, hdrLine, "x_a", "1", false},
		{"x.a: 1\n", true, hdrLine, "x.a", "1", true},
		{"\xd0\x90: 1\n", false, hdrLine, "\xd0\x90", "1", true},
		{"\r\n", false, hdrDone, "", "", false},
		{"\n", false, hdrDone, "", "", false},
		{"\r\r\n", false, hdrInvalid, "", "", false},
		{" folded\r\n", false, hdrInvalid, "", "", false},
		{"\tfolded\r\n", false, hdrInvalid, "", "", false},
		{":a: 1\r\n", false, hdrInvalid, "", "", false},
		{"a b: 1\r\n", false, hdrInvalid, "", "", false},
		{"a\x7f: 1\r\n", false, hdrInvalid, "", "", false},
		{"a: x\x00\r\n", false, hdrInvalid, "", "", false},
		{"a: x\ry\r\n", false, hdrInvalid, "", "", false},
	} {
		t.Run(strings.TrimSpace(tc.line), func(t *testing.T) {
			var h headerLine
			b := []byte(tc.line)
			require.Equal(t, tc.code, parseHeaderLine(b, tc.underscores, &h))
			if tc.code != hdrLine {
				return
			}
			require.Equal(t, tc.name, string(b[:h.nameEnd]))
			require.Equal(t, tc.value, string(b[h.valueStart:h.valEnd]))
			require.Equal(t, tc.invalid, h.invalid)
		})
	}
}

func TestChunkedBodyReader(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"3\r\nabc\r\n0\r\n\r\n", "abc", nil},
		{"3;a=b;c\r\nabc\r\n2 \r\nde\r\n0 ; x\r\nT: 1\r\nU: 2\r\n\r\nnext", "abcde", nil},
		{"00000003\r\nabc\r\n0\r\n\r\n", "abc", nil},
		{"3\nabc\r\n0\r\n\r\n", "", ErrBadChunk},
		{"3\r\nabc\n0\r\n\r\n", "abc", ErrBadChunk},
		{"g\r\n", "", ErrBadChunk},
		{"\r\n", "", ErrBadChunk},
		{"3x\r\n", "", ErrBadChunk},
		{"8000000000000000\r\n", "", ErrBadChunk},
		{"0\r\nT: 1\n\r\n", "", ErrBadChunk},
		{"3\r\nab", "ab", io.ErrUnexpectedEOF},
		{"3\r\nabc\r\n", "abc", io.ErrUnexpectedEOF},
	} {
		t.Run(strings.ReplaceAll(tc.in, "\r\n", "|"), func(t *testing.T) {
			c := &conn{active: &active{br: bufio.NewReader(strings.NewReader(tc.in))}, st: DefaultSettings()}
			c.info.RemoteAddr = "127.0.0.1:1"
			c.st.ErrorLog = &memLog{}
			c.body.reset(c, bodyChunked, -1, false)
			got, err := io.ReadAll(&c.body)
			require.Equal(t, tc.want, string(got))
			if tc.err == nil {
				require.NoError(t, err)
				require.True(t, c.body.done())
				return
			}
			require.ErrorIs(t, err, tc.err)
		})
	}
}

func TestContentLengthValues(t *testing.T) {
	for _, tc := range []struct {
		in string
		n  int64
		ok bool
	}{
		{"0", 0, true},
		{"0012", 12, true},
		{"9223372036854775807", 1<<63 - 1, true},
		{"9223372036854775808", 0, false},
		{"", 0, false},
		{"+1", 0, false},
		{"1 2", 0, false},
		{"0x10", 0, false},
	} {
		n, ok := parseContentLength(tc.in)
		require.Equal(t, tc.ok, ok, tc.in)
		require.Equal(t, tc.n, n, tc.in)
	}
}
