package listener

import (
	"bufio"
	"bytes"
	"io"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gonjet/gonjet/gateway"
	"github.com/stretchr/testify/require"
)

// The fuzz targets run the engine's header reader and chunked body decoder
// on arbitrary bytes, in memory. Besides "never panics" they check the
// answers against readings of the input that do not share the engine's
// code: what nginx's grammar says a first line, a header or a chunked
// body is, and the status nginx gives when it is not.
//
//	go test -run='^$' -fuzz='^FuzzParseRequest$' -fuzztime=20s ./listener
//	go test -run='^$' -fuzz='^FuzzChunkedBody$' -fuzztime=20s ./listener

// nopLog drops error-log lines: a fuzzer produces millions.
type nopLog struct{}

func (nopLog) Enabled(gateway.Level) bool        { return false }
func (nopLog) Log(gateway.Level, uint64, string) {}

var fuzzSettings = func() *Settings {
	s := DefaultSettings()
	s.ErrorLog = nopLog{}
	return s
}()

// memConn is a connection whose input is in, for the parsers alone.
func memConn(in io.Reader, st *Settings) *conn {
	c := &conn{st: st}
	c.active = &active{br: bufio.NewReaderSize(in, readBufferSize)}
	c.info.RemoteAddr = "127.0.0.1:1"
	return c
}

// parseHead reads one request header from raw as the engine does and
// returns the status it would answer with: 0 to serve the request, -1 to
// close without a word, else the code given to ServeError (494 is nginx's
// "Request Header Or Cookie Too Large", sent as 400).
func parseHead(raw []byte) (*conn, int, *bytes.Reader) {
	rd := bytes.NewReader(raw)
	c := memConn(rd, fuzzSettings)
	req := c.newRequest(time.Time{})
	c.body.reset(c, bodyNone, 0, false)
	f := c.readHead(req)
	switch {
	case f == nil:
		return c, 0, rd
	case f.quiet:
		return c, -1, rd
	}
	return c, f.status, rd
}

var (
	// a request line nginx accepts whatever comes after it
	validRequestLine = regexp.MustCompile(`^[A-Z_-]+ +/[^\x00-\x20\x7f]* +HTTP/1\.[0-9]{1,3} *\r?\n$`)
	// a request line with a protocol version nginx does not serve: 505
	newerVersionLine = regexp.MustCompile(`^[A-Z_-]+ +/[^\x00-\x20\x7f]* +HTTP/([2-9]|1[0-9])`)
	// a header line with nothing unusual in it
	plainHeaderLine = regexp.MustCompile(`^([A-Za-z0-9-]+): *([\x21-\x7e]+( [\x21-\x7e]+)*)? *\r?\n$`)
	validName       = regexp.MustCompile(`^[A-Za-z0-9-]+$`)
)

// first-line classes, read from the raw bytes
const (
	lineIncomplete = iota
	lineTooLong
	lineBadMethod
	lineValid
	lineNewerVersion
	lineOther
)

// classifyFirstLine finds the request line as nginx does, after skipping
// empty lines, and says what nginx must make of it. rest is what follows
// the request line.
func classifyFirstLine(raw []byte, limit int) (class int, line, rest []byte) {
	pos := 0
	for {
		lf := bytes.IndexByte(raw[pos:], '\n')
		if lf < 0 {
			if len(raw)-pos > limit {
				return lineTooLong, nil, nil
			}
			return lineIncomplete, nil, nil
		}
		l := raw[pos : pos+lf+1]
		if len(l) > limit {
			return lineTooLong, nil, nil
		}
		pos += len(l)
		t := bytes.TrimLeft(l, "\r\n")
		if len(t) == 0 {
			continue
		}
		ch := t[0]
		switch {
		case !(ch >= 'A' && ch <= 'Z' || ch == '_' || ch == '-'):
			return lineBadMethod, t, raw[pos:]
		case bytes.HasPrefix(t, []byte("CONNECT ")):
			return lineOther, t, raw[pos:]
		case validRequestLine.Match(t):
			return lineValid, t, raw[pos:]
		case newerVersionLine.Match(t):
			return lineNewerVersion, t, raw[pos:]
		}
		return lineOther, t, raw[pos:]
	}
}

// plainHeaders reads the header lines after a request line when every
// one of them is plain and short and the header ends; ok is false
// otherwise.
func plainHeaders(rest []byte) (fields [][2]string, ok bool) {
	total := 0
	for len(rest) > 0 && len(fields) < 100 && total < 1000 {
		lf := bytes.IndexByte(rest, '\n')
		if lf < 0 {
			return nil, false
		}
		l := rest[:lf+1]
		rest = rest[lf+1:]
		total += len(l)
		if string(l) == "\r\n" || string(l) == "\n" {
			return fields, true
		}
		m := plainHeaderLine.FindSubmatch(l)
		if m == nil {
			return nil, false
		}
		fields = append(fields, [2]string{string(m[1]), string(m[2])})
	}
	return nil, false
}

