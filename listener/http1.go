package listener

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/gonjet/gonjet/gateway"
)

// HTTP1 is GoNJet's HTTP/1.0 and HTTP/1.1 engine, a Handler for a Set. It
// reads requests the way nginx does (same limits, same refusals, same
// answers to malformed requests), hands each to Gateway, and writes the
// answer with nginx's framing: keep-alive, pipelining, chunked bodies,
// "Expect: 100-continue", lingering close.
//
// Requests the engine refuses go to Gateway.ServeError, so that error_page
// and the access log see them as nginx's would.
//
// The first Read of a request body may write "100 Continue" to the
// connection: a handler that reads the body in one goroutine and writes
// the answer in another starts writing only after that first Read.
type HTTP1 struct {
	// Gateway serves the requests.
	Gateway gateway.Engine
	// Settings returns the limits of a listen socket, by its key; it is
	// called for every request, so that a reload applies to the next
	// request of a kept-alive connection. Nil uses DefaultSettings.
	Settings func(listenKey string) *Settings
	// ParkAfter is how long a connection waiting for a request (the next
	// one on a kept-alive connection, or the first on a new one) keeps
	// its goroutine and buffers. On Linux it waits meanwhile in a small
	// epoll set of the package, which wakes waiting connections in the
	// order their input came, as nginx's event loop does. Past
	// ParkAfter the connection is parked: its goroutine ends and its
	// buffers go back to a pool, so that an idle connection costs about
	// a kilobyte instead of some 17 KiB. Busy connections, whose next
	// request comes within ParkAfter, never park. Zero means
	// DefaultParkAfter; a negative value parks at once. Elsewhere, and
	// for connections without a file descriptor (TLS), idle connections
	// wait in a read.
	ParkAfter time.Duration

	h2Once sync.Once
	h2     *http2Engine
}

// Drain is called by Set.Shutdown: HTTP/2 connections are told to finish
// (GOAWAY) and end once their streams are done.
func (h *HTTP1) Drain() {
	h.http2Engine().drain()
}

// NewHTTP1 returns the engine serving g with the settings of g's
// configuration.
func NewHTTP1(g *gateway.Gateway) *HTTP1 {
	return &HTTP1{Gateway: g, Settings: GatewaySettings(g)}
}

// ListenAndServe opens the listens of g's configuration and serves them
// with the HTTP/1 engine until the process ends.
func ListenAndServe(g *gateway.Gateway) error {
	cfg := g.Config()
	if cfg == nil {
		return gateway.ErrNoConfig
	}
	var s Set
	if err := s.ApplyConfig(cfg); err != nil {
		return err
	}
	return s.Serve(NewHTTP1(g))
}

var connSerial atomic.Uint64

const (
	readBufferSize  = 4096
	writeBufferSize = 4096
)

// DefaultParkAfter is how long, by default, a connection waiting for a
// request keeps its goroutine and buffers before it is parked.
const DefaultParkAfter = 20 * time.Millisecond

// conn is one client connection: what it keeps while idle. What a request
// in progress needs is in active, which the connection takes from a pool
// when a request begins to arrive and gives back when it goes idle.
type conn struct {
	*active // nil while parked

	h    *HTTP1
	lc   *Conn
	nc   net.Conn
	st   *Settings
	info gateway.ConnInfo // Start is when the connection was accepted

	hijacked bool
	// keepaliveWait is how long to wait for the next request; -1 before
	// the first, which waits client_header_timeout
	keepaliveWait time.Duration
	parkable      bool
}

// active is the state of a connection that is reading or serving
// requests. It returns to activePool when the connection goes idle, so
// that ten thousand idle connections do not hold ten thousand buffers.
type active struct {
	br *bufio.Reader
	bw *bufio.Writer
	rd connReader // br's
	wr connWriter // bw's

	// the current request
	req   gateway.Request
	start time.Time
	hdr   []byte // request line and header as received, in the arena
	arena []byte // free room after the headers of earlier requests
	// the previous request's hdr: a request that sends the same bytes
	// again shares them (and the strings made of them)
	prevHdr []byte
	lines   []lineSpan
	rl      requestLine
	rlOff   int // request line offset in hdr
	rlOK    bool
	reqLine string // for error-log lines
	host    string
	body    body
	resp    response
	scratch []byte
}

var activePool sync.Pool

// Header strings (Method, RequestURI, header names and values) are made
// without copying from the bytes read, which lie in an arena: a block
// that requests fill one after the other and that is never written again
// where a request's strings point, so the strings stay valid as long as
// anything holds them, past the request too. When the room left is
// smaller than arenaMinRoom a new block is taken; the old one goes when
// the last string into it does.
const (
	arenaBlock   = 8 << 10
	arenaMinRoom = 1 << 10
)

// lineSpan is a header line at offset start of conn.hdr.
type lineSpan struct {
	start int
	h     headerLine
}

// ServeConn serves the requests of one connection and closes it, unless
// a handler took it over. For a connection a Set accepted, on Linux, it
// may return while the connection waits, parked, for its next request
// (see ParkAfter); the Set serves it again, in another goroutine, when
// that request comes.
func (h *HTTP1) ServeConn(lc *Conn) {
	c := &conn{h: h, lc: lc, nc: lc.Conn, keepaliveWait: -1}
	c.info = gateway.ConnInfo{
		ID:         connSerial.Add(1),
		RemoteAddr: addrText(lc.Conn.RemoteAddr(), false),
		LocalAddr:  addrText(lc.Conn.LocalAddr(), true),
		Listen:     lc.Listen,
		Start:      time.Now(),
	}
	c.parkable = lc.parkable()
	c.run(false)
}

// resume serves a parked connection again once input arrived; the idle
// poller calls it in a new goroutine.
func (c *conn) resume() { c.run(true) }

// unknownDeadline stands for a deadline the connection may have from
// before it was parked: any deadline differs from it, so the next read
// sets its own.
var unknownDeadline = time.Unix(1, 0)

// acquire takes the buffers and request state from the pool.
func (c *conn) acquire() {
	a, _ := activePool.Get().(*active)
	if a == nil {
		a = &active{}
		a.br = bufio.NewReaderSize(&a.rd, readBufferSize)
		a.bw = bufio.NewWriterSize(&a.wr, writeBufferSize)
	} else {
		a.br.Reset(&a.rd)
		a.bw.Reset(&a.wr)
	}
	a.rd = connReader{c: c, set: unknownDeadline}
	a.wr = connWriter{c: c}
	c.active = a
}

// releaseActive gives the request state back to the pool. Only what the
// next user overwrites is kept: the header storage, the arena's room.
func (c *conn) releaseActive() {
	a := c.active
	c.active = nil
	a.br.Reset(nil)
	a.bw.Reset(nil)
	a.rd, a.wr = connReader{}, connWriter{}
	h := a.req.Header
	h.Reset()
	a.req = gateway.Request{Header: h}
	a.hdr, a.prevHdr = nil, nil
	a.reqLine, a.host = "", ""
	a.body = body{}
	a.resp = response{}
	activePool.Put(a)
}

// addrText is "ip:port", "unix:" for a unix peer, "unix:/path" for the
// local end of a unix socket, as nginx's $remote_addr and $server_addr.
func addrText(a net.Addr, local bool) string {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.String()
	case *net.UnixAddr:
		if local && a.Name != "" {
			return "unix:" + a.Name
		}
		return "unix:"
	case nil:
		return ""
	}
	return a.String()
}

func (c *conn) settings() *Settings {
	if c.h.Settings != nil {
		if s := c.h.Settings(c.info.Listen); s != nil {
			return s
		}
	}
	return defaultSettings
}

func (c *conn) scratchBuf() []byte {
	if c.scratch == nil {
		c.scratch = make([]byte, 4096)
	}
	return c.scratch
}

// run serves the connection until it is closed, taken over or parked,
// then gives back its request state unless it went with the connection.
func (c *conn) run(resumed bool) {
	parked := false
	defer func() {
		if p := recover(); p != nil {
			c.logf(gateway.LevelAlert, "", "panic while serving connection: %v\n%s", p, debug.Stack())
			if !c.hijacked {
				c.nc.Close()
			}
			// the state may be half-way: it is not reused
			c.active = nil
			return
		}
		if !parked && !c.hijacked && c.active != nil {
			c.releaseActive()
		}
	}()
	parked = c.serve(resumed)
}

// serve runs the keep-alive loop; true means the connection was parked
// and belongs to the idle poller: nothing of it may be touched any more.
// resumed is true when the poller woke the connection: it is idle and
// its input has come.
func (c *conn) serve(resumed bool) bool {
	for {
		if !resumed {
			// a woken connection keeps the settings it waited with
			c.st = c.settings()
		}
		wait := c.keepaliveWait
		if wait < 0 {
			// the first request may take client_header_timeout to come
			wait = c.st.ClientHeaderTimeout
		}
		if c.active == nil {
			c.acquire()
		}
		c.rd.flush = true
		c.wr.timeout = c.st.SendTimeout
		if resumed {
			resumed = false
			if !c.lc.Active() {
				// Shutdown took it meanwhile
				c.nc.Close()
				return false
			}
		} else if c.br.Buffered() == 0 {
			// nothing pipelined: send what is buffered and wait
			if c.bw.Flush() != nil || !c.lc.Idle() {
				c.nc.Close()
				return false
			}
			switch c.await(wait) {
			case awaitParked:
				return true
			case awaitClosed:
				// idle timeout, the client went away, or shutdown
				c.nc.Close()
				return false
			}
		}
		if c.info.Requests == 0 && c.st.HTTP2 && c.sniffHTTP2() {
			c.serveHTTP2()
			return false
		}
		if !c.serveRequest(time.Now()) {
			return false
		}
	}
}

// Outcomes of Conn.hold (the idle poller's wait).
const (
	// holdInput: input came, or may have: the caller reads.
	holdInput = iota
	// holdTimeout: the hold passed without input.
	holdTimeout
	// holdClosed: Shutdown or Close took the connection.
	holdClosed
	// holdOff: the poller cannot watch the connection; the caller waits
	// in a read.
	holdOff
)

// await results.
const (
	awaitReady = iota
	awaitClosed
	awaitParked
)

// parkAfter is how long an idle connection keeps its goroutine.
func (h *HTTP1) parkAfter() time.Duration {
	if h.ParkAfter == 0 {
		return DefaultParkAfter
	}
	return h.ParkAfter
}

// await waits, idle, for the next request to start arriving, at most
// wait. On Linux the connection waits in the idle poller: held, with its
// goroutine and buffers, for ParkAfter; then parked: it gives back its
// buffers, its goroutine ends, and the poller wakes it when the request
// comes or closes it when wait has passed.
func (c *conn) await(wait time.Duration) int {
	now := time.Now()
	deadline := now.Add(wait)
	if hold := c.h.parkAfter(); c.parkable && hold < wait {
		outcome := holdTimeout
		if hold > 0 {
			outcome = c.lc.hold(now, hold)
		}
		switch outcome {
		case holdClosed:
			return awaitClosed
		case holdTimeout:
			// nothing buffered: the request state can go
			c.releaseActive()
			if c.lc.park(c, wait, deadline) {
				return awaitParked
			}
			c.acquire()
		}
	}
	c.rd.deadline, c.rd.timeout = deadline, 0
	_, err := c.br.Peek(1)
	if !c.lc.Active() || err != nil {
		return awaitClosed
	}
	return awaitReady
}

// serveRequest reads and serves one request; false means the connection
// was closed or taken over.
func (c *conn) serveRequest(start time.Time) bool {
	st := c.st
	c.start = start
	c.info.Requests++
	req := c.newRequest(start)
	c.body.reset(c, bodyNone, 0, false)
	c.rd.deadline, c.rd.timeout = start.Add(st.ClientHeaderTimeout), 0

	f := c.readHead(req)
	if f != nil {
		c.fail(f)
		return false
	}

	c.rd.flush = false
	c.rd.deadline, c.rd.timeout = time.Time{}, st.ClientBodyTimeout
	c.resp.reset(c, req)
	out := c.h.Gateway.Serve(req, &c.resp)
	c.rd.flush = true
	if c.resp.hijacked {
		c.hijacked = true
		return false
	}
	if out.Drop {
		c.bw.Flush()
		c.nc.Close()
		return false
	}
	c.resp.finish()
	keep := out.KeepAlive && c.resp.keepAlive && out.KeepAliveTimeout > 0
	if keep && !c.body.done() {
		c.rd.deadline, c.rd.timeout = time.Now().Add(st.LingeringTime), st.LingeringTimeout
		keep = c.body.discard()
	}
	bodyDone := c.body.done()
	c.body.ended = true
	if !keep {
		c.close(!bodyDone)
		return false
	}
	c.keepaliveWait = out.KeepAliveTimeout
	return true
}

// newRequest resets the request of the connection's request state for a
// new request. The gateway is done with the previous one: Serve returned.
func (c *conn) newRequest(start time.Time) *gateway.Request {
	h := c.req.Header
	h.Reset()
	c.req = gateway.Request{Proto: "HTTP/1.0", ProtoMajor: 1, Header: h, Body: gateway.NoBody, Conn: &c.info, Start: start}
	c.rlOK, c.reqLine, c.host = false, "", ""
	c.lines = c.lines[:0]
	if cap(c.arena) < arenaMinRoom {
		c.arena = make([]byte, 0, arenaBlock)
	}
	c.hdr = c.arena[:0]
	return &c.req
}

// readHead reads the request line and header into req and makes nginx's
// checks of them; nil means the request can be served.
func (c *conn) readHead(req *gateway.Request) *failure {
	f := c.readRequest()
	shared := false
	if f == nil && c.prevHdr != nil && bytes.Equal(c.hdr, c.prevHdr) {
		// the same head as the previous request (a client asking again):
		// parsed, it gives the same lines at the same offsets, so the
		// strings can point into the earlier copy, which is never
		// written again; the room this one was read into stays free
		c.hdr, shared = c.prevHdr, true
	}
	if f == nil || !f.quiet {
		// the checks of the lines read so far come first: nginx makes
		// them as each line arrives
		if bf := c.build(req, f == nil); bf != nil {
			f = bf
		}
	}
	if !shared {
		// strings now point into hdr: the next request starts after it
		// (in the same block, or in the one append moved hdr to)
		c.arena = c.hdr[len(c.hdr):]
		c.prevHdr = c.hdr
	}
	return f
}

// failure is a request the engine refuses.
type failure struct {
	status int
	msg    string
	// silent: log the request with status but send nothing (nginx's
	// 408 and premature close); quiet: not even that.
	silent, quiet bool
	linger        bool
}

var errLineTooLong = errors.New("line too long")

// hdrBufs follows nginx's header buffers: the request starts in a
// client_header_buffer_size buffer; a line that does not fit in what is
// left moves to a fresh large buffer, if one of large_client_header_buffers
// is left and the line fits in it.
type hdrBufs struct {
	remaining, size, free int
}

func (a *hdrBufs) limit() int {
	if a.free > 0 && a.size > a.remaining {
		return a.size
	}
	return a.remaining
}

func (a *hdrBufs) take(n int) {
	if n <= a.remaining {
		a.remaining -= n
		return
	}
	a.free--
	a.remaining = a.size - n
}

// readLine appends the next line, LF included, to c.hdr and returns
// where it starts.
func (c *conn) readLine(limit int) (int, error) {
	start := len(c.hdr)
	for {
		b, err := c.br.ReadSlice('\n')
		c.hdr = append(c.hdr, b...)
		if len(c.hdr)-start > limit {
			return start, errLineTooLong
		}
		if err != bufio.ErrBufferFull {
			return start, err
		}
	}
}

// readRequest reads the request line and header lines and checks their
// syntax.
func (c *conn) readRequest() *failure {
	st := c.st
	bufs := hdrBufs{remaining: st.ClientHeaderBufferSize, size: st.LargeHeaderBufferSize, free: st.LargeHeaderBuffers}
	for {
		start, err := c.readLine(bufs.limit())
		if err != nil {
			return c.readFailure(err, true, start)
		}
		line := c.hdr[start:]
		k := 0
		for k < len(line) && (line[k] == '\r' || line[k] == '\n') {
			k++
		}
		if k == len(line) {
			// empty lines before a request are skipped
			if len(line) <= bufs.remaining {
				bufs.remaining -= len(line)
			} else {
				bufs.remaining = st.ClientHeaderBufferSize
			}
			continue
		}
		bufs.take(len(line))
		c.rlOff = start + k
		switch parseRequestLine(c.hdr[c.rlOff:], &c.rl) {
		case parseOK:
		case errInvalidMethod:
			return &failure{status: 400, msg: "client sent invalid method"}
		case errInvalidVersion:
			return &failure{status: 505, msg: "client sent invalid version"}
		case errInvalid09Method:
			c.rlOK = true
			return &failure{status: 400, msg: "client sent invalid method in HTTP/0.9 request"}
		default:
			return &failure{status: 400, msg: "client sent invalid request"}
		}
		c.rlOK = true
		break
	}
	if c.rl.major == 0 {
		return nil
	}
	for {
		start, err := c.readLine(bufs.limit())
		if err != nil {
			return c.readFailure(err, false, start)
		}
		line := c.hdr[start:]
		bufs.take(len(line))
		var hl headerLine
		switch parseHeaderLine(line, st.UnderscoresInHeaders, &hl) {
		case hdrDone:
			return nil
		case hdrInvalid:
			return &failure{status: 400, msg: fmt.Sprintf("client sent invalid header line: \"%s\\x%02x...\"", line[:hl.nameEnd], line[hl.nameEnd])}
		}
		c.lines = append(c.lines, lineSpan{start: start, h: hl})
	}
}

// maxLoggedLine is how much of a long header line nginx logs
// (NGX_MAX_ERROR_STR - 300).
const maxLoggedLine = 2048 - 300

// readFailure turns a read error into nginx's reaction.
func (c *conn) readFailure(err error, requestLine bool, lineStart int) *failure {
	if err == errLineTooLong {
		if requestLine {
			return &failure{status: 414, msg: "client sent too long URI"}
		}
		line := c.hdr[lineStart:]
		if len(line) > maxLoggedLine {
			line = line[:maxLoggedLine]
		}
		return &failure{status: 494, msg: fmt.Sprintf("client sent too long header line: \"%s...\"", line), linger: true}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &failure{status: 408, msg: "client timed out (110: Connection timed out)", silent: true}
	}
	if len(c.hdr) == 0 && err == io.EOF {
		return &failure{quiet: true}
	}
	msg := "client prematurely closed connection"
	if err != io.EOF {
		var errno syscall.Errno
		if errors.As(err, &errno) {
			msg = "recv() failed (" + errnoText(errno) + ")"
		}
	}
	return &failure{status: 400, msg: msg, silent: true}
}

// Header names the engine acts on.
const (
	hOther = iota
	hHost
	hConnection
	hContentLength
	hTransferEncoding
	hExpect
	hIfModifiedSince
	hIfUnmodifiedSince
	hIfMatch
	hIfNoneMatch
	hContentRange
	hIfRange
	hAuthorization
	hProxyAuthorization
	numKnown
)

var knownNames = [numKnown]string{
	hHost: "Host", hConnection: "Connection", hContentLength: "Content-Length",
	hTransferEncoding: "Transfer-Encoding", hExpect: "Expect",
	hIfModifiedSince: "If-Modified-Since", hIfUnmodifiedSince: "If-Unmodified-Since",
	hIfMatch: "If-Match", hIfNoneMatch: "If-None-Match", hContentRange: "Content-Range",
	hIfRange: "If-Range", hAuthorization: "Authorization", hProxyAuthorization: "Proxy-Authorization",
}

// knownByLen lists the known names by length, so that a lookup compares
// one or two names.
var knownByLen = func() (t [20][]int) {
	for k := hHost; k < numKnown; k++ {
		t[len(knownNames[k])] = append(t[len(knownNames[k])], k)
	}
	return t
}()

func knownHeader(name string) int {
	if len(name) >= len(knownByLen) {
		return hOther
	}
	for _, k := range knownByLen[len(name)] {
		if strings.EqualFold(name, knownNames[k]) {
			return k
		}
	}
	return hOther
}

// containsFold reports whether s contains the lower-case word sub, in any
// case.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// build fills req from the lines read and makes nginx's checks of the
// header (ngx_http_process_request_headers and
// ngx_http_process_request_header). complete is false when reading
// failed: only the lines read so far are checked.
func (c *conn) build(req *gateway.Request, complete bool) *failure {
	if !c.rlOK {
		return nil
	}
	st := c.st
	rl := &c.rl
	// the header text stays in the arena, never written again
	s := unsafe.String(&c.hdr[c.rlOff], len(c.hdr)-c.rlOff)
	req.HeaderLength = int64(len(s))
	req.Method = s[:rl.methodEnd]
	req.RequestURI = s[rl.uriStart:rl.uriEnd]
	if rl.major == 0 {
		req.Proto, req.ProtoMajor, req.ProtoMinor = "HTTP/0.9", 0, 9
		c.reqLine = s[:rl.uriEnd]
	} else {
		req.Proto, req.ProtoMajor, req.ProtoMinor = s[rl.protoStart:rl.protoEnd], rl.major, rl.minor
		c.reqLine = s[:rl.protoEnd]
	}
	req.Line = c.reqLine
	if rl.hostStart >= 0 && !rl.connect {
		host := s[rl.hostStart:rl.hostEnd]
		if _, ok := gateway.ValidateHost(host); !ok || host == "" {
			return &failure{status: 400, msg: "client sent invalid host in request line"}
		}
	}
	req.Header.Grow(len(c.lines))
	var seen [numKnown]int // 1 + index in c.lines of the first field
	connClose, connKeepAlive := false, false
	count := 0
	for i := range c.lines {
		ln := &c.lines[i]
		base := ln.start - c.rlOff
		name := s[base : base+ln.h.nameEnd]
		value := s[base+ln.h.valueStart : base+ln.h.valEnd]
		if ln.h.invalid && st.IgnoreInvalidHeaders {
			c.logf(gateway.LevelInfo, "reading client request headers", "client sent invalid header line: \"%s\"", s[base:base+max(ln.h.valEnd, ln.h.nameEnd)])
			continue
		}
		if st.MaxHeaders > 0 && count >= st.MaxHeaders {
			return &failure{status: 494, msg: "client sent too many header lines", linger: true}
		}
		count++
		req.Header.Add(name, value)
		switch k := knownHeader(name); k {
		case hOther:
		case hConnection:
			if containsFold(value, "close") {
				connClose, connKeepAlive = true, false
			} else if containsFold(value, "keep-alive") {
				connClose, connKeepAlive = false, true
			}
		default:
			if p := seen[k]; p != 0 {
				prev := &c.lines[p-1]
				pb := prev.start - c.rlOff
				what := "header line"
				if k == hHost {
					what = "host header"
				}
				return &failure{status: 400, msg: fmt.Sprintf("client sent duplicate %s: \"%s: %s\", previous value: \"%s: %s\"",
					what, name, value, s[pb:pb+prev.h.nameEnd], s[pb+prev.h.valueStart:pb+prev.h.valEnd])}
			}
			seen[k] = i + 1
			if k == hHost {
				if _, ok := gateway.ValidateHost(value); !ok {
					return &failure{status: 400, msg: "client sent invalid host header"}
				}
				c.host = value
			}
		}
	}
	if !complete {
		return nil
	}
	field := func(k int) (string, bool) {
		if p := seen[k]; p != 0 {
			ln := &c.lines[p-1]
			base := ln.start - c.rlOff
			return s[base+ln.h.valueStart : base+ln.h.valEnd], true
		}
		return "", false
	}
	version := rl.version()
	if seen[hHost] == 0 && version > 1000 {
		return &failure{status: 400, msg: "client sent HTTP/1.1 request without \"Host\" header"}
	}
	kind, length := bodyNone, int64(0)
	clText, hasCL := field(hContentLength)
	if hasCL {
		n, ok := parseContentLength(clText)
		if !ok {
			return &failure{status: 400, msg: "client sent invalid \"Content-Length\" header"}
		}
		kind, length = bodyLength, n
	}
	if te, ok := field(hTransferEncoding); ok {
		if version < 1001 {
			return &failure{status: 400, msg: "client sent HTTP/1.0 request with \"Transfer-Encoding\" header"}
		}
		if !strings.EqualFold(te, "chunked") {
			return &failure{status: 501, msg: fmt.Sprintf("client sent unknown \"Transfer-Encoding\": \"%s\"", te)}
		}
		if hasCL {
			return &failure{status: 400, msg: "client sent \"Content-Length\" and \"Transfer-Encoding\" headers at the same time"}
		}
		kind, length = bodyChunked, -1
	}
	if rl.connect {
		return &failure{status: 405, msg: "client sent CONNECT method"}
	}
	if req.Method == "TRACE" {
		return &failure{status: 405, msg: "client sent TRACE method"}
	}
	switch {
	case connClose:
		req.KeepAlive = false
	case connKeepAlive:
		req.KeepAlive = version >= 1000
	default:
		req.KeepAlive = version > 1000
	}
	expect := false
	if v, ok := field(hExpect); ok && version > 1000 && strings.EqualFold(v, "100-continue") {
		expect = true
	}
	req.ContentLength = length
	req.Chunked = kind == bodyChunked
	c.body.reset(c, kind, length, expect)
	if !c.body.done() || expect {
		req.Body = &c.body
	}
	return nil
}

