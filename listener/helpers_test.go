package listener

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gonjet/gonjet/gateway"
	"github.com/stretchr/testify/require"
)

// memLog keeps error-log lines.
type memLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *memLog) Enabled(gateway.Level) bool { return true }

func (l *memLog) Log(level gateway.Level, conn uint64, msg string) {
	l.mu.Lock()
	l.lines = append(l.lines, "["+level.String()+"] "+msg)
	l.mu.Unlock()
}

func (l *memLog) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// logged is what the observer saw of one finished request.
type logged struct {
	status int
	uri    string
	conn   string
}

// testServer is a gateway behind a Set on a port of the OS's choosing.
type testServer struct {
	set     *Set
	g       *gateway.Gateway
	addr    string
	log     *memLog
	mu      sync.Mutex
	seen    []logged
	srv     *gateway.Server
	block   chan struct{} // /block waits on it
	entered chan struct{}
}

func (ts *testServer) observed() []logged {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]logged(nil), ts.seen...)
}

// testConfig builds a server with the test locations:
//
//	/echo     reads the body, answers "METHOD URI PROTO|body"
//	/info     answers connection details, without reading the body
//	/stream   answers "hello world" in two writes without a length
//	/empty    answers 204
//	/block    waits until the test releases it
//	/hijack   answers 101 and echoes one line on the raw connection
func (ts *testServer) config(listen string, tune func(*gateway.Server)) *gateway.Config {
	send := func(c *gateway.Ctx, body string) gateway.Result {
		return c.Send(200, "text/plain", []byte(body))
	}
	loc := func(name string, f func(c *gateway.Ctx) gateway.Result) *gateway.Location {
		l := gateway.NewLocation(gateway.MatchExact, name)
		l.Content = gateway.FilterFunc(f)
		return l
	}
	root := gateway.NewLocation(gateway.MatchServer, "")
	root.Add(
		loc("/echo", func(c *gateway.Ctx) gateway.Result {
			b, err := io.ReadAll(c.Req.Body)
			if err != nil {
				return gateway.Status(400)
			}
			return send(c, c.Req.Method+" "+c.Req.RequestURI+" "+c.Req.Proto+"|"+string(b))
		}),
		loc("/info", func(c *gateway.Ctx) gateway.Result {
			ci := c.Req.Conn
			var hdr []string
			for _, f := range c.Req.Header.Fields() {
				hdr = append(hdr, f.Name+"="+f.Value)
			}
			return send(c, fmt.Sprintf("id=%d requests=%d remote=%s local=%s listen=%s keepalive=%v cl=%d chunked=%v hlen=%d headers=%s",
				ci.ID, ci.Requests, ci.RemoteAddr, ci.LocalAddr, ci.Listen, c.Req.KeepAlive, c.Req.ContentLength, c.Req.Chunked, c.Req.HeaderLength, strings.Join(hdr, ",")))
		}),
		loc("/stream", func(c *gateway.Ctx) gateway.Result {
			c.Status = 200
			c.WriteString("hello ")
			c.Flush()
			c.WriteString("world")
			return gateway.Done()
		}),
		loc("/empty", func(c *gateway.Ctx) gateway.Result {
			c.Status = 204
			c.SendHeader()
			return gateway.Done()
		}),
		loc("/line", func(c *gateway.Ctx) gateway.Result {
			return send(c, gateway.RequestLine(c.Req))
		}),
		loc("/block", func(c *gateway.Ctx) gateway.Result {
			ts.entered <- struct{}{}
			<-ts.block
			return send(c, "released")
		}),
		loc("/hijack", func(c *gateway.Ctx) gateway.Result {
			c.Status = 101
			c.RespHeader.Set("Upgrade", "echo")
			c.SendHeader()
			nc, rw, err := c.Hijack()
			if err != nil {
				return gateway.Status(500)
			}
			go func() {
				defer nc.Close()
				line, _ := rw.ReadString('\n')
				rw.WriteString("echo: " + line)
				rw.Flush()
			}()
			return gateway.Done()
		}),
	)
	limited := gateway.NewLocation(gateway.MatchExact, "/limited")
	limited.Core.KeepaliveRequests = 2
	limited.Content = root.Children[1].Content
	root.Add(limited)
	srv := &gateway.Server{
		Names:                []string{"localhost"},
		Listens:              []gateway.Listen{{Addr: listen}},
		Root:                 root,
		IgnoreInvalidHeaders: true,
	}
	if tune != nil {
		tune(srv)
	}
	ts.srv = srv
	cfg := &gateway.Config{Servers: []*gateway.Server{srv}, ErrorLog: ts.log}
	cfg.Observers = append(cfg.Observers, func(c *gateway.Ctx) {
		ts.mu.Lock()
		ts.seen = append(ts.seen, logged{status: c.Status, uri: c.Req.RequestURI, conn: c.Req.Conn.Listen})
		ts.mu.Unlock()
	})
	return cfg
}

