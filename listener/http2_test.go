package listener

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"

	"github.com/gonjet/gonjet/gateway"
)

// h2cClient speaks HTTP/2 with prior knowledge over plain TCP, as
// "curl --http2-prior-knowledge" and h2load do.
func h2cClient() *http.Client {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: &http.Transport{Protocols: &p}, Timeout: 20 * time.Second}
}

func http2On(s *Settings) { s.HTTP2 = true }

func TestHTTP2PriorKnowledgeAndHTTP1ShareTheSocket(t *testing.T) {
	ts := startServer(t, nil, http2On)
	client := h2cClient()

	resp, err := client.Post("http://"+ts.addr+"/echo?a=1", "text/plain", strings.NewReader("body"))
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 2, resp.ProtoMajor)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "POST /echo?a=1 HTTP/2.0|body", string(b))

	// many streams on one connection, each a request of its own
	for i := 0; i < 3; i++ {
		resp, err = client.Get("http://" + ts.addr + "/info")
		require.NoError(t, err)
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Contains(t, string(b), "Host="+ts.addr)
		require.Contains(t, string(b), "cl=0")
	}
	require.Contains(t, string(b), "requests=4 ")

	// answers of unknown length, and without a body
	resp, err = client.Get("http://" + ts.addr + "/stream")
	require.NoError(t, err)
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, "hello world", string(b))
	resp, err = client.Get("http://" + ts.addr + "/empty")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 204, resp.StatusCode)

	// the same socket still speaks HTTP/1.1, short requests included
	raw := ts.roundTrip(t, "GET /echo HTTP/1.0\r\n\r\n")
	require.Equal(t, 200, statusOf(raw), raw)
	require.True(t, strings.HasSuffix(raw, "GET /echo HTTP/1.0|"), raw)
}

func TestHTTP2OffLeavesThePrefaceToHTTP1(t *testing.T) {
	ts := startServer(t, nil, nil)
	_, err := h2cClient().Get("http://" + ts.addr + "/info")
	require.Error(t, err)
	// the preface read as HTTP/1: "PRI *" is no valid request, 400 as
	// nginx answers
	raw := ts.roundTrip(t, h2Preface)
	require.Equal(t, 400, statusOf(raw), raw)
}

func TestHTTP2AnswersWithoutConnectionHeaders(t *testing.T) {
	ts := startServer(t, func(s *gateway.Server) {
		hdr := gateway.NewLocation(gateway.MatchExact, "/hop")
		hdr.Content = gateway.FilterFunc(func(c *gateway.Ctx) gateway.Result {
			c.RespHeader.Add("Connection", "x")
			c.RespHeader.Add("Keep-Alive", "timeout=5")
			c.RespHeader.Add("X-Kept", "yes")
			return c.Send(200, "text/plain", []byte("ok"))
		})
		lower := gateway.NewLocation(gateway.MatchExact, "/lower")
		lower.Content = gateway.FilterFunc(func(c *gateway.Ctx) gateway.Result {
			// as an upstream may name its fields
			c.Status = 200
			c.RespHeader.Add("content-length", "5")
			c.RespHeader.Add("x-lower", "1")
			c.SendHeader()
			c.WriteString("<b>x\n")
			return gateway.Done()
		})
		s.Root.Add(lower)
		drop := gateway.NewLocation(gateway.MatchExact, "/drop")
		drop.Content = gateway.FilterFunc(func(c *gateway.Ctx) gateway.Result { return gateway.Status(444) })
		s.Root.Add(hdr, drop)
	}, http2On)
	client := h2cClient()
	resp, err := client.Get("http://" + ts.addr + "/hop")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, "yes", resp.Header.Get("X-Kept"))
	require.Empty(t, resp.Header.Get("Connection"))
	require.Empty(t, resp.Header.Get("Keep-Alive"))

	// fields named in lower case keep their meaning, and nothing is
	// added: no second length, no sniffed type
	resp, err = client.Get("http://" + ts.addr + "/lower")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, "<b>x\n", string(b))
	require.Equal(t, []string{"5"}, resp.Header.Values("Content-Length"))
	require.Empty(t, resp.Header.Values("Content-Type"))
	require.Equal(t, "1", resp.Header.Get("X-Lower"))

	// return 444 resets the stream; the connection serves on
	_, err = client.Get("http://" + ts.addr + "/drop")
	require.Error(t, err)
	resp, err = client.Get("http://" + ts.addr + "/hop")
	require.NoError(t, err)
	resp.Body.Close()
}

// TestHTTP2ShutdownSendsGoaway checks that Shutdown lets the stream in
// flight finish, tells the client to go, and returns once the connection
// is gone.
func TestHTTP2ShutdownSendsGoaway(t *testing.T) {
	ts := startServer(t, nil, http2On)
	nc := ts.dial(t)
	tr := &http2.Transport{AllowHTTP: true}
	cc, err := tr.NewClientConn(nc)
	require.NoError(t, err)

	answered := make(chan string, 1)
	go func() {
		req, _ := http.NewRequest("GET", "http://"+ts.addr+"/block", nil)
		resp, err := cc.RoundTrip(req)
		if err != nil {
			answered <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answered <- string(b)
	}()
	<-ts.entered

	shut := make(chan error, 1)
	go func() { shut <- ts.set.Shutdown(context.Background()) }()
	// GOAWAY reaches the client while the stream is still in flight
	require.Eventually(t, func() bool { return !cc.CanTakeNewRequest() }, 10*time.Second, 5*time.Millisecond)
	close(ts.block)
	require.Equal(t, "released", <-answered)
	require.NoError(t, <-shut)
}

func TestHTTP2BadPrefaceTail(t *testing.T) {
	ts := startServer(t, nil, http2On)
	// the request line of the preface with another tail: not HTTP/2,
	// and no valid HTTP/1 request either (nginx 1.25+ compares all 24
	// bytes before it switches)
	c := ts.dial(t)
	io.WriteString(c, "PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n")
	b, _ := io.ReadAll(bufio.NewReader(c))
	require.Equal(t, 400, statusOf(string(b)), string(b))
}

// TestHTTP2WithCurl talks to the engine with curl's own HTTP/2 stack.
func TestHTTP2WithCurl(t *testing.T) {
	curl := requireTool(t, "curl", "curl")
	ts := startServer(t, nil, http2On)
	out, err := exec.Command(curl, "-sS", "--http2-prior-knowledge", "-d", "x=1",
		"-w", "|%{http_version}", "http://"+ts.addr+"/echo").CombinedOutput()
	require.NoError(t, err, string(out))
	require.Equal(t, "POST /echo HTTP/2.0|x=1|2", string(out))
}

// requireTool finds a program on PATH, or skips the test naming its
// Debian package (fails with GONJET_REQUIRE_EXTERNAL=1).
func requireTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("GONJET_REQUIRE_EXTERNAL") == "1" {
			t.Fatalf("%s not found (Debian package %s)", name, pkg)
		}
		t.Skipf("%s not found: install the Debian package %s", name, pkg)
	}
	return p
}
