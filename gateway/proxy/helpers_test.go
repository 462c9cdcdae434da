package proxy_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/gatewaytest"
	_ "github.com/gonjet/gonjet/gateway/proxy"
)

// rawServer is a TCP backend whose handler controls every byte: it gets
// each accepted connection and closes it when done.
type rawServer struct {
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns int
	reqs  []string
}

// newRaw starts a backend on 127.0.0.1:0 that runs handle for every
// connection; it is stopped when the test ends.
func newRaw(t testing.TB, handle func(s *rawServer, c net.Conn)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &rawServer{ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns++
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				handle(s, c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *rawServer) addr() string { return s.ln.Addr().String() }

// connCount is the number of connections accepted so far.
func (s *rawServer) connCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// lastRequest is the last request header block the backend read.
func (s *rawServer) lastRequest() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.reqs) == 0 {
		return ""
	}
	return s.reqs[len(s.reqs)-1]
}

// readHead reads one request header block (through the empty line) and
// records it.
func (s *rawServer) readHead(br *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		line, err := br.ReadString('\n')
		b.WriteString(line)
		if err != nil {
			return b.String(), err
		}
		if line == "\r\n" || line == "\n" {
			break
		}
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, b.String())
	s.mu.Unlock()
	return b.String(), nil
}

// reply is a backend that reads one request per connection and answers
// with the bytes resp returns for it, then closes.
func reply(resp func(head string) string) func(*rawServer, net.Conn) {
	return func(s *rawServer, c net.Conn) {
		br := bufio.NewReader(c)
		head, err := s.readHead(br)
		if err != nil {
			return
		}
		c.Write([]byte(resp(head)))
	}
}

// fixed answers every request with the same bytes.
func fixed(resp string) func(*rawServer, net.Conn) {
	return reply(func(string) string { return resp })
}

// newHTTP starts a net/http backend.
func newHTTP(t testing.TB, h http.HandlerFunc) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// load builds a gateway from a configuration whose "%s" are replaced by
// args, wrapped in http { server { listen 80; ... } } unless it starts
// with "http".
func load(t testing.TB, src string, args ...any) *gateway.Gateway {
	t.Helper()
	src = fmt.Sprintf(src, args...)
	if !strings.HasPrefix(strings.TrimSpace(src), "http") {
		src = "http { server { listen 80; server_name localhost;\n" + src + "\n} }"
	}
	g := gatewaytest.Load(t, src)
	withLog(g)
	return g
}

func get(g *gateway.Gateway, target string, vars ...string) *gatewaytest.Response {
	return gatewaytest.Do(g, gatewaytest.NewRequest("GET", target), vars...)
}

// logs collects error-log lines.
type logs struct {
	mu        sync.Mutex
	lines     []string
	bodyBytes []string // $body_bytes_sent of each request served (serve)
}

func (l *logs) Enabled(gateway.Level) bool { return true }
func (l *logs) Log(lv gateway.Level, _ uint64, msg string) {
	l.mu.Lock()
	l.lines = append(l.lines, "["+lv.String()+"] "+msg)
	l.mu.Unlock()
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// withLog makes g's error log collected, and returns the collection.
func withLog(g *gateway.Gateway) *logs {
	if l, ok := g.Config().ErrorLog.(*logs); ok {
		return l
	}
	l := &logs{}
	g.Config().ErrorLog = l
	return l
}

// readBody reads the body of a request whose header is head: by
// Content-Length, or the raw chunked bytes through the last chunk.
func readBody(br *bufio.Reader, head string) string {
	lower := strings.ToLower(head)
	if i := strings.Index(lower, "\r\ncontent-length: "); i >= 0 {
		var n int
		fmt.Sscanf(head[i+len("\r\ncontent-length: "):], "%d", &n)
		buf := make([]byte, n)
		io.ReadFull(br, buf)
		return string(buf)
	}
	if strings.Contains(lower, "\r\ntransfer-encoding: chunked") {
		var b strings.Builder
		for {
			line, err := br.ReadString('\n')
			b.WriteString(line)
			if err != nil {
				return b.String()
			}
			var size int
			fmt.Sscanf(line, "%x", &size)
			chunk := make([]byte, size+2)
			io.ReadFull(br, chunk)
			b.Write(chunk)
			if size == 0 {
				return b.String()
			}
		}
	}
	return ""
}

// echo is a backend that records each request with its body and answers
// "HTTP/1.0 200" with the body it got, then closes.
func echo(s *rawServer, c net.Conn) {
	br := bufio.NewReader(c)
	head, err := s.readHead(br)
	if err != nil {
		return
	}
	body := readBody(br, head)
	s.mu.Lock()
	s.reqs[len(s.reqs)-1] += body
	s.mu.Unlock()
	fmt.Fprintf(c, "HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}
