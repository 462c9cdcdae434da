package proxy

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"time"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/upstream"
)

// reqData is the proxy's per-request state that outlives the content
// handler: the target ($proxy_host, $proxy_port), the tries ($upstream_*)
// and the upstream's response header ($upstream_http_*). Log-phase
// variables read it after the handler returned, so it cannot go back to
// a pool when the handler ends; instead it stays with the Ctx as its
// spare value (Ctx.Spare), which the core keeps only once the request,
// log phase included, is over, and the next request served by that Ctx
// starts from it. The header fields point into a string made per answer,
// never into reused memory: filters and scripts may keep what they read.
type reqData struct {
	tgt        *target
	bodyLength int64 // $proxy_internal_body_length; -1: none
	chunked    bool  // $proxy_internal_chunked
	states     []tryState
	stateBuf   [2]tryState
	hdr        gateway.Header
	// body holds the buffered client body: $request_body reads it in the
	// log phase, so it stays valid until the request is over.
	body []byte
}

var dataKey = gateway.NewCtxKey()

func requestData(c *gateway.Ctx) *reqData {
	if rd, ok := c.Data(dataKey).(*reqData); ok {
		return rd
	}
	rd, _ := c.Spare(dataKey).(*reqData)
	if rd == nil {
		rd = &reqData{hdr: newHeader()}
		rd.states = rd.stateBuf[:0]
		c.SetSpare(dataKey, rd)
	} else {
		rd.reset()
	}
	rd.bodyLength = -1
	c.SetData(dataKey, rd)
	return rd
}

// reset clears what an earlier request left in rd, keeping its storage.
func (rd *reqData) reset() {
	hdr := rd.hdr
	clear(hdr.Fields()) // let the old answer's text go
	hdr.Reset()
	states := rd.states[:0]
	clear(states[:cap(states)])
	body := rd.body[:0]
	if cap(body) > maxPooled {
		body = nil
	}
	*rd = reqData{hdr: hdr, states: states, body: body}
}

// newHeader returns an empty header with room for the fields of a usual
// answer, allocated at once.
func newHeader() gateway.Header {
	var h gateway.Header
	h.Grow(16)
	return h
}

// exchange is one proxied request in progress. Exchanges are pooled:
// everything in it is scratch space the request does not keep.
type exchange struct {
	h  *Handler
	c  *gateway.Ctx
	rd *reqData

	tgt *target
	up  *upstream.Upstream

	tried    upstream.Tried
	clientIP netip.Addr
	hashKey  []byte

	req        []byte // request line, header, and proxy_set_body
	uriStart   int
	uriEnd     int
	body       []byte // buffered client body, in reqData.body
	streamBody bool   // the body is read from the client while sending
	chunked    bool   // the streamed body goes upstream chunked
	connClose  bool   // the request said "Connection: close"
	head       bool   // the method sent is HEAD
	method     string
	upgrade    bool // the client asked for a protocol upgrade

	tries    int
	start    time.Time
	tryStart time.Time
	// now is the last time read from the clock in this try: deadlines
	// for steps that follow without a wait are set from it, which saves
	// a clock reading each.
	now time.Time
	st  *tryState

	peer        *upstream.Peer
	peerName    string
	conn        *pconn
	uconn       net.Conn // conn as the keepalive cache knows it
	cached      bool
	br          *bufio.Reader
	requestSent bool
	bodySent    bool

	resp      response
	kinds     []uint8 // kind of each response field, see classify
	unflushed bool    // body bytes written but not flushed
	copyBuf   []byte
}

var exchangePool = sync.Pool{New: func() any { return new(exchange) }}

func getExchange(h *Handler, c *gateway.Ctx) *exchange {
	x := exchangePool.Get().(*exchange)
	x.h, x.c = h, c
	if x.br == nil || x.br.Size() < h.bufSize {
		x.br = bufio.NewReaderSize(nil, h.bufSize)
	}
	return x
}

// maxPooled is the largest buffer an exchange keeps for the next request.
const maxPooled = 64 << 10

