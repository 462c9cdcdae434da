package proxy

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/upstream"
)

// resolveTimeout bounds the name lookup of a proxy_pass with variables
// (nginx's resolver_timeout default).
const resolveTimeout = 30 * time.Second

// resolve finds the target and its upstream: the configured one, or for
// proxy_pass with variables the evaluated URL, whose host is an
// upstream{} name or is resolved now.
func (x *exchange) resolve() (gateway.Result, bool) {
	h := x.h
	if h.opt.URLTemplate == nil {
		x.tgt, x.up = h.tgt, h.tgt.up
		if x.up == nil {
			x.c.Logf(gateway.LevelAlert, "no upstream configuration")
			return gateway.Status(500), false
		}
		return gateway.Result{}, true
	}
	url := h.opt.URLTemplate.Eval(x.c)
	t, err := parseTarget(url)
	if err != nil {
		if err == errInvalidPrefix {
			x.c.Logf(gateway.LevelError, "invalid URL prefix in \"%s\"", url)
		} else {
			x.c.Logf(gateway.LevelError, "%v in upstream \"%s\"", err, url[strings.Index(url, "://")+3:])
		}
		return gateway.Status(500), false
	}
	// the evaluated URI part is sent as it is, without the location
	// prefix rule
	x.tgt = t
	var u *upstream.Upstream
	if h.opt.Lookup != nil {
		if t.noPort {
			u = h.opt.Lookup(t.host)
		}
	} else {
		u = upstream.Lookup(x.c.Config, t.host, t.portNum)
	}
	if u != nil {
		t.up, x.up = u, u
		return gateway.Result{}, true
	}
	ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
	u, err = upstream.Resolve(ctx, t.written)
	cancel()
	if err != nil {
		x.c.Logf(gateway.LevelError, "%v", err)
		return gateway.Status(502), false
	}
	t.up, x.up = u, u
	return gateway.Result{}, true
}

// prepareBody reads the client body when it must be buffered, or marks it
// for streaming (proxy_request_buffering off).
func (x *exchange) prepareBody() (gateway.Result, bool) {
	c, opt, rd := x.c, &x.h.opt, x.rd
	req := c.Req
	rd.chunked = false
	switch {
	case opt.Body != nil:
		// proxy_set_body goes out with the header, see buildRequest
		return gateway.Result{}, true
	case !opt.PassRequestBody || req.ContentLength == 0 || req.Body == nil:
		rd.bodyLength = req.ContentLength
		if rd.bodyLength == 0 && req.Header.Get("Content-Length") == "" {
			rd.bodyLength = -1
		}
		return gateway.Result{}, true
	case !opt.RequestBuffering && (req.ContentLength >= 0 || opt.HTTP11):
		x.streamBody = true
		rd.bodyLength = req.ContentLength
		if req.ContentLength < 0 {
			rd.chunked = true
			x.chunked = true
		}
		return gateway.Result{}, true
	}
	limit := c.Loc.Core.ClientMaxBodySize
	buf := rd.body[:0]
	if n := req.ContentLength; n > 0 && int64(cap(buf)) <= n {
		// room for the whole body and a look past its end, made at once
		// (up to a size a lying Content-Length cannot abuse)
		buf = make([]byte, 0, min(n+1, maxPrealloc))
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := req.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if limit > 0 && req.ContentLength < 0 && int64(len(buf)) > limit {
			rd.body = buf
			c.Logf(gateway.LevelError, "client intended to send too large chunked body: %d+%d bytes", len(buf)-n, n)
			c.SetKeepAlive(false)
			return gateway.Status(413), false
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			rd.body = buf
			c.SetKeepAlive(false)
			if isTimeout(err) {
				c.Logf(gateway.LevelInfo, "client timed out (110: Connection timed out) while reading client request body")
				return gateway.Status(408), false
			}
			c.Logf(gateway.LevelInfo, "client prematurely closed connection while reading client request body")
			return gateway.Status(400), false
		}
	}
	rd.body, x.body = buf, buf
	rd.bodyLength = int64(len(buf))
	// $request_body; the buffer is reused only once the request is over
	c.SetRequestBody(buf)
	return gateway.Result{}, true
}

// maxPrealloc bounds the buffer made for a client body from its
// Content-Length alone; a larger body grows it as it arrives.
const maxPrealloc = 1 << 20