var requestSeeds = []string{
	"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
	"GET / HTTP/1.0\r\n\r\n",
	"GET /\r\n",
	"\r\n\r\nGET /index.html HTTP/1.1\nHost: a\n\n",
	"POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello",
	"POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked, identity\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: identity\r\n\r\n",
	"GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
	"TRACE / HTTP/1.1\r\nHost: localhost\r\n\r\n",
	"CONNECT localhost:443 HTTP/1.1\r\nHost: localhost\r\n\r\n",
	"CONNECT / HTTP/1.1\r\nHost: localhost\r\n\r\n",
	"CONNECT localhost HTTP/1.1\r\nHost: localhost\r\n\r\n",
	"GET http://localhost:8080/?args#frag HTTP/1.1\r\nHost: other\r\n\r\n",
	"GET http://[abcd::ef98:0:7654:321]:80/ HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET http://com.exa-m.45..:/ HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: example.com.:1.2\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: [abcd::ef98:0:7654:321\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: localhost\r\nHost: again\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: localhost\x02\r\n\r\n",
	"GET / HTTP/1.1\r\n\r\n",
	"GET / / HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /\x02 HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /foo/bar%1 HTTP/1.1\r\nHost: a\r\n\r\n",
	"get / HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET / HTTP/2.0\r\nHost: a\r\n\r\n",
	"GET / HTTP/1.1000\r\nHost: a\r\n\r\n",
	"GET / HTTP/1.1\rHost: a\r\n\r\n",
	"GET / HTTP/1.1\r\nX-Folded: a\r\n b\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nX_Under: 1\r\nx.dot: 2\r\nNoColon\r\n:colon: 3\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nX-A: a\x00b\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
	"GET /" + strings.Repeat("u", 8200) + " HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nCookie: " + strings.Repeat("c", 8200) + "\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X-L: "+strings.Repeat("h", 5000)+"\r\n", 5) + "\r\n",
}

func FuzzParseRequest(f *testing.F) {
	for _, s := range requestSeeds {
		f.Add([]byte(s))
	}
	limit := fuzzSettings.LargeHeaderBufferSize
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, status, rd := parseHead(raw)
		require.Contains(t, []int{0, -1, 400, 405, 414, 494, 501, 505}, status)

		class, line, rest := classifyFirstLine(raw, limit)
		switch class {
		case lineIncomplete:
			if len(raw) == 0 {
				require.Equal(t, -1, status)
			} else {
				require.Equal(t, 400, status, "premature close")
			}
			return
		case lineTooLong:
			require.Equal(t, 414, status)
			return
		case lineBadMethod:
			require.Equal(t, 400, status)
			require.False(t, c.rlOK)
			return
		case lineNewerVersion:
			require.Equal(t, 505, status)
			return
		case lineValid:
			require.True(t, c.rlOK, "a valid request line was refused: %q", line)
		}
		if !c.rlOK {
			require.Contains(t, []int{400, 505}, status, "request line %q", line)
			return
		}
		req := &c.req
		require.Equal(t, string(line[:len(req.Method)]), req.Method)
		if class == lineValid {
			if fields, ok := plainHeaders(rest); ok {
				checkPlainHeader(t, req, fields, status)
			}
			if lf := bytes.IndexByte(rest, '\n'); lf >= limit || lf < 0 && len(rest) > limit {
				// the first header line alone is longer than a buffer
				require.Equal(t, 494, status)
			}
		}
		if status == 0 {
			checkAccepted(t, raw, c, rd)
		}
	})
}

// checkPlainHeader checks the status of a request whose valid request line
// is followed by plain header lines.
func checkPlainHeader(t *testing.T, req *gateway.Request, fields [][2]string, status int) {
	count := map[string]int{}
	value := map[string]string{}
	for _, f := range fields {
		k := strings.ToLower(f[0])
		count[k]++
		value[k] = f[1]
	}
	for _, k := range []string{"host", "content-length", "transfer-encoding", "expect", "if-modified-since", "if-unmodified-since",
		"if-match", "if-none-match", "content-range", "if-range", "authorization", "proxy-authorization"} {
		if count[k] > 1 {
			require.Equal(t, 400, status, "duplicate %s", k)
			return
		}
	}
	if count["host"] == 1 {
		if _, ok := gateway.ValidateHost(value["host"]); !ok {
			require.Equal(t, 400, status, "invalid host")
			return
		}
	}
	if req.ProtoMinor >= 1 && count["host"] == 0 {
		require.Equal(t, 400, status, "HTTP/1.1 without Host")
		return
	}
	if count["content-length"] == 1 {
		if _, ok := parseContentLength(value["content-length"]); !ok {
			require.Equal(t, 400, status, "invalid Content-Length")
			return
		}
	}
	if count["transfer-encoding"] == 1 {
		switch {
		case req.ProtoMinor == 0:
			require.Equal(t, 400, status, "Transfer-Encoding in HTTP/1.0")
		case !strings.EqualFold(value["transfer-encoding"], "chunked"):
			require.Equal(t, 501, status, "unknown Transfer-Encoding")
		case count["content-length"] == 1:
			require.Equal(t, 400, status, "Content-Length and Transfer-Encoding")
		}
		if status != 0 {
			return
		}
	}
	if req.Method == "TRACE" {
		require.Equal(t, 405, status)
		return
	}
	require.Equal(t, 0, status, "a plain request was refused")
	require.Equal(t, len(fields), req.Header.Len())
	for i, f := range req.Header.Fields() {
		require.Equal(t, fields[i][0], f.Name)
		require.Equal(t, fields[i][1], f.Value)
	}
}