func (x *exchange) release() {
	if x.peer != nil {
		// only a panic gets here with a try still open
		x.endTry(false, false)
	}
	x.br.Reset(nil)
	req, kinds, cb, hk := x.req[:0], x.kinds[:0], x.copyBuf, x.hashKey[:0]
	if cap(req) > maxPooled {
		req = nil
	}
	br := x.br
	x.tried.Reset()
	tried := x.tried
	*x = exchange{req: req, kinds: kinds, copyBuf: cb, br: br, tried: tried, hashKey: hk}
	exchangePool.Put(x)
}

// run is the whole exchange: target, body, request, then tries until one
// answers or the failures run out.
func (x *exchange) run() gateway.Result {
	c := x.c
	x.rd = requestData(c)
	if len(x.rd.states) > 0 {
		// a second upstream exchange in the same request
		x.rd.states = append(x.rd.states, tryState{})
	}
	if res, ok := x.resolve(); !ok {
		return res
	}
	x.rd.tgt = x.tgt
	if res, ok := x.prepareBody(); !ok {
		return res
	}
	if res, ok := x.buildRequest(); !ok {
		return res
	}
	if _, ok := x.up.Method().(upstream.IPHash); ok {
		// $remote_addr, which realip may have replaced
		addr, _ := c.VarByName("remote_addr")
		x.clientIP, _ = netip.ParseAddr(addr)
	}
	if k := x.up.HashKey(); k != nil {
		x.hashKey = append(x.hashKey[:0], k.Eval(c)...)
	}
	x.tries = x.up.Len()
	if lim := x.h.opt.NextUpstreamTries; lim > 0 && x.tries > lim {
		x.tries = lim
	}
	for {
		res, ft, status := x.try()
		if ft == 0 {
			x.rd.publish(c)
			return res
		}
		if !x.next(ft, status) {
			x.rd.publish(c)
			return gateway.Status(status)
		}
	}
}

// try makes one attempt: pick a peer, connect (or reuse a kept
// connection), send the request and read the answer. A failure is
// returned as its proxy_next_upstream condition and the status it would
// end the request with.
func (x *exchange) try() (gateway.Result, NextUpstream, int) {
	x.tryStart = time.Now()
	if x.start.IsZero() {
		x.start = x.tryStart
	}
	x.now = x.tryStart
	p, err := x.up.Pick(&x.tried, x.clientIP, x.hashKey)
	if err != nil {
		x.peerName = x.up.Name()
		x.st = x.rd.push(x.peerName)
		x.logf(gateway.LevelError, actConnect, nil, "no live upstreams")
		return gateway.Result{}, nextNoLive, 502
	}
	x.peer, x.peerName = p, p.Name
	x.st = x.rd.push(p.Name)
	x.requestSent, x.bodySent = false, false

	if ft := x.connect(); ft != 0 {
		return gateway.Result{}, ft, failStatus(ft)
	}
	if ft, res, ok := x.send(); !ok {
		if ft == 0 {
			// the client failed while its body was streamed
			x.endTry(false, false)
			return res, 0, 0
		}
		return gateway.Result{}, ft, failStatus(ft)
	}
	// The answer cannot be there yet: reading now would fail with
	// EAGAIN and park the goroutine in the network poller, a system call
	// and a trip through the scheduler for nothing. Letting the other
	// runnable goroutines go first gives the peer that time, as nginx's
	// event loop serves the other ready connections before it comes back
	// to this one; with nothing else to run it costs next to nothing.
	runtime.Gosched()
	if ft := x.readHeader(); ft != 0 {
		return gateway.Result{}, ft, failStatus(ft)
	}
	return x.respond()
}

// failStatus is the status a failed try would end the request with.
func failStatus(ft NextUpstream) int {
	switch ft {
	case NextTimeout, NextHTTP504:
		return 504
	case NextHTTP500:
		return 500
	case NextHTTP503:
		return 503
	case NextHTTP403:
		return 403
	case NextHTTP404:
		return 404
	case NextHTTP429:
		return 429
	}
	return 502
}

// next ends a failed try and decides, as nginx's ngx_http_upstream_next
// does, whether another one is made.
func (x *exchange) next(ft NextUpstream, status int) bool {
	staleConn := x.cached && ft == NextError && x.conn != nil && x.conn.recv == 0
	if x.peer != nil {
		failed := ft != NextHTTP403 && ft != NextHTTP404 && !staleConn
		x.endTry(false, failed)
		x.tries--
	}
	if staleConn {
		// a kept connection the peer closed meanwhile is not the
		// peer's fault, and does not use up a try
		x.tries++
	}
	x.st.status = status
	if x.requestSent && nonIdempotent(x.method) {
		ft |= NextNonIdempotent
	}
	if x.tries <= 0 || x.h.opt.NextUpstream&ft != ft ||
		(x.requestSent && x.streamBody) || !x.timeoutLeft() {
		return false
	}
	return true
}