// fail answers a refused request through ServeError and closes.
func (c *conn) fail(f *failure) {
	if f.quiet {
		c.nc.Close()
		return
	}
	action := "reading client request headers"
	if !c.rlOK || c.rl.major == 0 {
		action = "reading client request line"
	}
	c.logf(gateway.LevelInfo, action, "%s", f.msg)
	req := &c.req
	req.KeepAlive = false
	if f.silent {
		c.h.Gateway.ServeError(req, noResponse{}, f.status)
		if f.status == 408 && c.st.ResetTimedoutConn {
			if tc, ok := c.nc.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
		}
		c.nc.Close()
		return
	}
	c.rd.flush = false
	c.resp.reset(c, req)
	c.h.Gateway.ServeError(req, &c.resp, f.status)
	c.rd.flush = true
	if c.resp.hijacked {
		c.hijacked = true
		return
	}
	c.resp.finish()
	c.close(f.linger)
}

// close ends the connection, after a lingering close when the client may
// still be sending: closing with unread data would reset the connection
// and could destroy the answer before the client read it.
func (c *conn) close(pendingInput bool) {
	st := c.st
	linger := st.LingeringClose == "always" ||
		st.LingeringClose == "on" && (pendingInput || c.br.Buffered() > 0)
	if c.bw.Flush() != nil || !linger {
		c.nc.Close()
		return
	}
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	end := time.Now().Add(st.LingeringTime)
	buf := c.scratchBuf()
	c.br.Discard(c.br.Buffered())
	for {
		d := time.Now().Add(st.LingeringTimeout)
		if d.After(end) {
			d = end
		}
		c.nc.SetReadDeadline(d)
		if _, err := c.nc.Read(buf); err != nil {
			break
		}
	}
	c.nc.Close()
}

// mayKeepAlive reports whether the connection may outlive the answer
// being sent: not while the Set shuts down, nor past keepalive_time.
func (c *conn) mayKeepAlive() bool {
	if c.lc.Draining() {
		return false
	}
	return c.st.KeepaliveTime <= 0 || c.start.Sub(c.info.Start) <= c.st.KeepaliveTime
}