// startServer serves the test locations on 127.0.0.1 (or listen).
func startServer(t testing.TB, tune func(*gateway.Server), settings func(*Settings)) *testServer {
	t.Helper()
	return startServerOn(t, "127.0.0.1:0", tune, settings)
}

func startServerOn(t testing.TB, listen string, tune func(*gateway.Server), settings func(*Settings)) *testServer {
	t.Helper()
	// every test exercises the idle poller: connections park as soon as
	// they wait for a request
	return startServerParkAfter(t, listen, -1, tune, settings)
}

// startServerParkAfter starts a server whose waiting connections keep
// their goroutine for parkAfter before they park.
func startServerParkAfter(t testing.TB, listen string, parkAfter time.Duration, tune func(*gateway.Server), settings func(*Settings)) *testServer {
	t.Helper()
	ts := &testServer{log: &memLog{}, block: make(chan struct{}), entered: make(chan struct{}, 8)}
	cfg := ts.config(listen, tune)
	g, err := gateway.New(cfg)
	require.NoError(t, err)
	t.Cleanup(g.Close)
	ts.g = g
	set := &Set{ErrorLog: ts.log}
	require.NoError(t, set.Apply(Listens(cfg)))
	ts.set = set
	for id, a := range set.Addrs() {
		if strings.HasPrefix(id, "unix:") {
			ts.addr = id
		} else {
			ts.addr = a.String()
		}
	}
	h := NewHTTP1(g)
	h.ParkAfter = parkAfter
	if settings != nil {
		base := h.Settings
		h.Settings = func(key string) *Settings {
			s := *base(key)
			settings(&s)
			return &s
		}
	}
	go set.Serve(h)
	t.Cleanup(func() { set.Close() })
	return ts
}

func (ts *testServer) dial(t testing.TB) net.Conn {
	t.Helper()
	network, addr := "tcp", ts.addr
	if p, ok := strings.CutPrefix(addr, "unix:"); ok {
		network, addr = "unix", p
	}
	c, err := net.Dial(network, addr)
	require.NoError(t, err)
	// a guard against a hanging test, not a timing assumption
	c.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

// roundTrip sends raw bytes and returns everything the server sends until
// it closes the connection.
func (ts *testServer) roundTrip(t testing.TB, raw string) string {
	t.Helper()
	c := ts.dial(t)
	_, err := io.WriteString(c, raw)
	require.NoError(t, err)
	b, _ := io.ReadAll(c)
	return string(b)
}

// readResponse reads one answer from br with net/http's parser.
func readResponse(t testing.TB, br *bufio.Reader, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	return resp, string(b)
}

func statusOf(raw string) int {
	rest, ok := strings.CutPrefix(raw, "HTTP/1.1 ")
	if !ok || len(rest) < 3 {
		return 0
	}
	n, _ := strconv.Atoi(rest[:3])
	return n
}
