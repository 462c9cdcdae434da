package listener

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gonjet/gonjet/gateway"
	"github.com/stretchr/testify/require"
)

func TestGoClientKeepsConnectionAlive(t *testing.T) {
	ts := startServer(t, nil, nil)
	client := &http.Client{}
	t.Cleanup(client.CloseIdleConnections)
	var bodies []string
	for i := 0; i < 3; i++ {
		resp, err := client.Get("http://" + ts.addr + "/info")
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)
		require.Equal(t, "text/plain", resp.Header.Get("Content-Type"))
		require.NotEmpty(t, resp.Header.Get("Date"))
		require.Equal(t, gateway.Software, resp.Header.Get("Server"))
		bodies = append(bodies, string(b))
	}
	require.Contains(t, bodies[0], "requests=1 ")
	require.Contains(t, bodies[2], "requests=3 ")
	require.Contains(t, bodies[2], "keepalive=true")
	require.Contains(t, bodies[0], "remote=127.0.0.1:")
	require.Contains(t, bodies[0], "local="+ts.addr)
	require.Contains(t, bodies[0], "listen=127.0.0.1:0")
}

func TestGoClientPostsBodies(t *testing.T) {
	ts := startServer(t, nil, nil)
	client := &http.Client{}
	t.Cleanup(client.CloseIdleConnections)
	resp, err := client.Post("http://"+ts.addr+"/echo", "text/plain", strings.NewReader("payload"))
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, "POST /echo HTTP/1.1|payload", string(b))

	// a reader of unknown length goes out chunked
	resp, err = client.Post("http://"+ts.addr+"/echo", "text/plain", io.MultiReader(strings.NewReader("chunk"), strings.NewReader("ed")))
	require.NoError(t, err)
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, "POST /echo HTTP/1.1|chunked", string(b))
}

