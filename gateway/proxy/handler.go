package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/gonjet/gonjet/gateway"
)

// Handler is the proxy_pass content handler of a location: it sends the
// request to a peer of an upstream group over its own HTTP/1.x client,
// retries other peers as NextUpstream allows, and streams the answer to
// the client with nginx's header rules. Build it with New and set it as
// Location.Content. A Handler is immutable and safe for concurrent use.
type Handler struct {
	opt Options
	// tgt is the static target; nil with a URLTemplate. Its upstream may
	// be filled after New (the configuration resolves upstream names
	// once every upstream{} block is known).
	tgt *target
	loc string

	ops      []headerOp
	skip     nameSet // request fields not passed from the client
	hide     nameSet // response fields not passed to the client
	dial     func(ctx context.Context, network, addr string) (net.Conn, error)
	bufSize  int // reader size
	hdrLimit int // largest response header
}

// headerOp is one step of writing the request header: literal bytes or a
// field computed per request.
type headerOp struct {
	kind  opKind
	lit   []byte // opLiteral: whole lines; others: "Name: "
	tpl   *gateway.Template
	close bool // opLiteral Connection line saying "close"
	conn  bool // the field is Connection
}

type opKind uint8

const (
	opLiteral opKind = iota
	opTemplate
	opHost
	opBodyLength
	opChunked
)

// defaultHeaders are nginx's proxy_set_header defaults (before 1.29).
var defaultHeaders = []struct {
	name string
	kind opKind
	val  string
}{
	{"Host", opHost, ""},
	{"Connection", opLiteral, "close"},
	{"Content-Length", opBodyLength, ""},
	{"Transfer-Encoding", opChunked, ""},
	{"TE", opLiteral, ""},
	{"Keep-Alive", opLiteral, ""},
	{"Expect", opLiteral, ""},
	{"Upgrade", opLiteral, ""},
}

// defaultHide are the upstream fields nginx does not pass to the client.
var defaultHide = []string{"Date", "Server", "X-Pad", "X-Accel-Expires", "X-Accel-Redirect", "X-Accel-Limit-Rate", "X-Accel-Buffering", "X-Accel-Charset"}

// New builds a Handler from opt, which should start as DefaultOptions:
// zero values mean what they say (no buffering, no timeouts...), not
// nginx's defaults. opt.URL needs opt.Upstream; opt.URLTemplate replaces
// both.
func New(opt Options) (*Handler, error) {
	var tgt *target
	if opt.URLTemplate == nil {
		if opt.URL == "" {
			return nil, errors.New("proxy: no URL")
		}
		t, err := parseTarget(opt.URL)
		if err != nil {
			return nil, fmt.Errorf("proxy: %v in \"%s\"", err, opt.URL)
		}
		if opt.Upstream == nil {
			return nil, errors.New("proxy: no upstream for " + opt.URL)
		}
		t.up = opt.Upstream
		tgt = t
	}
	return newHandler(opt, tgt)
}

func newHandler(opt Options, tgt *target) (*Handler, error) {
	if opt.BuffersNum < 2 {
		return nil, errors.New("there must be at least 2 \"proxy_buffers\"")
	}
	if opt.BufferSize <= 0 {
		opt.BufferSize = 4096
	}
	h := &Handler{opt: opt, tgt: tgt, loc: opt.Location, hdrLimit: opt.BufferSize}
	h.bufSize = max(opt.BufferSize, opt.BuffersSize, 16384)
	h.compileHeaders()
	for _, n := range defaultHide {
		h.hide.add(n)
	}
	for _, n := range opt.HideHeaders {
		h.hide.add(n)
	}
	for _, n := range opt.PassHeaders {
		h.hide.remove(n)
	}
	h.dial = opt.Dial
	if h.dial == nil {
		d := &net.Dialer{Timeout: opt.ConnectTimeout}
		if opt.SocketKeepalive {
			d.KeepAliveConfig = net.KeepAliveConfig{Enable: true, Idle: -1, Interval: -1, Count: -1}
		} else {
			d.KeepAlive = -1
		}
		h.dial = d.DialContext
	}
	return h, nil
}

// compileHeaders turns proxy_set_header settings and nginx's defaults into
// the ops written per request: user settings first in their order, then
// the defaults they do not override; fields whose value is empty are
// dropped but still keep the client's field of that name out.
func (h *Handler) compileHeaders() {
	type entry struct {
		name string
		kind opKind
		val  string
		tpl  *gateway.Template
	}
	var merged []entry
	for _, sh := range h.opt.SetHeaders {
		e := entry{name: sh.Name, kind: opTemplate, tpl: sh.Value}
		if sh.Value == nil || sh.Value.IsStatic() {
			e.kind = opLiteral
			if sh.Value != nil {
				e.val = sh.Value.Raw()
			}
			e.tpl = nil
		}
		merged = append(merged, e)
	}
	for _, d := range defaultHeaders {
		dup := false
		for _, e := range merged {
			if eqFold(e.name, d.name) {
				dup = true
				break
			}
		}
		if !dup {
			merged = append(merged, entry{name: d.name, kind: d.kind, val: d.val})
		}
	}
	for _, e := range merged {
		h.skip.add(e.name)
		isConn := eqFold(e.name, "Connection")
		switch e.kind {
		case opLiteral:
			if e.val == "" {
				continue
			}
			line := []byte(e.name + ": " + e.val + "\r\n")
			closes := isConn && indexFold(e.val, "close") >= 0
			if n := len(h.ops); n > 0 && h.ops[n-1].kind == opLiteral {
				h.ops[n-1].lit = append(h.ops[n-1].lit, line...)
				h.ops[n-1].close = h.ops[n-1].close || closes
				continue
			}
			h.ops = append(h.ops, headerOp{kind: opLiteral, lit: line, close: closes})
		default:
			h.ops = append(h.ops, headerOp{kind: e.kind, lit: []byte(e.name + ": "), tpl: e.tpl, conn: isConn})
		}
	}
}

// Handle proxies the request; it is the location's content handler.
func (h *Handler) Handle(c *gateway.Ctx) gateway.Result {
	x := getExchange(h, c)
	defer x.release()
	return x.run()
}

// timeoutLeft reports whether proxy_next_upstream_timeout still allows a
// try.
func (x *exchange) timeoutLeft() bool {
	t := x.h.opt.NextUpstreamTimeout
	return t == 0 || time.Since(x.start) < t
}

// hasErrorPage reports whether the current location has an error_page
// for status, for proxy_intercept_errors.
func hasErrorPage(c *gateway.Ctx, status int) bool {
	for i := range c.Loc.Core.ErrorPages {
		for _, code := range c.Loc.Core.ErrorPages[i].Codes {
			if code == status {
				return true
			}
		}
	}
	return false
}

// nonIdempotent reports whether nginx treats the method as unsafe to
// resend (POST, LOCK, PATCH).
func nonIdempotent(m string) bool {
	return m == "POST" || m == "LOCK" || m == "PATCH"
}

var _ gateway.Filter = (*Handler)(nil)

// String describes the handler as its directive.
func (h *Handler) String() string {
	if h.opt.URLTemplate != nil {
		return "proxy_pass " + h.opt.URLTemplate.Raw()
	}
	return "proxy_pass " + h.tgt.url
}