// buildRequest writes the request line and header (and a proxy_set_body
// body) into x.req, as nginx's ngx_http_proxy_create_request.
func (x *exchange) buildRequest() (gateway.Result, bool) {
	c, h := x.c, x.h
	opt := &h.opt
	x.method = c.Method
	if opt.Method != nil {
		x.method = opt.Method.Eval(c)
	}
	x.head = x.method == "HEAD"
	x.upgrade = c.Req.ProtoMajor == 1 && c.Req.Header.Has("Upgrade")

	var setBody string
	if opt.Body != nil {
		setBody = opt.Body.Eval(c)
		x.rd.bodyLength = int64(len(setBody))
	}

	b := x.req[:0]
	b = append(b, x.method...)
	b = append(b, ' ')
	x.uriStart = len(b)
	b = x.appendURI(b)
	x.uriEnd = len(b)
	if x.uriEnd == x.uriStart {
		x.req = b
		c.Logf(gateway.LevelError, "zero length URI to proxy")
		return gateway.Status(500), false
	}
	if opt.HTTP11 {
		b = append(b, " HTTP/1.1\r\n"...)
	} else {
		b = append(b, " HTTP/1.0\r\n"...)
	}
	x.connClose = false
	for i := range h.ops {
		op := &h.ops[i]
		switch op.kind {
		case opLiteral:
			b = append(b, op.lit...)
			x.connClose = x.connClose || op.close
			continue
		case opHost:
			if x.tgt.hostHeader == "" {
				continue
			}
			b = append(b, op.lit...)
			b = append(b, x.tgt.hostHeader...)
		case opBodyLength:
			if x.rd.bodyLength < 0 {
				continue
			}
			b = append(b, op.lit...)
			b = strconv.AppendInt(b, x.rd.bodyLength, 10)
		case opChunked:
			if !x.rd.chunked {
				continue
			}
			b = append(b, op.lit...)
			b = append(b, "chunked"...)
		case opTemplate:
			v := op.tpl.Eval(c)
			if v == "" {
				continue
			}
			if op.conn && indexFold(v, "close") >= 0 {
				x.connClose = true
			}
			b = append(b, op.lit...)
			b = append(b, v...)
		}
		b = append(b, '\r', '\n')
	}
	if opt.PassRequestHeaders {
		for _, f := range c.Req.Header.Fields() {
			if h.skip.has(f.Name) {
				continue
			}
			b = append(b, f.Name...)
			b = append(b, ':', ' ')
			b = append(b, f.Value...)
			b = append(b, '\r', '\n')
		}
	}
	b = append(b, '\r', '\n')
	b = append(b, setBody...)
	x.req = b
	return gateway.Result{}, true
}

// uri is the request URI sent upstream, for log lines.
func (x *exchange) uri() []byte { return x.req[x.uriStart:x.uriEnd] }

// appendURI writes the URI of the upstream request, by nginx's rules:
//   - proxy_pass with variables and a URI part: that URI as it is;
//   - no URI part and an unchanged request URI: the client's URI as sent;
//   - otherwise the current URI, whose matched location prefix is
//     replaced by the URI part, escaped again when needed, with $args.
func (x *exchange) appendURI(b []byte) []byte {
	c, h, t := x.c, x.h, x.tgt
	if h.opt.URLTemplate != nil && t.uri != "" {
		return append(b, t.uri...)
	}
	rawPath, rawArgs, unchanged := x.originalURI()
	if t.uri == "" && unchanged {
		b = append(b, rawPath...)
		if rawArgs >= 0 {
			b = append(b, '?')
			b = append(b, c.Req.RequestURI[rawArgs:]...)
		}
		return b
	}
	uri := c.URI
	if t.uri != "" && c.LocationURIValid() {
		loc := min(len(h.loc), len(uri))
		b = append(b, t.uri...)
		uri = uri[loc:]
	}
	if !unchanged || c.Internal() || strings.IndexByte(rawPath, '%') >= 0 {
		b = appendEscaped(b, uri)
	} else {
		b = append(b, uri...)
	}
	if c.Args != "" {
		b = append(b, '?')
		b = append(b, c.Args...)
	}
	return b
}

// originalURI returns the path of the request target as the client sent
// it, the index of its query string in RequestURI (-1 without '?'), and
// whether the current URI and arguments are still the ones parsed from
// it (nginx's valid_unparsed_uri).
func (x *exchange) originalURI() (path string, argsAt int, unchanged bool) {
	c := x.c
	target := c.Req.RequestURI
	start := 0
	if target != "" && target[0] != '/' {
		if i := strings.Index(target, "://"); i >= 0 {
			if j := strings.IndexAny(target[i+3:], "/?"); j >= 0 {
				start = i + 3 + j
			} else {
				start = len(target)
			}
		}
	}
	path, argsAt = target[start:], -1
	if q := strings.IndexByte(path, '?'); q >= 0 {
		argsAt = start + q + 1
		path = path[:q]
	}
	args := ""
	if argsAt >= 0 {
		args = target[argsAt:]
	}
	if args != c.Args || path == "" || c.Internal() {
		// rewritten (nginx's rewrite makes the request internal)
		return path, argsAt, false
	}
	if path == c.URI {
		return path, argsAt, true
	}
	if strings.IndexByte(path, '#') >= 0 {
		return path, argsAt, false
	}
	merge := c.Server != nil && c.Server.MergeSlashes
	norm, err := gateway.NormalizePath(path, merge)
	return path, argsAt, err == nil && norm == c.URI
}