// sendContinue answers "Expect: 100-continue" when the body is first read.
func (c *conn) sendContinue() error {
	if c.resp.headerSent {
		return nil
	}
	c.bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
	return c.bw.Flush()
}

// logf writes an error-log line with nginx's context: ", client: ...,
// server: ..., request: "...", host: "..."".
func (c *conn) logf(level gateway.Level, action, format string, args ...any) {
	st := c.st
	if st == nil {
		st = defaultSettings
	}
	l := st.ErrorLog
	if l == nil {
		l = stderrLog
	}
	if !l.Enabled(level) {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, format, args...)
	if action != "" {
		b.WriteString(" while ")
		b.WriteString(action)
	}
	b.WriteString(", client: ")
	addr := c.info.RemoteAddr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		addr = h
	}
	b.WriteString(addr)
	b.WriteString(", server: ")
	b.WriteString(st.ServerName)
	if a := c.active; a != nil && a.reqLine != "" {
		b.WriteString(", request: \"")
		b.WriteString(a.reqLine)
		b.WriteString("\"")
	}
	if a := c.active; a != nil && a.host != "" {
		b.WriteString(", host: \"")
		b.WriteString(a.host)
		b.WriteString("\"")
	}
	l.Log(level, c.info.ID, b.String())
}

// noResponse is the writer of requests whose answer nginx never sends
// (timeouts, clients gone): the gateway logs them, nothing is written.
type noResponse struct{}

var errNoResponse = errors.New("listener: connection closed without an answer")

func (noResponse) WriteHeader(int, *gateway.Header, bool) error { return errNoResponse }
func (noResponse) Write([]byte) (int, error)                    { return 0, errNoResponse }
func (noResponse) Flush() error                                 { return errNoResponse }

// connReader reads from the connection under the deadline of the current
// phase: an absolute one (header, keep-alive wait) and/or one per read
// (body, discarding). Before it blocks, it sends the buffered answers, so
// that a pipelining client never waits for them.
//
// The socket's deadline is moved lazily: it may come before the one
// wanted, and when it does the read is tried again under the one wanted.
// Each request wants a later deadline than the one before; moving the
// socket's for each would cost a timer update per request, where this
// costs one per timeout's length. A deadline that comes earlier than the
// socket's is set at once.
type connReader struct {
	c        *conn
	deadline time.Time
	timeout  time.Duration
	set      time.Time // the deadline the connection has
	flush    bool
}

func (r *connReader) Read(p []byte) (int, error) {
	c := r.c
	if r.flush && c.bw.Buffered() > 0 {
		if err := c.bw.Flush(); err != nil {
			return 0, err
		}
	}
	d := r.deadline
	if r.timeout > 0 {
		t := time.Now().Add(r.timeout)
		if d.IsZero() || t.Before(d) {
			d = t
		}
	}
	if r.set.Equal(unknownDeadline) || !d.IsZero() && (r.set.IsZero() || d.Before(r.set)) {
		if err := r.setDeadline(d); err != nil {
			return 0, err
		}
	}
	for {
		n, err := c.nc.Read(p)
		if n > 0 || !errors.Is(err, os.ErrDeadlineExceeded) || r.set.Equal(d) {
			return n, err
		}
		if !d.IsZero() && !time.Now().Before(d) {
			return n, err
		}
		// the socket's deadline was an earlier one
		if err := r.setDeadline(d); err != nil {
			return 0, err
		}
	}
}

func (r *connReader) setDeadline(d time.Time) error {
	if err := r.c.nc.SetReadDeadline(d); err != nil {
		return err
	}
	r.set = d
	return nil
}

// connWriter writes to the connection with send_timeout for each write.
type connWriter struct {
	c       *conn
	timeout time.Duration
	set     time.Time
}

func (w *connWriter) Write(p []byte) (int, error) {
	if w.timeout > 0 {
		d := time.Now().Add(w.timeout)
		if w.set.IsZero() || d.Sub(w.set) >= w.timeout>>5 {
			if err := w.c.nc.SetWriteDeadline(d); err != nil {
				return 0, err
			}
			w.set = d
		}
	}
	return w.c.nc.Write(p)
}
