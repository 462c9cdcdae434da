package listener

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gonjet/gonjet/gateway"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parked counts the connections of s that the idle poller holds.
func (s *Set) parked() int {
	n := 0
	s.conns.each(func(c *Conn) {
		if sh := c.pl.shard.Load(); sh != nil {
			sh.mu.Lock()
			if c.pl.parked {
				n++
			}
			sh.mu.Unlock()
		}
	})
	return n
}

// waitParked waits until n connections of ts are parked. The condition,
// not the time, is what the tests rely on; the limit only stops a hang.
func (ts *testServer) waitParked(t *testing.T, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return ts.set.parked() == n }, 10*time.Second, time.Millisecond)
}

func TestIdleConnectionIsParkedAndServedAgain(t *testing.T) {
	ts := startServer(t, nil, nil)
	var conns []net.Conn
	var readers []*bufio.Reader
	for i := 0; i < 20; i++ {
		c := ts.dial(t)
		br := bufio.NewReader(c)
		io.WriteString(c, "GET /info HTTP/1.1\r\nHost: a\r\n\r\n")
		resp, body := readResponse(t, br, "GET")
		require.Equal(t, 200, resp.StatusCode)
		require.Contains(t, body, "requests=1 ")
		conns = append(conns, c)
		readers = append(readers, br)
	}
	ts.waitParked(t, 20)
	// woken by their next requests, all at once
	var wg sync.WaitGroup
	for i, c := range conns {
		br := readers[i]
		wg.Go(func() {
			// assert: require may not stop the test from this goroutine
			io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nping")
			resp, err := http.ReadResponse(br, nil)
			if !assert.NoError(t, err) {
				return
			}
			body, _ := io.ReadAll(resp.Body)
			assert.Equal(t, "POST /echo HTTP/1.1|ping", string(body))
			io.WriteString(c, "GET /info HTTP/1.1\r\nHost: a\r\n\r\n")
			resp, err = http.ReadResponse(br, nil)
			if !assert.NoError(t, err) {
				return
			}
			body, _ = io.ReadAll(resp.Body)
			assert.Contains(t, string(body), "requests=3 ")
		})
	}
	wg.Wait()
	ts.waitParked(t, 20)
}

func TestNewConnectionParksBeforeItsFirstByte(t *testing.T) {
	ts := startServer(t, nil, nil)
	c := ts.dial(t)
	ts.waitParked(t, 1)
	raw := "GET /info HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
	// a request that comes in pieces: the first wakes the connection
	io.WriteString(c, raw[:10])
	ts.waitParked(t, 0)
	io.WriteString(c, raw[10:])
	b, err := io.ReadAll(c)
	require.NoError(t, err)
	require.Equal(t, 200, statusOf(string(b)))
	require.Contains(t, string(b), "requests=1 ")
}

func TestParkedConnectionIsClosedAtTheKeepaliveTimeout(t *testing.T) {
	ts := startServer(t, func(s *gateway.Server) {
		s.Root.Core.KeepaliveTimeout = 20 * time.Millisecond
		for _, l := range s.Root.Children {
			l.Core.KeepaliveTimeout = 20 * time.Millisecond
		}
	}, nil)
	c := ts.dial(t)
	br := bufio.NewReader(c)
	io.WriteString(c, "GET /info HTTP/1.1\r\nHost: a\r\n\r\n")
	resp, _ := readResponse(t, br, "GET")
	require.Equal(t, "keep-alive", resp.Header.Get("Connection"))
	// closed without a word
	_, err := br.ReadByte()
	require.ErrorIs(t, err, io.EOF)
	require.Eventually(t, func() bool { return ts.set.conns.n.Load() == 0 }, 10*time.Second, time.Millisecond)
	require.Empty(t, ts.log.text())
}

func TestShutdownClosesParkedConnections(t *testing.T) {
	ts := startServer(t, nil, nil)
	fresh := ts.dial(t)
	used := ts.dial(t)
	br := bufio.NewReader(used)
	io.WriteString(used, "GET /info HTTP/1.1\r\nHost: a\r\n\r\n")
	readResponse(t, br, "GET")
	ts.waitParked(t, 2)
	require.NoError(t, ts.set.Shutdown(context.Background()))
	_, err := br.ReadByte()
	require.ErrorIs(t, err, io.EOF)
	b, err := io.ReadAll(fresh)
	require.NoError(t, err)
	require.Empty(t, b)
	require.Zero(t, ts.set.conns.n.Load())
}

func TestCloseClosesParkedConnections(t *testing.T) {
	ts := startServer(t, nil, nil)
	c := ts.dial(t)
	ts.waitParked(t, 1)
	require.NoError(t, ts.set.Close())
	b, err := io.ReadAll(c)
	require.NoError(t, err)
	require.Empty(t, b)
	require.Eventually(t, func() bool { return ts.set.conns.n.Load() == 0 }, 10*time.Second, time.Millisecond)
}

// keeper remembers the strings of the first request it serves, as a
// cache or a rate limiter keyed by a header would.
type keeper struct {
	hello  *helloEngine
	mu     sync.Mutex
	kept   []string
	copies []string
}

func (k *keeper) Serve(req *gateway.Request, w gateway.ResponseWriter) gateway.Outcome {
	k.mu.Lock()
	if k.kept == nil {
		k.kept = append(k.kept, req.Method, req.RequestURI, req.Proto)
		for _, f := range req.Header.Fields() {
			k.kept = append(k.kept, f.Name, f.Value)
		}
		for _, s := range k.kept {
			k.copies = append(k.copies, strings.Clone(s))
		}
	}
	k.mu.Unlock()
	return k.hello.Serve(req, w)
}

func (k *keeper) ServeError(req *gateway.Request, w gateway.ResponseWriter, status int) gateway.Outcome {
	return gateway.Outcome{}
}

func TestHeaderStringsOutliveTheRequest(t *testing.T) {
	k := &keeper{hello: newHelloEngine()}
	var s Set
	require.NoError(t, s.Apply([]gateway.Listen{{Addr: "127.0.0.1:0"}}))
	t.Cleanup(func() { s.Close() })
	go s.Serve(&HTTP1{Gateway: k, ParkAfter: -1})
	ts := &testServer{set: &s, addr: s.Addrs()["127.0.0.1:0"].String()}
	for i := 0; i < 50; i++ {
		c := ts.dial(t)
		br := bufio.NewReader(c)
		for j := 0; j < 10; j++ {
			// requests of other sizes and bytes, on this connection and
			// on others, reuse the connection state and buffers
			io.WriteString(c, "PUT /"+strings.Repeat(string(rune('a'+j)), i*j)+" HTTP/1.1\r\nHost: h"+strings.Repeat("x", j)+"\r\nX-N: "+strings.Repeat("n", i)+"\r\n\r\n")
			resp, _ := readResponse(t, br, "PUT")
			require.Equal(t, 200, resp.StatusCode)
		}
		c.Close()
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	require.Equal(t, k.copies, k.kept)
	require.Equal(t, []string{"PUT", "/", "HTTP/1.1", "Host", "h", "X-N", ""}, k.kept)
}
