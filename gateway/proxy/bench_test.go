package proxy_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/gatewaytest"
)

// tinyBackend is a keep-alive HTTP/1.1 server answering every request
// with the same bytes, as cheaply as it can. It reads a request body of
// Content-Length bytes and drops it.
func tinyBackend(answer []byte) func(*rawServer, net.Conn) {
	return func(_ *rawServer, c net.Conn) {
		br := bufio.NewReaderSize(c, 16<<10)
		for {
			// the header ends with an empty line
			length := 0
			for {
				line, err := br.ReadSlice('\n')
				if err != nil {
					return
				}
				if len(line) <= 2 {
					break
				}
				const cl = "content-length:"
				if len(line) > len(cl) && strings.EqualFold(string(line[:len(cl)]), cl) {
					length, _ = strconv.Atoi(strings.TrimSpace(string(line[len(cl):])))
				}
			}
			if _, err := br.Discard(length); err != nil {
				return
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

// benchGateway proxies every request to a tinyBackend answering with
// body, over kept connections, with the settings of the load scenarios
// in internal/bench.
func benchGateway(t testing.TB, body string) *gateway.Gateway {
	answer := []byte(fmt.Sprintf("HTTP/1.1 200 OK\r\nServer: tiny\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", len(body), body))
	be := newRaw(t, tinyBackend(answer))
	return gatewaytest.Load(t, `http {
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
}

func newBenchRequest(g *gateway.Gateway) *gateway.Request {
	req := gatewaytest.NewRequest("GET", "/bench?x=1")
	req.Header.Add("User-Agent", "bench")
	req.Header.Add("Accept", "*/*")
	req.Conn.Listen = g.Config().ListenKeys()[0]
	return req
}

// proxyLoop serves requests one after the other: a GET for a 1 KiB
// answer, or with post a POST of a 1 KiB body answered by "ok\n". The
// returned function serves one request and reports what went wrong.
func proxyLoop(t testing.TB, post bool) func() error {
	var g *gateway.Gateway
	var want int
	if post {
		g, want = benchGateway(t, "ok\n"), 3
	} else {
		g, want = benchGateway(t, strings.Repeat("x", 1024)), 1024
	}
	req := newBenchRequest(g)
	payload := bytes.Repeat([]byte("y"), 1024)
	body := bytes.NewReader(payload)
	if post {
		req.Method = "POST"
		req.ContentLength = int64(len(payload))
		req.Header.Add("Content-Length", strconv.Itoa(len(payload)))
		req.Header.Add("Content-Type", "application/octet-stream")
	}
	w := &discardWriter{}
	return func() error {
		req.Start = time.Now()
		if post {
			body.Reset(payload)
			req.Body = body
		}
		w.status, w.n = 0, 0
		g.Serve(req, w)
		if w.status != 200 || w.n != want {
			return fmt.Errorf("status %d, %d bytes", w.status, w.n)
		}
		return nil
	}
}

// BenchmarkProxy1KiB proxies GET requests for a 1 KiB answer to a local
// keep-alive backend, in-process (no client socket), one at a time. The
// time is mostly the loopback round trip to the backend; allocs/op counts
// the whole gateway path (core, proxy, upstream keepalive cache).
func BenchmarkProxy1KiB(b *testing.B) {
	serve := proxyLoop(b, false)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := serve(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProxyPost1KiB is BenchmarkProxy1KiB for POST requests with a
// 1 KiB body (buffered, as proxy_request_buffering on does).
func BenchmarkProxyPost1KiB(b *testing.B) {
	serve := proxyLoop(b, true)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := serve(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProxy1KiBParallel is BenchmarkProxy1KiB from GOMAXPROCS
// goroutines.
func BenchmarkProxy1KiBParallel(b *testing.B) {
	g := benchGateway(b, strings.Repeat("x", 1024))
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

// TestProxyStaysWithinItsAllocationBudget guards the hot path of the
// load scenarios: a proxied request in steady state, core and upstream
// keepalive cache included, makes no allocation. The string that holds
// the upstream's header fields (they outlive the request's pooled
// buffers: filters, variables and scripts may keep them) is shared with
// the connection's previous answer when the block is the same, which
// it is but once a second here (Date); everything else (the
// per-request proxy state, header storage, buffers, the request body)
// is reused.
func TestProxyStaysWithinItsAllocationBudget(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	for _, tc := range []struct {
		name   string
		post   bool
		budget float64
	}{
		{"GET 1 KiB answer", false, 0},
		{"POST 1 KiB body", true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			serve := proxyLoop(t, tc.post)
			for i := 0; i < 10; i++ {
				// fill the pools and the keepalive cache
				require.NoError(t, serve())
			}
			var err error
			allocs := testing.AllocsPerRun(200, func() {
				if e := serve(); e != nil {
					err = e
				}
			})
			require.NoError(t, err)
			require.LessOrEqual(t, allocs, tc.budget, "allocations per proxied request")
		})
	}
}
