package proxy_test

import (
	"bufio"

	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/gatewaytest"
)

// tinyBackend is a keep-alive HTTP/1.1 server answering every request
// with the same bytes, as cheaply as it can.
func tinyBackend(answer []byte) func(*rawServer, net.Conn) {
	return func(_ *rawServer, c net.Conn) {
		br := bufio.NewReaderSize(c, 16<<10)
		for {
			// a request ends with an empty line and has no body
			for {
				line, err := br.ReadSlice('\n')
				if err != nil {
					return
				}
				if len(line) <= 2 {
					break
				}
			}
			if _, err := c.Write(answer); err != nil {
				return
			}
		}
	}
}

// discardWriter is the cheapest engine side: it counts the bytes.
type discardWriter struct {
	status int
	n      int
}

func (w *discardWriter) WriteHeader(status int, _ *gateway.Header, _ bool) error {
	w.status = status
	return nil
}
func (w *discardWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }
func (w *discardWriter) Flush() error                { return nil }

func benchGateway(b *testing.B) *gateway.Gateway {
	body := strings.Repeat("x", 1024)
	answer := []byte(fmt.Sprintf("HTTP/1.1 200 OK\r\nServer: tiny\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", len(body), body))
	be := newRaw(b, tinyBackend(answer))
	g := gatewaytest.Load(b, `http {
		upstream backend { server `+be.addr()+`; keepalive 64; }
		server {
			listen 80;
			location / {
				proxy_pass http://backend;
				proxy_http_version 1.1;
				proxy_set_header Connection "";
			}
		}
	}`)
	return g
}

func newBenchRequest(g *gateway.Gateway) *gateway.Request {
	req := gatewaytest.NewRequest("GET", "/bench?x=1")
	req.Header.Add("User-Agent", "bench")
	req.Header.Add("Accept", "*/*")
	req.Conn.Listen = g.Config().ListenKeys()[0]
	return req
}

// BenchmarkProxy1KiB proxies GET requests for a 1 KiB answer to a local
// keep-alive backend, in-process (no client socket), one at a time. The
// time is mostly the loopback round trip to the backend; allocs/op counts
// the whole gateway path (core, proxy, upstream keepalive cache).
func BenchmarkProxy1KiB(b *testing.B) {
	g := benchGateway(b)
	req := newBenchRequest(g)
	w := &discardWriter{}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req.Start = time.Now()
		w.status, w.n = 0, 0
		g.Serve(req, w)
		if w.status != 200 || w.n != 1024 {
			b.Fatalf("status %d, %d bytes", w.status, w.n)
		}
	}
}

// BenchmarkProxy1KiBParallel is BenchmarkProxy1KiB from GOMAXPROCS
// goroutines.
func BenchmarkProxy1KiBParallel(b *testing.B) {
	g := benchGateway(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req := newBenchRequest(g)
		w := &discardWriter{}
		for pb.Next() {
			w.status, w.n = 0, 0
			g.Serve(req, w)
			if w.status != 200 || w.n != 1024 {
				b.Errorf("status %d, %d bytes", w.status, w.n)
				return
			}
		}
	})
}