func TestResponseOfUnknownLengthIsChunkedForHTTP11(t *testing.T) {
	ts := startServer(t, nil, nil)
	raw := ts.roundTrip(t, "GET /stream HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
	require.Contains(t, raw, "\r\nTransfer-Encoding: chunked\r\n")
	require.Contains(t, raw, "\r\nConnection: close\r\n")
	require.True(t, strings.HasSuffix(raw, "\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n"), raw)
}

func TestResponseOfUnknownLengthClosesForHTTP10(t *testing.T) {
	ts := startServer(t, nil, nil)
	raw := ts.roundTrip(t, "GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	require.NotContains(t, raw, "Transfer-Encoding")
	require.Contains(t, raw, "\r\nConnection: close\r\n")
	require.True(t, strings.HasSuffix(raw, "\r\n\r\nhello world"), raw)
}

func TestHTTP10KeepAliveIsEchoed(t *testing.T) {
	ts := startServer(t, nil, nil)
	c := ts.dial(t)
	br := bufio.NewReader(c)
	io.WriteString(c, "GET /info HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	resp, body := readResponse(t, br, "GET")
	require.Equal(t, "keep-alive", resp.Header.Get("Connection"))
	require.Contains(t, body, "keepalive=true")
	io.WriteString(c, "GET /info HTTP/1.0\r\n\r\n")
	resp, body = readResponse(t, br, "GET")
	require.True(t, resp.Close)
	require.Contains(t, body, "requests=2 ")
	_, err := br.ReadByte()
	require.ErrorIs(t, err, io.EOF)
}

func TestKeepAliveHeaderAnnouncesTheTimeout(t *testing.T) {
	ts := startServer(t, nil, func(s *Settings) { s.KeepaliveHeader = 9 * time.Second })
	c := ts.dial(t)
	io.WriteString(c, "GET /info HTTP/1.1\r\nHost: a\r\n\r\nGET /info HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
	b, _ := io.ReadAll(c)
	require.Equal(t, 1, strings.Count(string(b), "\r\nConnection: keep-alive\r\nKeep-Alive: timeout=9\r\n\r\n"), string(b))
	require.Equal(t, 1, strings.Count(string(b), "Keep-Alive:"))
}

func TestNoBodyForHeadAnd204(t *testing.T) {
	ts := startServer(t, nil, nil)
	c := ts.dial(t)
	io.WriteString(c, "HEAD /stream HTTP/1.1\r\nHost: a\r\n\r\nGET /empty HTTP/1.1\r\nHost: a\r\n\r\nGET /echo HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
	b, _ := io.ReadAll(c)
	parts := strings.Split(string(b), "HTTP/1.1 ")
	require.Len(t, parts, 4, string(b))
	require.True(t, strings.HasPrefix(parts[1], "200 OK\r\n"))
	require.NotContains(t, parts[1], "Transfer-Encoding")
	require.True(t, strings.HasSuffix(parts[1], "Connection: keep-alive\r\n\r\n"), parts[1])
	require.True(t, strings.HasPrefix(parts[2], "204 No Content\r\n"))
	require.True(t, strings.HasSuffix(parts[2], "Connection: keep-alive\r\n\r\n"), parts[2])
	require.True(t, strings.HasSuffix(parts[3], "GET /echo HTTP/1.1|"), parts[3])
}

func TestPipelinedRequestsAreAnsweredInOrder(t *testing.T) {
	ts := startServer(t, nil, nil)
	c := ts.dial(t)
	var req strings.Builder
	for _, p := range []string{"/echo?1", "/echo?2", "/echo?3"} {
		req.WriteString("GET " + p + " HTTP/1.1\r\nHost: a\r\n\r\n")
	}
	req.WriteString("POST /echo?4 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc")
	io.WriteString(c, req.String())
	br := bufio.NewReader(c)
	for _, want := range []string{"GET /echo?1 HTTP/1.1|", "GET /echo?2 HTTP/1.1|", "GET /echo?3 HTTP/1.1|", "POST /echo?4 HTTP/1.1|abc"} {
		resp, body := readResponse(t, br, "GET")
		require.Equal(t, 200, resp.StatusCode)
		require.Equal(t, want, body)
	}
}

func TestChunkedRequestBodyIsDecoded(t *testing.T) {
	ts := startServer(t, nil, nil)
	raw := ts.roundTrip(t, "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\nConnection: close\r\n\r\n"+
		"5;name=value\r\nhello\r\n1 \r\n,\r\nA\r\n chunked!!\r\n0;last\r\nTrailer: x\r\nMore: y\r\n\r\n")
	require.Equal(t, 200, statusOf(raw), raw)
	require.True(t, strings.HasSuffix(raw, "|hello, chunked!!"), raw)
}

func TestMalformedChunkedBodyFailsTheRead(t *testing.T) {
	ts := startServer(t, nil, nil)
	for _, body := range []string{
		"5\nhello\r\n0\r\n\r\n",        // LF without CR
		"x\r\n",                        // not hex
		"5\r\nhelloXX0\r\n\r\n",        // no CRLF after data
		"fffffffffffffffffff\r\n",      // overflow
		"0\r\nTrailer: x\nfoo\r\n\r\n", // bare LF in trailer
	} {
		raw := ts.roundTrip(t, "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"+body)
		require.Equal(t, 400, statusOf(raw), "%q: %s", body, raw)
		require.Contains(t, raw, "Connection: close\r\n")
	}
	require.Contains(t, ts.log.text(), "[error] client sent invalid chunked body, client: 127.0.0.1, server: localhost, request: \"POST /echo HTTP/1.1\", host: \"a\"")
}

func TestExpectContinueIsAnsweredWhenTheBodyIsRead(t *testing.T) {
	ts := startServer(t, nil, nil)
	c := ts.dial(t)
	br := bufio.NewReader(c)
	io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 4\r\n\r\n")
	line, err := br.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "HTTP/1.1 100 Continue\r\n", line)
	line, _ = br.ReadString('\n')
	require.Equal(t, "\r\n", line)
	io.WriteString(c, "data")
	_, body := readResponse(t, br, "POST")
	require.Equal(t, "POST /echo HTTP/1.1|data", body)

	// HTTP/1.0 clients get no 100
	c = ts.dial(t)
	io.WriteString(c, "POST /echo HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\ndata")
	b, _ := io.ReadAll(c)
	require.NotContains(t, string(b), " 100 ")
	require.True(t, strings.HasSuffix(string(b), "|data"))
}

func TestExpectContinueBeforeAnswerWhenBodyIsDiscarded(t *testing.T) {
	ts := startServer(t, nil, nil)
	c := ts.dial(t)
	br := bufio.NewReader(c)
	io.WriteString(c, "POST /info HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
	line, _ := br.ReadString('\n')
	require.Equal(t, "HTTP/1.1 100 Continue\r\n", line)
	br.ReadString('\n')
	resp, _ := readResponse(t, br, "POST")
	require.Equal(t, 200, resp.StatusCode)
	// the body comes now and is discarded before the next request
	io.WriteString(c, "dataGET /echo HTTP/1.1\r\nHost: a\r\n\r\n")
	_, body := readResponse(t, br, "GET")
	require.Equal(t, "GET /echo HTTP/1.1|", body)
}

func TestUnreadBodyIsDiscardedBeforeTheNextRequest(t *testing.T) {
	ts := startServer(t, nil, nil)
	c := ts.dial(t)
	br := bufio.NewReader(c)
	io.WriteString(c, "POST /info HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789"+
		"POST /info HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"+
		"GET /echo HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, body := readResponse(t, br, "POST")
	require.Equal(t, 200, resp.StatusCode)
	require.Contains(t, body, "cl=10 chunked=false")
	resp, body = readResponse(t, br, "POST")
	require.Equal(t, "keep-alive", resp.Header.Get("Connection"))
	require.Contains(t, body, "cl=-1 chunked=true")
	_, body = readResponse(t, br, "GET")
	require.Equal(t, "GET /echo HTTP/1.1|", body)
}

func TestEOFWhileDiscardingClosesTheConnection(t *testing.T) {
	ts := startServer(t, nil, nil)
	c := ts.dial(t)
	br := bufio.NewReader(c)
	io.WriteString(c, "POST /info HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n")
	resp, _ := readResponse(t, br, "POST")
	require.Equal(t, 200, resp.StatusCode)
	c.(interface{ CloseWrite() error }).CloseWrite()
	_, err := br.ReadByte()
	require.ErrorIs(t, err, io.EOF)
}

func TestKeepaliveRequestsLimitClosesTheConnection(t *testing.T) {
	ts := startServer(t, nil, nil)
	c := ts.dial(t)
	br := bufio.NewReader(c)
	io.WriteString(c, "GET /limited HTTP/1.1\r\nHost: a\r\n\r\nGET /limited HTTP/1.1\r\nHost: a\r\n\r\nGET /limited HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, _ := readResponse(t, br, "GET")
	require.Equal(t, "keep-alive", resp.Header.Get("Connection"))
	resp, body := readResponse(t, br, "GET")
	require.True(t, resp.Close)
	require.Contains(t, body, "requests=2 ")
	_, err := br.ReadByte()
	require.ErrorIs(t, err, io.EOF)
}

func TestKeepaliveTimeoutZeroCloses(t *testing.T) {
	ts := startServer(t, func(s *gateway.Server) {
		s.Root.Core.KeepaliveTimeout = 0
		for _, l := range s.Root.Children {
			l.Core.KeepaliveTimeout = 0
		}
	}, nil)
	raw := ts.roundTrip(t, "GET /info HTTP/1.1\r\nHost: a\r\n\r\n")
	require.Contains(t, raw, "\r\nConnection: close\r\n")
}

func TestBadRequestsAreRefusedAsNginxDoes(t *testing.T) {
	long := strings.Repeat("a", 8192)
	for _, tc := range []struct {
		name, req string
		status    int
		body      string // in the answer
		log       string // in the error log
	}{
		{"lower-case method", "get / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "<title>400 Bad Request</title>", "client sent invalid method while reading client request line, client: 127.0.0.1, server: localhost"},
		{"tab after method", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, "", "client sent invalid method"},
		{"target not a path", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400, "", "client sent invalid request while reading client request line"},
		{"control byte in target", "GET /a\x01b HTTP/1.1\r\nHost: a\r\n\r\n", 400, "", "client sent invalid request"},
		{"bad protocol", "GET / HTTX/1.1\r\nHost: a\r\n\r\n", 400, "", "client sent invalid request"},
		{"HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "<title>505 HTTP Version Not Supported</title>", "client sent invalid version"},
		{"HTTP/10.0", "GET / HTTP/10.0\r\nHost: a\r\n\r\n", 505, "", "client sent invalid version"},
		{"CR inside request line", "GET / HTTP/1.1\rx\r\nHost: a\r\n\r\n", 400, "", "client sent invalid request"},
		{"HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", 400, "", "client sent HTTP/1.1 request without \"Host\" header while reading client request headers, client: 127.0.0.1, server: localhost, request: \"GET / HTTP/1.1\""},
		{"duplicate Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "", "client sent duplicate host header: \"Host: b\", previous value: \"Host: a\""},
		{"invalid Host", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, "", "client sent invalid host header"},
		{"invalid host in request line", "GET http://a..b/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, "", "client sent invalid host in request line"},
		{"duplicate Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", 400, "", "client sent duplicate header line: \"Content-Length: 1\", previous value: \"Content-Length: 1\""},
		{"invalid Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400, "", "client sent invalid \"Content-Length\" header"},
		{"duplicate Transfer-Encoding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "", "client sent duplicate header line"},
		{"Content-Length and Transfer-Encoding", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "", "client sent \"Content-Length\" and \"Transfer-Encoding\" headers at the same time"},
		{"unknown transfer coding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, "<title>501 Not Implemented</title>", "client sent unknown \"Transfer-Encoding\": \"gzip, chunked\""},
		{"Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "", "client sent HTTP/1.0 request with \"Transfer-Encoding\" header"},
		{"obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n  folded\r\n\r\n", 400, "", "client sent invalid header line: \"\\x20...\""},
		{"space in name", "GET / HTTP/1.1\r\nHost: a\r\nX A: 1\r\n\r\n", 400, "", "client sent invalid header line: \"X\\x20...\""},
		{"colon first", "GET / HTTP/1.1\r\nHost: a\r\n:a: 1\r\n\r\n", 400, "", "client sent invalid header line"},
		{"NUL in value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: a\x00b\r\n\r\n", 400, "", "client sent invalid header line: \"X-A: a\\x00...\""},
		{"bare CR in value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: a\rb\r\n\r\n", 400, "", "client sent invalid header line"},
		{"TRACE", "TRACE / HTTP/1.1\r\nHost: a\r\n\r\n", 405, "<title>405 Not Allowed</title>", "client sent TRACE method"},
		{"CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 405, "", "client sent CONNECT method"},
		{"request line too long", "GET /" + long + " HTTP/1.1\r\nHost: a\r\n\r\n", 414, "<title>414 Request-URI Too Large</title>", "client sent too long URI while reading client request line"},
		{"header line too long", "GET / HTTP/1.1\r\nHost: a\r\nX-Long: " + long + "\r\n\r\n", 400, "<title>400 Request Header Or Cookie Too Large</title>", "client sent too long header line: \"X-Long: aaaa"},
		{"header too large for the buffers", "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X-Long: "+strings.Repeat("b", 5000)+"\r\n", 5) + "\r\n", 400, "Request Header Or Cookie Too Large", "client sent too long header line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, nil, nil)
			raw := ts.roundTrip(t, tc.req)
			require.Equal(t, tc.status, statusOf(raw), raw)
			require.Contains(t, raw, "\r\nConnection: close\r\n")
			require.Contains(t, raw, tc.body)
			require.Contains(t, ts.log.text(), tc.log)
			seen := ts.observed()
			require.Len(t, seen, 1)
			if tc.status == 494 {
				require.Equal(t, 400, seen[0].status)
			}
		})
	}
}

func TestHeaderBufferLimitsAreNginxs(t *testing.T) {
	ts := startServer(t, nil, nil)
	// a request line of exactly one large buffer (8k with CRLF) fits
	uri := "/info?" + strings.Repeat("u", 8192-len("GET /info? HTTP/1.1\r\n"))
	raw := ts.roundTrip(t, "GET "+uri+" HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
	require.Equal(t, 200, statusOf(raw))
	raw = ts.roundTrip(t, "GET "+uri+"u HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
	require.Equal(t, 414, statusOf(raw))

	// four large buffers of header lines fit, a fifth does not
	line := "X-L: " + strings.Repeat("h", 8000) + "\r\n"
	raw = ts.roundTrip(t, "GET /info HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"+strings.Repeat(line, 4)+"\r\n")
	require.Equal(t, 200, statusOf(raw))
	raw = ts.roundTrip(t, "GET /info HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"+strings.Repeat(line, 5)+"\r\n")
	require.Equal(t, 400, statusOf(raw))
	require.Contains(t, raw, "Request Header Or Cookie Too Large")

	// smaller buffers from the settings
	ts = startServer(t, nil, func(s *Settings) {
		s.ClientHeaderBufferSize, s.LargeHeaderBufferSize, s.LargeHeaderBuffers = 128, 256, 2
	})
	raw = ts.roundTrip(t, "GET /info HTTP/1.1\r\nHost: a\r\nConnection: close\r\nX: "+strings.Repeat("x", 250)+"\r\n\r\n")
	require.Equal(t, 200, statusOf(raw))
	raw = ts.roundTrip(t, "GET /info HTTP/1.1\r\nHost: a\r\nConnection: close\r\nX: "+strings.Repeat("x", 300)+"\r\n\r\n")
	require.Equal(t, 400, statusOf(raw))
	raw = ts.roundTrip(t, "GET /"+strings.Repeat("x", 300)+" HTTP/1.1\r\nHost: a\r\n\r\n")
	require.Equal(t, 414, statusOf(raw))
}

func TestTooManyHeaderLines(t *testing.T) {
	ts := startServer(t, nil, func(s *Settings) { s.MaxHeaders = 3 })
	raw := ts.roundTrip(t, "GET /info HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nConnection: close\r\n\r\n")
	require.Equal(t, 400, statusOf(raw))
	require.Contains(t, raw, "Request Header Or Cookie Too Large")
	require.Contains(t, ts.log.text(), "client sent too many header lines")
}

func TestInvalidHeaderNames(t *testing.T) {
	req := "GET /info HTTP/1.0\r\nx_foo: 1\r\n_bar: 2\r\nx.baz: 3\r\nNoColon\r\nok: 4\r\n\r\n"
	for _, tc := range []struct {
		name              string
		ignore, underscor bool
		want              string
	}{
		{"ignored", true, false, "headers=NoColon=,ok=4"},
		{"underscores allowed", true, true, "headers=x_foo=1,_bar=2,NoColon=,ok=4"},
		{"kept", false, false, "headers=x_foo=1,_bar=2,x.baz=3,NoColon=,ok=4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, nil, func(s *Settings) { s.IgnoreInvalidHeaders = tc.ignore; s.UnderscoresInHeaders = tc.underscor })
			raw := ts.roundTrip(t, req)
			require.True(t, strings.HasSuffix(raw, tc.want), raw)
		})
	}
}

func TestHeaderValuesAreTrimmedAndSpellingKept(t *testing.T) {
	ts := startServer(t, nil, nil)
	raw := ts.roundTrip(t, "\r\n\r\nGET /info HTTP/1.1\nhOsT:  a \t\nX-Empty:\r\nX-Sp: a  b\r\r\nConnection: close\n\n")
	require.Equal(t, 200, statusOf(raw), raw)
	require.True(t, strings.HasSuffix(raw, "headers=hOsT=a,X-Empty=,X-Sp=a  b,Connection=close"), raw)
}

func TestAbsoluteFormTarget(t *testing.T) {
	ts := startServer(t, nil, nil)
	raw := ts.roundTrip(t, "GET http://localhost:8080/echo?x=1 HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n")
	require.Equal(t, 200, statusOf(raw), raw)
	require.True(t, strings.HasSuffix(raw, "GET http://localhost:8080/echo?x=1 HTTP/1.1|"), raw)
}

func TestHTTP09GetsTheBodyAlone(t *testing.T) {
	ts := startServer(t, nil, nil)
	raw := ts.roundTrip(t, "GET /echo\r\n")
	require.Equal(t, "GET /echo HTTP/0.9|", raw)
	raw = ts.roundTrip(t, "POST /echo\r\n")
	require.True(t, strings.HasPrefix(raw, "<html>\r\n<head><title>400 Bad Request</title>"), raw)
	require.Contains(t, ts.log.text(), "client sent invalid method in HTTP/0.9 request while reading client request line")
}

func TestClientHeaderTimeoutClosesSilently(t *testing.T) {
	// the second request of the connection gets a header timeout that
	// has passed before it is read
	var calls atomic.Int32
	ts := startServer(t, nil, func(s *Settings) {
		if calls.Add(1) > 1 {
			s.ClientHeaderTimeout = 1
		}
	})
	raw := ts.roundTrip(t, "GET /echo HTTP/1.1\r\nHost: a\r\n\r\nGET /info HTTP/1.1\r\nHost: a\r\n")
	require.Equal(t, 200, statusOf(raw))
	require.True(t, strings.HasSuffix(raw, "GET /echo HTTP/1.1|"), raw)
	require.Contains(t, ts.log.text(), "client timed out (110: Connection timed out) while reading client request headers")
	seen := ts.observed()
	require.Len(t, seen, 2)
	require.Equal(t, 408, seen[1].status)
}

func TestPrematureCloseIsLoggedAs400(t *testing.T) {
	ts := startServer(t, nil, nil)
	c := ts.dial(t)
	io.WriteString(c, "GET /info HTTP/1.1\r\nHo")
	c.(interface{ CloseWrite() error }).CloseWrite()
	b, _ := io.ReadAll(c)
	require.Empty(t, b)
	require.Len(t, ts.observed(), 1)
	require.Equal(t, 400, ts.observed()[0].status)

	// a connection that sends nothing leaves no trace
	c = ts.dial(t)
	c.(interface{ CloseWrite() error }).CloseWrite()
	io.ReadAll(c)
	require.Len(t, ts.observed(), 1)
}

func TestErrorPageAppliesToRefusedRequests(t *testing.T) {
	ts := startServer(t, func(s *gateway.Server) {
		s.Root.Core.ErrorPages = []gateway.ErrorPage{{Codes: []int{505}, URI: gateway.StaticTemplate("/echo")}}
	}, nil)
	raw := ts.roundTrip(t, "GET / HTTP/1.7000\r\nHost: a\r\n\r\n")
	require.Equal(t, 400, statusOf(raw)) // minor version above 999
	raw = ts.roundTrip(t, "GET / HTTP/3.0\r\nHost: a\r\n\r\n")
	require.Equal(t, 505, statusOf(raw), raw)
	require.Contains(t, raw, "\r\nConnection: close\r\n")
}

func TestHijackAfter101(t *testing.T) {
	ts := startServer(t, nil, nil)
	c := ts.dial(t)
	br := bufio.NewReader(c)
	io.WriteString(c, "GET /hijack HTTP/1.1\r\nHost: a\r\nUpgrade: echo\r\nConnection: upgrade\r\n\r\nping\n")
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	require.Equal(t, 101, resp.StatusCode)
	require.Equal(t, "upgrade", resp.Header.Get("Connection"))
	line, err := br.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "echo: ping\n", line)
}

func TestUnixSocket(t *testing.T) {
	dir, err := os.MkdirTemp("", "gonjet")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "s.sock")
	ts := startServerOn(t, "unix:"+path, nil, nil)
	raw := ts.roundTrip(t, "GET /info HTTP/1.0\r\n\r\n")
	require.Equal(t, 200, statusOf(raw), raw)
	require.Contains(t, raw, "remote=unix: local=unix:"+path+" listen=unix:"+path)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o666), fi.Mode().Perm())
}

func TestShutdownFinishesRequestsInFlight(t *testing.T) {
	ts := startServer(t, nil, nil)

	idle := ts.dial(t)
	br := bufio.NewReader(idle)
	io.WriteString(idle, "GET /info HTTP/1.1\r\nHost: a\r\n\r\n")
	readResponse(t, br, "GET")

	busy := ts.dial(t)
	io.WriteString(busy, "GET /block HTTP/1.1\r\nHost: a\r\n\r\n")
	<-ts.entered

	done := make(chan error, 1)
	go func() { done <- ts.set.Shutdown(context.Background()) }()

	// the idle keep-alive connection is closed at once
	_, err := br.ReadByte()
	require.ErrorIs(t, err, io.EOF)

	close(ts.block)
	resp, body := readResponse(t, bufio.NewReader(busy), "GET")
	require.Equal(t, "released", body)
	require.True(t, resp.Close)
	require.NoError(t, <-done)
	_, err = http.Get("http://" + ts.addr + "/info")
	require.Error(t, err)
}

func TestShutdownGivesUpWhenTheContextEnds(t *testing.T) {
	ts := startServer(t, nil, nil)
	busy := ts.dial(t)
	io.WriteString(busy, "GET /block HTTP/1.1\r\nHost: a\r\n\r\n")
	<-ts.entered
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, ts.set.Shutdown(ctx), context.Canceled)
	close(ts.block)
	b, _ := io.ReadAll(busy)
	require.NotContains(t, string(b), "released")
}

func TestRepeatedHeadsAreServedAsSent(t *testing.T) {
	ts := startServer(t, nil, nil)
	c := ts.dial(t)
	br := bufio.NewReader(c)
	a := "GET /info?a HTTP/1.1\r\nHost: a\r\nX-One: 1\r\n\r\n"
	b := "GET /info?b HTTP/1.1\r\nHost: a\r\nX-One: 22\r\n\r\n"
	for i, raw := range []string{a, a, b, b, a} {
		io.WriteString(c, raw)
		_, body := readResponse(t, br, "GET")
		want := "X-One=1"
		if raw == b {
			want = "X-One=22"
		}
		require.Contains(t, body, want, "request %d", i)
		require.Contains(t, body, fmt.Sprintf("requests=%d ", i+1))
	}
	uris := []string{}
	for _, l := range ts.observed() {
		uris = append(uris, l.uri)
	}
	require.Equal(t, []string{"/info?a", "/info?a", "/info?b", "/info?b", "/info?a"}, uris)
}

func TestRequestLineIsKeptAsReceived(t *testing.T) {
	ts := startServer(t, nil, nil)
	// nginx's $request is the line as the client wrote it
	out := ts.roundTrip(t, "\r\nGET  /line  HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
	require.Equal(t, 200, statusOf(out))
	require.True(t, strings.HasSuffix(out, "\r\n\r\nGET  /line  HTTP/1.1"), out)
}