// checkAccepted checks what the engine hands the gateway for a request it
// serves, and that the request, written out again, reads the same.
func checkAccepted(t *testing.T, raw []byte, c *conn, rd *bytes.Reader) {
	req := &c.req
	// everything read belongs to the header, kept whole in hdr; the
	// request line starts after the empty lines skipped before it
	consumed := len(raw) - rd.Len() - c.br.Buffered()
	require.Equal(t, consumed, len(c.hdr))
	require.Equal(t, int64(consumed-c.rlOff), req.HeaderLength, "header length")
	require.Equal(t, string(raw[c.rlOff:consumed]), string(c.hdr[c.rlOff:]))
	require.NotEmpty(t, req.Method)
	require.NotEmpty(t, req.RequestURI)
	hosts := 0
	var hasCL, hasTE bool
	for _, f := range req.Header.Fields() {
		require.Regexp(t, validName, f.Name)
		require.NotContains(t, f.Value, "\n")
		require.NotContains(t, f.Value, "\x00")
		switch strings.ToLower(f.Name) {
		case "host":
			hosts++
		case "content-length":
			hasCL = true
		case "transfer-encoding":
			hasTE = true
			require.True(t, strings.EqualFold(f.Value, "chunked"))
		}
	}
	require.False(t, hasCL && hasTE, "Content-Length and Transfer-Encoding together")
	require.LessOrEqual(t, hosts, 1)
	if req.ProtoMajor == 0 {
		require.Equal(t, "GET", req.Method)
		return
	}
	if req.ProtoMinor >= 1 {
		require.Equal(t, 1, hosts)
	}
	if req.Chunked {
		require.Equal(t, int64(-1), req.ContentLength)
	}

	var b strings.Builder
	b.WriteString(req.Method + " " + req.RequestURI + " " + req.Proto + "\r\n")
	for _, f := range req.Header.Fields() {
		b.WriteString(f.Name + ": " + f.Value + "\r\n")
	}
	b.WriteString("\r\n")
	c2, status, _ := parseHead([]byte(b.String()))
	require.Equal(t, 0, status, "written out again: %q", b.String())
	r2 := &c2.req
	require.Equal(t, req.Method, r2.Method)
	require.Equal(t, req.RequestURI, r2.RequestURI)
	require.Equal(t, req.Proto, r2.Proto)
	require.Equal(t, req.Header.Len(), r2.Header.Len())
	for i, f := range r2.Header.Fields() {
		require.Equal(t, req.Header.Fields()[i], f)
	}
	require.Equal(t, req.ContentLength, r2.ContentLength)
	require.Equal(t, req.KeepAlive, r2.KeepAlive)
}

var chunkedSeeds = []string{
	"a\r\n0123456789\r\n0\r\n\r\n",
	"3;a=b;c\r\nabc\r\n2 \r\nde\r\n0 ; x\r\nT: 1\r\nU: 2\r\n\r\nGET / HTTP/1.1\r\n",
	"00000003\r\nabc\r\n0\r\n\r\n",
	"3\nabc\r\n0\r\n\r\n",
	"3\r\nabc\n0\r\n\r\n",
	"g\r\n",
	"\r\n",
	"8000000000000000\r\n",
	"7ffffffffffffff\r\n",
	"fffffffffffffffffffffff\r\n",
	"0\r\nT: 1\n\r\n",
	"0\r\n\r\n",
	"3\r\nab",
	"1\r\nx\r\n1\r\ny\r\n1\r\nz\r\n0\r\n\r\n",
	"400\r\n" + strings.Repeat("0123456789abcdef", 64) + "\r\n0\r\n\r\n",
}