// canNext is nginx's test before trying the next peer for an upstream
// answer with an error status: the answer is passed on unless another
// try is both allowed and possible.
func (x *exchange) canNext(ft NextUpstream) bool {
	mask := ft
	if x.requestSent && nonIdempotent(x.method) {
		mask |= NextNonIdempotent
	}
	return x.tries > 1 && x.h.opt.NextUpstream&mask == mask &&
		!(x.requestSent && x.streamBody) && x.timeoutLeft()
}

// endTry finishes the current try: times and byte counts for the
// variables, the connection kept for reuse or closed, the peer released.
func (x *exchange) endTry(keep, failed bool) {
	st := x.st
	if st.response < 0 {
		st.response = time.Since(x.tryStart)
	}
	if pc := x.conn; pc != nil {
		st.sent += pc.sent
		st.recv += pc.recv
		x.peer.AddTraffic(pc.sent, pc.recv)
		pc.sent, pc.recv = 0, 0
		x.br.Reset(nil)
		x.conn = nil
		if keep {
			x.up.Keep(x.peer, x.uconn, pc.requests)
		} else {
			pc.Close()
		}
		x.uconn = nil
	}
	x.peer.Done(failed)
	x.peer = nil
	x.cached = false
}

// uncheckedIdle is how long a kept connection may have been idle and
// still be reused without the liveness check, for requests that
// staleRetryable allows (see upstream.IdleUnchecked for the trade-off).
// Under load connections come back within milliseconds; a peer that
// closes its idle connections after less than this is rare.
const uncheckedIdle = 50 * time.Millisecond

// staleRetryable reports whether the request, should it be sent on a
// kept connection the peer has closed meanwhile, would be sent again on
// another one (next decides that the same way): the "error" condition of
// proxy_next_upstream, a method that may be sent twice, and a body that
// is not streamed from the client.
func (x *exchange) staleRetryable() bool {
	next := x.h.opt.NextUpstream
	if next&NextError == 0 || x.streamBody {
		return false
	}
	return !nonIdempotent(x.method) || next&NextNonIdempotent != 0
}

// connect takes a kept connection to the peer or dials a new one.
func (x *exchange) connect() NextUpstream {
	x.resp = response{}
	var nc net.Conn
	if x.staleRetryable() {
		nc = x.up.IdleUnchecked(x.peer, uncheckedIdle)
	} else {
		nc = x.up.Idle(x.peer)
	}
	if nc != nil {
		var pc *pconn
		if w, ok := nc.(*upstream.Conn); ok {
			pc, _ = w.NetConn().(*pconn)
		}
		if pc == nil {
			pc = newPconn(nc)
		}
		x.conn, x.uconn, x.cached = pc, nc, true
		x.st.connect = 0
	} else {
		ctx, cancel := context.Background(), context.CancelFunc(nil)
		if t := x.h.opt.ConnectTimeout; t > 0 {
			ctx, cancel = context.WithTimeout(ctx, t)
		}
		nc, err := x.h.dial(ctx, x.peer.Network, x.peer.Addr)
		if cancel != nil {
			cancel()
		}
		if err != nil {
			if isTimeout(err) || errors.Is(err, context.DeadlineExceeded) {
				x.logf(gateway.LevelError, actConnect, errTimedOut, "upstream timed out")
				return NextTimeout
			}
			x.logf(gateway.LevelError, actConnect, err, "connect() to %s failed", x.peer.Name)
			return NextError
		}
		x.conn = newPconn(nc)
		x.uconn = x.up.Track(x.conn)
		x.now = time.Now()
		x.st.connect = x.now.Sub(x.tryStart)
	}
	x.conn.requests++
	x.br.Reset(x.conn)
	return 0
}

// errTimedOut stands for ETIMEDOUT in log lines about our own timers.
var errTimedOut = error(timeoutError{})

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }
