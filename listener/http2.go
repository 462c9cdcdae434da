package listener

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"

	"github.com/gonjet/gonjet/gateway"
)

// h2Preface opens every HTTP/2 connection (RFC 9113, section 3.4).
const h2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// sniffHTTP2 reports whether the connection opens with the HTTP/2
// preface. As nginx's ngx_http_wait_request_handler, it compares what has
// arrived and reads more only while that is still a beginning of the
// preface, so that a short HTTP/1 request is never waited on. The bytes
// stay buffered either way.
func (c *conn) sniffHTTP2() bool {
	c.rd.deadline, c.rd.timeout = time.Now().Add(c.st.ClientHeaderTimeout), 0
	n := 1
	for {
		b, err := c.br.Peek(n)
		if err != nil || string(b) != h2Preface[:len(b)] {
			return false
		}
		if len(b) == len(h2Preface) {
			return true
		}
		n = min(max(c.br.Buffered(), len(b)+1), len(h2Preface))
	}
}

// serveHTTP2 hands the connection to the HTTP/2 server. What the engine
// has read already, the preface included, is read again by it; the
// engine's buffers go back to the pool first.
func (c *conn) serveHTTP2() {
	pending := make([]byte, c.br.Buffered())
	io.ReadFull(c.br, pending)
	c.releaseActive()
	c.lc.unwatch()
	c.nc.SetDeadline(time.Time{})
	c.h.http2Engine().serve(c.lc, &replayConn{Conn: c.nc, pending: pending}, c.info, c.st)
	c.nc.Close()
}

// replayConn reads pending before reading the connection.
type replayConn struct {
	net.Conn
	pending []byte
}

func (r *replayConn) Read(p []byte) (int, error) {
	if len(r.pending) > 0 {
		n := copy(p, r.pending)
		r.pending = r.pending[n:]
		return n, nil
	}
	return r.Conn.Read(p)
}

// http2Engine serves HTTP/2 connections with golang.org/x/net/http2,
// whose streams become gateway.Requests: filters see the same request
// type whatever protocol carried it.
type http2Engine struct {
	g gateway.Engine

	mu      sync.Mutex
	servers map[http2Params]*http2Server
}

// http2Params are the settings an HTTP/2 server is made with; each
// distinct set has a server of its own, so that a reload changing them
// applies to new connections.
type http2Params struct {
	maxStreams     uint32
	window         int32
	idle           time.Duration
	maxHeaderBytes int
	sendTimeout    time.Duration
}

// http2Server pairs an http2.Server with the http.Server it was
// configured on: shutting the latter down sends GOAWAY on every
// connection the former serves.
type http2Server struct {
	h2 *http2.Server
	hs *http.Server
}

func (h *HTTP1) http2Engine() *http2Engine {
	h.h2Once.Do(func() {
		h.h2 = &http2Engine{g: h.Gateway, servers: map[http2Params]*http2Server{}}
	})
	return h.h2
}

func paramsOf(st *Settings) http2Params {
	p := http2Params{
		maxStreams:     uint32(max(st.HTTP2MaxConcurrentStreams, 0)),
		window:         int32(min(max(st.HTTP2BodyPrereadSize, 1), 1<<31-1)),
		idle:           st.KeepaliveTimeout,
		maxHeaderBytes: st.LargeHeaderBuffers * st.LargeHeaderBufferSize,
		sendTimeout:    st.SendTimeout,
	}
	if p.idle <= 0 {
		// keepalive_timeout 0: no idle connection is kept
		p.idle = time.Millisecond
	}
	return p
}

func (e *http2Engine) server(st *Settings) *http2Server {
	p := paramsOf(st)
	e.mu.Lock()
	defer e.mu.Unlock()
	if s := e.servers[p]; s != nil {
		return s
	}
	s := &http2Server{
		h2: &http2.Server{
			MaxConcurrentStreams:     p.maxStreams,
			MaxUploadBufferPerStream: p.window,
			IdleTimeout:              p.idle,
			WriteByteTimeout:         p.sendTimeout,
		},
		// the connection errors it would log are the client's: nginx
		// logs those at info level, which is off by default
		hs: &http.Server{MaxHeaderBytes: p.maxHeaderBytes, ErrorLog: log.New(io.Discard, "", 0)},
	}
	if p.maxStreams == 0 {
		// http2.Server takes 0 as its default; nginx refuses every stream
		s.h2.MaxConcurrentStreams = 1
	}
	if err := http2.ConfigureServer(s.hs, s.h2); err != nil {
		// only a TLS configuration can make it fail, and there is none
		panic(err)
	}
	e.servers[p] = s
	return s
}

// drain asks every HTTP/2 connection to finish: GOAWAY, then the
// connection ends once its streams are done.
func (e *http2Engine) drain() {
	e.mu.Lock()
	servers := make([]*http2Server, 0, len(e.servers))
	for _, s := range e.servers {
		servers = append(servers, s)
	}
	e.mu.Unlock()
	for _, s := range servers {
		s.hs.Shutdown(context.Background())
	}
}

// serve runs an HTTP/2 connection until it ends.
func (e *http2Engine) serve(lc *Conn, nc net.Conn, info gateway.ConnInfo, st *Settings) {
	s := e.server(st)
	hc := &http2Conn{g: e.g, info: info}
	if st.HTTP2MaxConcurrentStreams == 0 {
		hc.refuse = true
	}
	if lc.Draining() {
		// the preface came after Shutdown began: as for HTTP/1, the
		// connection is closed without serving it
		return
	}
	s.h2.ServeConn(nc, &http2.ServeConnOpts{BaseConfig: s.hs, Handler: hc})
}

// http2Conn serves the streams of one HTTP/2 connection.
type http2Conn struct {
	g        gateway.Engine
	info     gateway.ConnInfo
	requests atomic.Int64
	refuse   bool
}

// hopHeaders are the connection-specific fields HTTP/2 forbids (RFC 9113,
// section 8.2.2); the gateway's answers may carry them for HTTP/1.
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade"}

func (hc *http2Conn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if hc.refuse {
		// http2_max_concurrent_streams 0
		panic(http.ErrAbortHandler)
	}
	info := hc.info
	info.Requests = int(hc.requests.Add(1))
	req := &gateway.Request{
		Method:        r.Method,
		RequestURI:    r.RequestURI,
		Proto:         "HTTP/2.0",
		ProtoMajor:    2,
		Body:          r.Body,
		ContentLength: r.ContentLength,
		KeepAlive:     true,
		Conn:          &info,
		Start:         time.Now(),
	}
	if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
		req.Body, req.ContentLength = gateway.NoBody, 0
	}
	req.HeaderLength = copyRequestHeader(&req.Header, r)
	out := hc.g.Serve(req, &http2Response{w: w, req: req})
	if out.Drop {
		// return 444: the stream is reset, as nginx does
		panic(http.ErrAbortHandler)
	}
}

// copyRequestHeader fills h from the decoded HTTP/2 header block, Host
// first (from :authority unless a host field came), then the fields by
// name: HTTP/2 decoding keeps no order. It returns the header's size
// counted as nginx's $request_length counts it for HTTP/2, roughly: the
// fields as if they were HTTP/1 lines.
func copyRequestHeader(h *gateway.Header, r *http.Request) int64 {
	n := int64(len(r.Method) + len(r.RequestURI) + len(" HTTP/2.0\r\n"))
	if _, ok := r.Header["Host"]; !ok && r.Host != "" {
		h.Add("Host", r.Host)
		n += int64(len("Host: \r\n") + len(r.Host))
	}
	names := make([]string, 0, len(r.Header))
	for name := range r.Header {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		for _, v := range r.Header[name] {
			h.Add(name, v)
			n += int64(len(name) + len(v) + 4)
		}
	}
	return n + 2
}

// http2Response is the gateway.ResponseWriter of one stream.
type http2Response struct {
	w           http.ResponseWriter
	req         *gateway.Request
	headerSent  bool
	bodyAllowed bool
}

var errUpgradeHTTP2 = errors.New("listener: HTTP/2 has no protocol upgrade")

func (r *http2Response) WriteHeader(status int, h *gateway.Header, _ bool) error {
	if r.headerSent {
		return errHeaderSent
	}
	if status == http.StatusSwitchingProtocols {
		return errUpgradeHTTP2
	}
	dst := r.w.Header()
	clear(dst)
	for _, f := range h.Fields() {
		if isHopHeader(f.Name) {
			continue
		}
		// canonical keys: the HTTP/2 server looks for Content-Length,
		// Content-Type and Date under them (an upstream may send
		// "content-length"); it lower-cases names on the wire anyway
		name := textproto.CanonicalMIMEHeaderKey(f.Name)
		dst[name] = append(dst[name], f.Value)
	}
	// the gateway's answer is sent as it is: no sniffed Content-Type,
	// no Date where the gateway put none
	for _, name := range [...]string{"Content-Type", "Date"} {
		if _, ok := dst[name]; !ok {
			dst[name] = nil
		}
	}
	if status >= 100 && status < 200 {
		// interim answers (103 Early Hints) go out before the final one
		r.w.WriteHeader(status)
		clear(dst)
		return nil
	}
	r.headerSent = true
	r.bodyAllowed = r.req.Method != "HEAD" && status != 204 && status != 304
	r.w.WriteHeader(status)
	return nil
}

func isHopHeader(name string) bool {
	for _, hop := range hopHeaders {
		if len(name) == len(hop) && strings.EqualFold(name, hop) {
			return true
		}
	}
	return false
}

func (r *http2Response) Write(p []byte) (int, error) {
	if !r.headerSent {
		return 0, errNoHeader
	}
	if !r.bodyAllowed {
		return len(p), nil
	}
	return r.w.Write(p)
}

func (r *http2Response) Flush() error {
	if f, ok := r.w.(http.Flusher); ok {
		f.Flush()
	}
	return nil
}