func FuzzChunkedBody(f *testing.F) {
	for _, s := range chunkedSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		rd := bytes.NewReader(in)
		c := memConn(rd, fuzzSettings)
		c.body.reset(c, bodyChunked, -1, false)
		got, err := io.ReadAll(&c.body)
		want, result, end := refChunked(in)
		require.Equal(t, string(want), string(got))
		switch result {
		case refDone:
			require.NoError(t, err)
			require.True(t, c.body.done())
			// the body ends where its framing does: what follows is the
			// next request's
			require.Equal(t, len(in)-end, rd.Len()+c.br.Buffered())
		case refBad:
			// what handlers answer with 400, as nginx does ("client sent
			// invalid chunked body")
			require.ErrorIs(t, err, ErrBadChunk)
		case refShort:
			// the client closed: 400 too, "client prematurely closed
			// connection"
			require.ErrorIs(t, err, io.ErrUnexpectedEOF)
		}
	})
}

// refChunked results
const (
	refDone = iota
	refBad
	refShort
)

// refChunked decodes a chunked body the way RFC 9112 and nginx's
// ngx_http_parse_chunked define it, written for clarity over the whole
// input: the data, whether the framing ended, is malformed or is cut
// short, and where it ended.
func refChunked(in []byte) (data []byte, result, end int) {
	isHex := func(b byte) bool { return b >= '0' && b <= '9' || b|0x20 >= 'a' && b|0x20 <= 'f' }
	hexv := func(b byte) int64 {
		if b <= '9' {
			return int64(b - '0')
		}
		return int64(b|0x20-'a') + 10
	}
	// line reads a CRLF-ended line at i whose bytes are allowed by ok; it
	// returns the index after the LF
	line := func(i int, ok func(byte) bool) (int, int) {
		for ; i < len(in); i++ {
			switch b := in[i]; {
			case b == '\r':
				if i+1 == len(in) {
					return 0, refShort
				}
				if in[i+1] != '\n' {
					return 0, refBad
				}
				return i + 2, refDone
			case b == '\n' || !ok(b):
				return 0, refBad
			}
		}
		return 0, refShort
	}
	anyByte := func(byte) bool { return true }
	i := 0
	for {
		// chunk-size: hex digits; nginx refuses a size above 2^59-1 as
		// soon as another byte follows it
		j := i
		var size int64
		for ; j < len(in) && isHex(in[j]); j++ {
			if j > i && size > math.MaxInt64/16 {
				return data, refBad, 0
			}
			size = size*16 + hexv(in[j])
		}
		if j == len(in) {
			return data, refShort, 0
		}
		if j == i || size > math.MaxInt64/16 {
			return data, refBad, 0
		}
		// chunk-ext: after ";", " " or "\t", anything to the CR
		switch in[j] {
		case '\r':
		case ';', ' ', '\t':
		default:
			return data, refBad, 0
		}
		next, r := line(j, anyByte)
		if r != refDone {
			return data, r, 0
		}
		i = next
		if size == 0 {
			// trailer lines up to an empty one; no bare LF anywhere
			for {
				if i < len(in) && in[i] == '\n' {
					return data, refBad, 0
				}
				next, r := line(i, anyByte)
				if r != refDone {
					return data, r, 0
				}
				if next == i+2 {
					return data, refDone, next
				}
				i = next
			}
		}
		if int64(len(in)-i) < size {
			return append(data, in[i:]...), refShort, 0
		}
		data = append(data, in[i:i+int(size)]...)
		i += int(size)
		switch {
		case i == len(in), i+1 == len(in) && in[i] == '\r':
			return data, refShort, 0
		case in[i] != '\r' || in[i+1] != '\n':
			return data, refBad, 0
		}
		i += 2
	}
}

// BenchmarkParseRequest reads a browser-like request header and fills the
// gateway.Request, with no socket: the parser and the header checks alone.
func BenchmarkParseRequest(b *testing.B) {
	const req = "GET /api/v2/users/12345/profile?fields=name,email HTTP/1.1\r\n" +
		"Host: api.example.com\r\n" +
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
		"Accept: application/json, text/plain, */*\r\n" +
		"Accept-Language: en-US,en;q=0.5\r\n" +
		"Accept-Encoding: gzip, deflate, br\r\n" +
		"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N\r\n" +
		"Cookie: session=abcdef0123456789; theme=dark\r\n" +
		"Connection: keep-alive\r\n\r\n"
	c := memConn(&repeatReader{b: []byte(req)}, fuzzSettings)
	b.ReportAllocs()
	b.SetBytes(int64(len(req)))
	for b.Loop() {
		r := c.newRequest(time.Time{})
		c.body.reset(c, bodyNone, 0, false)
		if f := c.readHead(r); f != nil {
			b.Fatal(f.msg)
		}
	}
}

// repeatReader reads b over and over.
type repeatReader struct {
	b   []byte
	off int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := copy(p[n:], r.b[r.off:])
		n += k
		r.off = (r.off + k) % len(r.b)
	}
	return n, nil
}
