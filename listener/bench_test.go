package listener

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gonjet/gonjet/gateway"
)

// helloEngine answers every request with a fixed 13-byte body, so that a
// benchmark measures the engine alone.
type helloEngine struct{ h gateway.Header }

var helloBody = []byte("Hello, World!")

func newHelloEngine() *helloEngine {
	e := &helloEngine{}
	e.h.Add("Server", "njet")
	e.h.Add("Content-Type", "text/plain")
	e.h.Add("Content-Length", "13")
	return e
}

func (e *helloEngine) Serve(req *gateway.Request, w gateway.ResponseWriter) gateway.Outcome {
	w.WriteHeader(200, &e.h, req.KeepAlive)
	w.Write(helloBody)
	return gateway.Outcome{KeepAlive: req.KeepAlive, KeepAliveTimeout: 75 * time.Second}
}

func (e *helloEngine) ServeError(req *gateway.Request, w gateway.ResponseWriter, status int) gateway.Outcome {
	return gateway.Outcome{}
}

const benchRequest = "GET /plaintext HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bench/1.0\r\nAccept: */*\r\n\r\n"

// benchServe serves engine on a loopback socket and runs b.N request and
// answer exchanges over one kept-alive connection, pipeline requests at a
// time.
func benchServe(b *testing.B, engine gateway.Engine, pipeline int) {
	benchServeWith(b, &HTTP1{Gateway: engine}, pipeline)
}

func benchServeWith(b *testing.B, h *HTTP1, pipeline int) {
	var s Set
	if err := s.Apply([]gateway.Listen{{Addr: "127.0.0.1:0"}}); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	go s.Serve(h)
	c, err := net.Dial("tcp", s.Addrs()["127.0.0.1:0"].String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReaderSize(c, 64<<10)
	req := bytes.Repeat([]byte(benchRequest), pipeline)

	// learn the answer's size from a first exchange
	io.WriteString(c, benchRequest)
	size := 0
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			b.Fatal(err)
		}
		size += len(line)
		if len(line) == 2 {
			break
		}
	}
	size += len(helloBody)
	if _, err := br.Discard(len(helloBody)); err != nil {
		b.Fatal(err)
	}

	b.ReportAllocs()
	b.SetBytes(int64(len(benchRequest)))
	b.ResetTimer()
	for i := 0; i < b.N; i += pipeline {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		// answers have a fixed size (Date is fixed-width)
		if _, err := br.Discard(size * pipeline); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHTTP1Engine(b *testing.B) {
	benchServe(b, newHelloEngine(), 1)
}

// BenchmarkHTTP1EngineParked parks the connection after every answer, as
// happens to a client that pauses longer than ParkAfter between requests:
// the cost of the idle poller's round trip.
func BenchmarkHTTP1EngineParked(b *testing.B) {
	benchServeWith(b, &HTTP1{Gateway: newHelloEngine(), ParkAfter: -1}, 1)
}

func BenchmarkHTTP1EnginePipelined16(b *testing.B) {
	benchServe(b, newHelloEngine(), 16)
}

func BenchmarkHTTP1Gateway(b *testing.B) {
	loc := gateway.NewLocation(gateway.MatchExact, "/plaintext")
	loc.Content = gateway.FilterFunc(func(c *gateway.Ctx) gateway.Result {
		return c.Send(200, "text/plain", helloBody)
	})
	root := gateway.NewLocation(gateway.MatchServer, "")
	root.Add(loc)
	// wrk would reconnect after keepalive_requests; one connection here
	loc.Core.KeepaliveRequests, root.Core.KeepaliveRequests = 1<<30, 1<<30
	cfg := &gateway.Config{Servers: []*gateway.Server{{
		Names:   []string{"localhost"},
		Listens: []gateway.Listen{{Addr: "127.0.0.1:0"}},
		Root:    root,
	}}}
	g, err := gateway.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	benchServe(b, g, 1)
}