// uriEscape marks the bytes nginx's NGX_ESCAPE_URI escapes: controls,
// space, '"', '#', '%', '<', '>', '?', '\\', '^', '`', '{', '|', '}',
// DEL and non-ASCII.
var uriEscape = func() (t [256]bool) {
	for i := 0; i < 0x20; i++ {
		t[i] = true
	}
	for i := 0x7f; i < 256; i++ {
		t[i] = true
	}
	for _, c := range " \"#%<>?\\^`{|}" {
		t[c] = true
	}
	return
}()

func appendEscaped(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if uriEscape[ch] {
			b = append(b, '%', hex[ch>>4], hex[ch&0xf])
			continue
		}
		b = append(b, ch)
	}
	return b
}

// send writes the request (and the body) to the upstream. A client that
// fails while its body is streamed ends the request (ok=false, ft=0).
func (x *exchange) send() (NextUpstream, gateway.Result, bool) {
	conn := x.conn
	opt := &x.h.opt
	x.requestSent = true
	conn.SetWriteDeadline(deadline(x.now, opt.SendTimeout))
	var err error
	if len(x.body) <= 16<<10 {
		// one write for a small body
		n := len(x.req)
		x.req = append(x.req, x.body...)
		_, err = conn.Write(x.req)
		x.req = x.req[:n]
	} else {
		_, err = conn.Write(x.req)
		if err == nil && len(x.body) > 0 {
			_, err = conn.Write(x.body)
		}
	}
	if err == nil && x.streamBody {
		ft, res, ok := x.streamRequestBody()
		x.now = time.Now()
		return ft, res, ok
	}
	if err != nil {
		return x.sendFailed(err), gateway.Result{}, false
	}
	if len(x.req)+len(x.body) > 16<<10 {
		// the writes may have waited for the peer
		x.now = time.Now()
	}
	x.bodySent = true
	return 0, gateway.Result{}, true
}

func (x *exchange) sendFailed(err error) NextUpstream {
	if isTimeout(err) {
		x.logf(gateway.LevelError, actSend, errTimedOut, "upstream timed out")
		return NextTimeout
	}
	if !x.cached || x.conn.recv != 0 {
		x.logf(gateway.LevelError, actSend, err, "writev() failed")
	}
	return NextError
}

// streamRequestBody copies the client body upstream as it arrives,
// chunked when its length is unknown and HTTP/1.1 is spoken.
func (x *exchange) streamRequestBody() (NextUpstream, gateway.Result, bool) {
	c, conn := x.c, x.conn
	opt := &x.h.opt
	if cap(x.copyBuf) < 16<<10 {
		x.copyBuf = make([]byte, 16<<10)
	}
	buf := x.copyBuf[:cap(x.copyBuf)]
	var sent int64
	limit := c.Loc.Core.ClientMaxBodySize
	for {
		off := 0
		if x.chunked {
			off = 18 // room for the chunk size line
		}
		n, rerr := c.Req.Body.Read(buf[off : len(buf)-2])
		if n > 0 {
			sent += int64(n)
			if limit > 0 && x.chunked && sent > limit {
				c.Logf(gateway.LevelError, "client intended to send too large chunked body: %d+%d bytes", sent-int64(n), n)
				c.SetKeepAlive(false)
				return 0, gateway.Status(413), false
			}
			p := buf[off : off+n]
			if x.chunked {
				size := strconv.AppendInt(buf[:0:off], int64(n), 16)
				size = append(size, '\r', '\n')
				start := off - len(size)
				copy(buf[start:], size)
				p = append(buf[start:off+n], '\r', '\n')
			}
			conn.SetWriteDeadline(after(opt.SendTimeout))
			if _, err := conn.Write(p); err != nil {
				return x.sendFailed(err), gateway.Result{}, false
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			c.SetKeepAlive(false)
			if isTimeout(rerr) {
				c.Logf(gateway.LevelInfo, "client timed out (110: Connection timed out) while reading client request body")
				return 0, gateway.Status(408), false
			}
			c.Logf(gateway.LevelInfo, "client prematurely closed connection while reading client request body")
			return 0, gateway.Status(400), false
		}
	}
	if x.chunked {
		conn.SetWriteDeadline(after(opt.SendTimeout))
		if _, err := conn.Write([]byte("0\r\n\r\n")); err != nil {
			return x.sendFailed(err), gateway.Result{}, false
		}
	}
	x.bodySent = true
	return 0, gateway.Result{}, true
}
