package listener

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
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
			if c.pl.wait == waitParked {
				n++
			}
			sh.mu.Unlock()
		}
	})
	return n
}

// held counts the connections of s whose goroutine waits, held, in the
// idle poller.
func (s *Set) held() int {
	n := 0
	s.conns.each(func(c *Conn) {
		if sh := c.pl.shard.Load(); sh != nil {
			sh.mu.Lock()
			if c.pl.wait == waitHeld {
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

// keepServer starts a server whose waiting connections stay held (their
// goroutine waits in the poller) for the whole test.
func keepServer(t *testing.T) *testServer {
	return startServerParkAfter(t, "127.0.0.1:0", time.Minute, nil, nil)
}

// raceEnabled is set by race_test.go in -race builds.
var raceEnabled bool

func TestHeldConnectionsAreServedInArrivalOrder(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector shuffles the run queue")
	}
	// One P: the goroutines the poller wakes run in the order it readies
	// them, and nothing runs while this goroutine writes.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	ts := keepServer(t)
	const n = 16
	conns := make([]net.Conn, n)
	readers := make([]*bufio.Reader, n)
	for i := range conns {
		conns[i] = ts.dial(t)
		readers[i] = bufio.NewReader(conns[i])
		io.WriteString(conns[i], "GET /info HTTP/1.1\r\nHost: a\r\n\r\n")
		readResponse(t, readers[i], "GET")
	}
	require.Eventually(t, func() bool { return ts.set.held() == n }, 10*time.Second, time.Millisecond)
	before := len(ts.observed())
	// written in one go, the requests reach the poller as one batch
	for i, c := range conns {
		fmt.Fprintf(c, "GET /info?%d HTTP/1.1\r\nHost: a\r\n\r\n", i)
	}
	for _, br := range readers {
		readResponse(t, br, "GET")
	}
	var order []int
	for _, l := range ts.observed()[before:] {
		var i int
		fmt.Sscanf(l.uri, "/info?%d", &i)
		order = append(order, i)
	}
	require.Len(t, order, n)
	// Each shard of the poller keeps its own order (there is one per P
	// the process had when the poller started).
	shardOf := map[string]*pollShard{}
	ts.set.conns.each(func(c *Conn) { shardOf[c.RemoteAddr().String()] = c.pl.shard.Load() })
	byShard := map[*pollShard][]int{}
	for _, i := range order {
		sh := shardOf[conns[i].LocalAddr().String()]
		byShard[sh] = append(byShard[sh], i)
	}
	// The runtime's own poller serves such a batch in reverse. Should
	// the poller's loop run between two writes, the batch splits in two
	// and the first of the second part may jump ahead once: one descent,
	// not more.
	for _, seq := range byShard {
		descents := 0
		for i := 1; i < len(seq); i++ {
			if seq[i] < seq[i-1] {
				descents++
			}
		}
		require.LessOrEqual(t, descents, 1, "served in the order %v (shards %v)", order, byShard)
	}
}

func TestInputWhileBusyEndsTheNextWait(t *testing.T) {
	ts := keepServer(t)
	c := ts.dial(t)
	br := bufio.NewReader(c)
	io.WriteString(c, "GET /block HTTP/1.1\r\nHost: a\r\n\r\n")
	<-ts.entered
	// the next request comes while the first is served: its readiness
	// is reported then, and must not be lost
	io.WriteString(c, "GET /info HTTP/1.1\r\nHost: a\r\n\r\n")
	time.Sleep(20 * time.Millisecond)
	ts.block <- struct{}{}
	readResponse(t, br, "GET")
	// without the remembered input the connection would wait the hold
	// (a minute) before anyone read the request
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, body := readResponse(t, br, "GET")
	require.Equal(t, 200, resp.StatusCode)
	require.Contains(t, body, "requests=2 ")
}

func TestShutdownEndsHeldConnections(t *testing.T) {
	ts := keepServer(t)
	c := ts.dial(t)
	br := bufio.NewReader(c)
	io.WriteString(c, "GET /info HTTP/1.1\r\nHost: a\r\n\r\n")
	readResponse(t, br, "GET")
	require.Eventually(t, func() bool { return ts.set.held() == 1 }, 10*time.Second, time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, ts.set.Shutdown(ctx))
	_, err := br.ReadByte()
	require.ErrorIs(t, err, io.EOF)
	require.Zero(t, ts.set.conns.n.Load())
}

func TestHeldConnectionParksAfterTheHold(t *testing.T) {
	ts := startServerParkAfter(t, "127.0.0.1:0", 30*time.Millisecond, nil, nil)
	c := ts.dial(t)
	br := bufio.NewReader(c)
	io.WriteString(c, "GET /info HTTP/1.1\r\nHost: a\r\n\r\n")
	readResponse(t, br, "GET")
	ts.waitParked(t, 1)
	io.WriteString(c, "GET /info HTTP/1.1\r\nHost: a\r\n\r\n")
	_, body := readResponse(t, br, "GET")
	require.Contains(t, body, "requests=2 ")
}

func TestALaterDeadlineOutlivesTheSocketsEarlierOne(t *testing.T) {
	// the header deadline of the second request is later than the first
	// request's, which the socket still has: when that one passes while
	// the second head is read, the read goes on under the later one
	ts := startServerParkAfter(t, "127.0.0.1:0", time.Minute, nil, func(s *Settings) {
		s.ClientHeaderTimeout = 300 * time.Millisecond
	})
	c := ts.dial(t)
	br := bufio.NewReader(c)
	io.WriteString(c, "GET /info HTTP/1.1\r\nHost: a\r\n\r\n")
	readResponse(t, br, "GET")
	time.Sleep(200 * time.Millisecond)
	io.WriteString(c, "GET /info HTTP/1.1\r\n")
	// the first request's deadline passes meanwhile
	time.Sleep(200 * time.Millisecond)
	io.WriteString(c, "Host: a\r\n\r\n")
	resp, body := readResponse(t, br, "GET")
	require.Equal(t, 200, resp.StatusCode)
	require.Contains(t, body, "requests=2 ")
}
