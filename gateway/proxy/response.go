package proxy

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/gonjet/gonjet/gateway"
)

// response is the parsed status line and the facts the proxy needs from
// the upstream's header; the fields themselves are in reqData.hdr.
type response struct {
	major, minor int
	status       int
	http09       bool // no status line: the whole answer is the body
	length       int64
	chunked      bool
	connClose    bool
	clValue      string
	xar          string
	hasXAR       bool
	buffering    int8 // X-Accel-Buffering: 0 unset, 1 yes, -1 no
}

// Kinds of upstream header fields that get special treatment, after
// nginx's ngx_http_upstream_headers_in table.
const (
	hkOther uint8 = iota
	hkContentLength
	hkTransferEncoding
	hkConnection
	hkKeepAlive
	hkWWWAuthenticate
	hkSetCookie
	hkUpgrade
	hkAcceptRanges
	hkXAccelBuffering
	hkXAccelCharset
	hkContentDisposition
	hkCacheControl
	hkVary
	hkLink
	// the fields below keep their first occurrence only
	hkStatus
	hkContentType
	hkDate
	hkETag
	hkServer
	hkLocation
	hkRefresh
	hkLastModified
	hkExpires
	hkXAccelExpires
	hkXAccelRedirect
	hkXAccelLimitRate
	hkCount

	hkIgnored uint8 = 0x80 // flag: a duplicate dropped with a warning
)

// classify names the kind of an upstream header field.
func classify(name string) uint8 {
	switch len(name) {
	case 4:
		switch {
		case eqFold(name, "Date"):
			return hkDate
		case eqFold(name, "ETag"):
			return hkETag
		case eqFold(name, "Vary"):
			return hkVary
		case eqFold(name, "Link"):
			return hkLink
		}
	case 6:
		switch {
		case eqFold(name, "Server"):
			return hkServer
		case eqFold(name, "Status"):
			return hkStatus
		}
	case 7:
		switch {
		case eqFold(name, "Expires"):
			return hkExpires
		case eqFold(name, "Refresh"):
			return hkRefresh
		case eqFold(name, "Upgrade"):
			return hkUpgrade
		}
	case 8:
		if eqFold(name, "Location") {
			return hkLocation
		}
	case 10:
		switch {
		case eqFold(name, "Connection"):
			return hkConnection
		case eqFold(name, "Keep-Alive"):
			return hkKeepAlive
		case eqFold(name, "Set-Cookie"):
			return hkSetCookie
		}
	case 12:
		if eqFold(name, "Content-Type") {
			return hkContentType
		}
	case 13:
		switch {
		case eqFold(name, "Last-Modified"):
			return hkLastModified
		case eqFold(name, "Cache-Control"):
			return hkCacheControl
		case eqFold(name, "Accept-Ranges"):
			return hkAcceptRanges
		}
	case 14:
		if eqFold(name, "Content-Length") {
			return hkContentLength
		}
	case 15:
		if eqFold(name, "X-Accel-Charset") {
			return hkXAccelCharset
		}
	case 16:
		switch {
		case eqFold(name, "WWW-Authenticate"):
			return hkWWWAuthenticate
		case eqFold(name, "X-Accel-Expires"):
			return hkXAccelExpires
		case eqFold(name, "X-Accel-Redirect"):
			return hkXAccelRedirect
		}
	case 17:
		switch {
		case eqFold(name, "Transfer-Encoding"):
			return hkTransferEncoding
		case eqFold(name, "X-Accel-Buffering"):
			return hkXAccelBuffering
		}
	case 18:
		if eqFold(name, "X-Accel-Limit-Rate") {
			return hkXAccelLimitRate
		}
	case 19:
		if eqFold(name, "Content-Disposition") {
			return hkContentDisposition
		}
	}
	return hkOther
}

// readHeader reads the status line and header of the answer, nginx's
// ngx_http_upstream_process_header: it must fit in proxy_buffer_size.
func (x *exchange) readHeader() NextUpstream {
	br := x.br
	x.conn.SetReadDeadline(deadline(x.now, x.h.opt.ReadTimeout))
	for {
		data, _ := br.Peek(br.Buffered())
		if len(data) > 0 {
			if !statusPrefix(data) {
				return x.http09()
			}
			if end := headerEnd(data); end > 0 {
				if end > x.h.hdrLimit {
					break
				}
				ft := x.parseHeader(data[:end])
				if x.resp.http09 {
					return ft
				}
				br.Discard(end)
				if s := x.resp.status; ft == 0 && s >= 100 && s < 200 && s != 101 {
					// an interim answer (103 Early Hints): the final one follows
					continue
				}
				return ft
			}
			if len(data) >= x.h.hdrLimit {
				break
			}
		}
		if _, err := br.Peek(len(data) + 1); err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				break
			}
			return x.readFailed(err, actReadHeader)
		}
	}
	x.logf(gateway.LevelError, actReadHeader, nil, "upstream sent too big header")
	return NextInvalidHeader
}

// readFailed logs a failed read from the upstream and classifies it.
func (x *exchange) readFailed(err error, action string) NextUpstream {
	switch {
	case isTimeout(err):
		x.logf(gateway.LevelError, action, errTimedOut, "upstream timed out")
		return NextTimeout
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		if !x.cached || x.conn.recv != 0 || action != actReadHeader {
			x.logf(gateway.LevelError, action, nil, "upstream prematurely closed connection")
		}
	default:
		if !x.cached || x.conn.recv != 0 || action != actReadHeader {
			x.logf(gateway.LevelError, action, err, "recv() failed")
		}
	}
	return NextError
}

// http09 accepts an answer without a status line, as nginx does: status
// 200, and everything the upstream sends is the body.
func (x *exchange) http09() NextUpstream {
	x.logf(gateway.LevelError, actReadHeader, nil, "upstream sent no valid HTTP/1.0 header")
	r := &x.resp
	*r = response{status: 200, http09: true, length: -1, connClose: true}
	x.rd.hdr.Reset()
	x.kinds = x.kinds[:0]
	return 0
}

// statusPrefix reports whether data may start a status line: "HTTP/"
// followed by a digit from 1 to 9, as far as data goes. nginx treats
// anything else as an HTTP/0.9 answer.
func statusPrefix(data []byte) bool {
	const p = "HTTP/"
	for i := 0; i < len(data) && i < len(p); i++ {
		if data[i] != p[i] {
			return false
		}
	}
	if len(data) > len(p) && (data[len(p)] < '1' || data[len(p)] > '9') {
		return false
	}
	return true
}

// headerEnd returns the length of the header block (through the empty
// line that ends it), or 0 when data does not hold all of it.
func headerEnd(data []byte) int {
	for i := 0; ; {
		j := bytes.IndexByte(data[i:], '\n')
		if j < 0 {
			return 0
		}
		i += j + 1
		if i < len(data) && data[i] == '\n' {
			return i + 1
		}
		if i+1 < len(data) && data[i] == '\r' && data[i+1] == '\n' {
			return i + 2
		}
	}
}

// parseHeader parses a complete header block.
func (x *exchange) parseHeader(data []byte) NextUpstream {
	r := &x.resp
	*r = response{length: -1}
	// One string holds every name and value of the answer: they live as
	// long as the request (the client header and $upstream_http_* use
	// them), and a single allocation serves them all, or none when the
	// connection's previous answer had the same block.
	s := x.conn.headerString(data)
	p, ok := parseStatusLine(s, r)
	if !ok {
		// not a status line after all: HTTP/0.9
		return x.http09()
	}
	if r.major < 1 || (r.major == 1 && r.minor < 1) {
		r.connClose = true
	}
	hdr := &x.rd.hdr
	hdr.Reset()
	x.kinds = x.kinds[:0]
	var first [hkCount]int32
	for {
		f, next, res := scanField(s, p)
		switch res {
		case fieldEnd:
			if r.chunked {
				r.length = -1
			}
			return 0
		case fieldIgnore:
			p = next
			continue
		case fieldInvalid:
			bad := byte(0)
			if f.badAt < len(s) {
				bad = s[f.badAt]
			}
			x.logf(gateway.LevelError, actReadHeader, nil, "upstream sent invalid header: \"%s\\x%02x...\"", s[f.nameStart:f.badAt], bad)
			return NextInvalidHeader
		}
		p = next
		name, value := s[f.nameStart:f.nameEnd], s[f.valStart:f.valEnd]
		kind := classify(name)
		idx := hdr.Len()
		hdr.Add(name, value)
		if kind >= hkStatus {
			if prev := first[kind]; prev > 0 {
				pf := hdr.Fields()[prev-1]
				x.logf(gateway.LevelWarn, actReadHeader, nil, "upstream sent duplicate header line: \"%s: %s\", previous value: \"%s: %s\", ignored", name, value, pf.Name, pf.Value)
				x.kinds = append(x.kinds, kind|hkIgnored)
				continue
			}
			first[kind] = int32(idx + 1)
		}
		x.kinds = append(x.kinds, kind)
		switch kind {
		case hkContentLength, hkTransferEncoding:
			if prev := first[kind]; prev > 0 {
				pf := hdr.Fields()[prev-1]
				x.logf(gateway.LevelError, actReadHeader, nil, "upstream sent duplicate header line: \"%s: %s\", previous value: \"%s: %s\"", name, value, pf.Name, pf.Value)
				return NextInvalidHeader
			}
			first[kind] = int32(idx + 1)
			if first[hkContentLength] > 0 && first[hkTransferEncoding] > 0 {
				x.logf(gateway.LevelError, actReadHeader, nil, "upstream sent \"Content-Length\" and \"Transfer-Encoding\" headers at the same time")
				return NextInvalidHeader
			}
			if kind == hkTransferEncoding {
				if !eqFold(value, "chunked") {
					x.logf(gateway.LevelError, actReadHeader, nil, "upstream sent unknown \"Transfer-Encoding\": \"%s\"", value)
					return NextInvalidHeader
				}
				r.chunked = true
				continue
			}
			n, ok := parseLength(value)
			if !ok {
				x.logf(gateway.LevelError, actReadHeader, nil, "upstream sent invalid \"Content-Length\" header: \"%s: %s\"", name, value)
				return NextInvalidHeader
			}
			r.length, r.clValue = n, value
		case hkConnection:
			if indexFold(value, "close") >= 0 {
				r.connClose = true
			}
		case hkXAccelRedirect:
			r.xar, r.hasXAR = value, true
		case hkXAccelBuffering:
			if x.h.opt.IgnoreHeaders&IgnoreXAccelBuffering != 0 {
				continue
			}
			switch {
			case hasPrefixFold(value, "yes"):
				r.buffering = 1
			case hasPrefixFold(value, "no"):
				r.buffering = -1
			}
		}
	}
}

// parseLength is nginx's ngx_atoof: decimal digits only.
func parseLength(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' || n > (1<<63-1-9)/10 {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// parseStatusLine parses "HTTP/1.1 200 OK" the way nginx's
// ngx_http_parse_status_line does and returns where the header fields
// start.
func parseStatusLine(s string, r *response) (int, bool) {
	p := len("HTTP/")
	major, minor := 0, 0
	if p >= len(s) || s[p] < '1' || s[p] > '9' {
		return 0, false
	}
	for ; p < len(s) && s[p] >= '0' && s[p] <= '9'; p++ {
		if major > 99 {
			return 0, false
		}
		major = major*10 + int(s[p]-'0')
	}
	if p >= len(s) || s[p] != '.' {
		return 0, false
	}
	p++
	if p >= len(s) || s[p] < '0' || s[p] > '9' {
		return 0, false
	}
	for ; p < len(s) && s[p] >= '0' && s[p] <= '9'; p++ {
		if minor > 99 {
			return 0, false
		}
		minor = minor*10 + int(s[p]-'0')
	}
	if p >= len(s) || s[p] != ' ' {
		return 0, false
	}
	for p < len(s) && s[p] == ' ' {
		p++
	}
	code := 0
	for i := 0; i < 3; i, p = i+1, p+1 {
		if p >= len(s) || s[p] < '0' || s[p] > '9' {
			return 0, false
		}
		code = code*10 + int(s[p]-'0')
	}
	if p >= len(s) {
		return 0, false
	}
	switch s[p] {
	case ' ', '.':
		for p < len(s) && s[p] != '\n' {
			p++
		}
		if p >= len(s) {
			return 0, false
		}
		p++
	case '\r':
		if p+1 >= len(s) || s[p+1] != '\n' {
			return 0, false
		}
		p += 2
	case '\n':
		p++
	default:
		return 0, false
	}
	r.major, r.minor, r.status = major, minor, code
	return p, true
}

type fieldPos struct {
	nameStart, nameEnd int
	valStart, valEnd   int
	badAt              int
}

const (
	fieldOK = iota
	fieldEnd
	fieldIgnore
	fieldInvalid
)

// scanField parses one header line starting at p with the rules of
// nginx's ngx_http_parse_header_line for upstream answers (underscores
// allowed, odd bytes in names tolerated, a line without a colon is a
// name with an empty value, trailing spaces trimmed from values).
func scanField(s string, p int) (f fieldPos, next int, res int) {
	f.nameStart = p
	if p >= len(s) {
		return f, p, fieldEnd
	}
	switch ch := s[p]; {
	case ch == '\n':
		return f, p + 1, fieldEnd
	case ch == '\r':
		if p+1 < len(s) && s[p+1] == '\n' {
			return f, p + 2, fieldEnd
		}
		f.badAt = p + 1
		return f, 0, fieldInvalid
	case ch <= 0x20 || ch == 0x7f || ch == ':':
		f.badAt = p
		return f, 0, fieldInvalid
	}
	// the name
	i := p + 1
	for ; i < len(s); i++ {
		ch := s[i]
		if ch == ':' || ch == '\r' || ch == '\n' {
			break
		}
		if ch == '/' && i-p == 4 && s[p:i] == "HTTP" {
			// IIS may repeat the status line
			for i < len(s) && s[i] != '\n' {
				i++
			}
			return f, i + 1, fieldIgnore
		}
		if ch <= 0x20 || ch == 0x7f {
			f.badAt = i
			return f, 0, fieldInvalid
		}
	}
	f.nameEnd = i
	f.valStart, f.valEnd = i, i
	if i < len(s) && s[i] == ':' {
		i++
		for i < len(s) && s[i] == ' ' {
			i++
		}
		f.valStart, f.valEnd = i, i
		for ; i < len(s); i++ {
			ch := s[i]
			if ch == '\r' || ch == '\n' {
				break
			}
			if ch == 0 {
				f.badAt = i
				return f, 0, fieldInvalid
			}
			if ch != ' ' {
				f.valEnd = i + 1
			}
		}
	}
	// the end of the line: LF, or CRs then LF
	for i < len(s) && s[i] == '\r' {
		i++
	}
	if i >= len(s) || s[i] != '\n' {
		f.badAt = i
		return f, 0, fieldInvalid
	}
	return f, i + 1, fieldOK
}

// statusFT maps an answer's status to its proxy_next_upstream condition.
func statusFT(status int) NextUpstream {
	switch status {
	case 500:
		return NextHTTP500
	case 502:
		return NextHTTP502
	case 503:
		return NextHTTP503
	case 504:
		return NextHTTP504
	case 403:
		return NextHTTP403
	case 404:
		return NextHTTP404
	case 429:
		return NextHTTP429
	}
	return 0
}

// keepable reports whether the connection may carry another request once
// this answer is read: HTTP/1.1 both ways and nobody asked to close.
func (x *exchange) keepable() bool {
	r := &x.resp
	return x.h.opt.HTTP11 && !x.connClose && !r.connClose && !r.http09 &&
		x.bodySent && r.status != 101
}

// noBody reports whether the answer has no body by its status or because
// the request was HEAD.
func (x *exchange) noBody() bool {
	s := x.resp.status
	return x.head || s == 204 || s == 304 || (s >= 100 && s < 200)
}

// respond acts on a parsed answer: retry, intercept, X-Accel-Redirect,
// upgrade, or pass it to the client.
func (x *exchange) respond() (gateway.Result, NextUpstream, int) {
	c, r, opt := x.c, &x.resp, &x.h.opt
	x.st.status = r.status
	x.st.header = time.Since(x.tryStart)
	empty := x.noBody() || (!r.chunked && r.length == 0)
	keepEmpty := empty && x.keepable() && x.br.Buffered() == 0

	if r.status >= 300 {
		if ft := statusFT(r.status); ft != 0 && x.canNext(ft) {
			return gateway.Result{}, ft, r.status
		}
		if opt.InterceptErrors && hasErrorPage(c, r.status) {
			if r.status == 401 {
				for i, f := range x.rd.hdr.Fields() {
					if x.kinds[i] == hkWWWAuthenticate {
						c.RespHeader.Add(f.Name, f.Value)
					}
				}
			}
			x.endTry(keepEmpty, false)
			return gateway.Status(r.status), 0, 0
		}
	}
	if r.hasXAR && opt.IgnoreHeaders&IgnoreXAccelRedirect == 0 {
		return x.accelRedirect(keepEmpty)
	}
	if r.status == 101 && x.upgrade {
		return x.upgradeConn(), 0, 0
	}

	x.copyHeaders()
	c.Status = r.status
	if r.status == 101 {
		// switched protocols without an upgrade to carry out
		c.SetKeepAlive(false)
	}
	// header filters may read $upstream_*; the response time of this
	// try is "-" until the body is through, as in nginx
	x.rd.publish(c)
	if err := c.SendHeader(); err != nil {
		x.endTry(false, false)
		return x.clientGone(err), 0, 0
	}
	if x.noBody() || r.status == 101 {
		x.endTry(x.keepable() && x.br.Buffered() == 0, false)
		return gateway.Done(), 0, 0
	}
	// Unbuffered, the header goes out before the body is waited for.
	// Buffered, it waits for the first body bytes, as nginx's
	// postpone_output holds it, and leaves with them in one write.
	x.unflushed = x.unbuffered()
	return x.copyBody(), 0, 0
}

// clientGone ends a request whose client stopped taking the answer.
func (x *exchange) clientGone(err error) gateway.Result {
	x.logf(gateway.LevelInfo, actSendClient, err, "client prematurely closed connection")
	x.c.SetKeepAlive(false)
	return gateway.Status(499)
}

// abort ends a request whose answer broke off after the header was sent:
// what arrived is flushed and the client connection closed, so that the
// client sees a truncated answer rather than a complete one.
func (x *exchange) abort() gateway.Result {
	x.c.Flush()
	x.c.SetKeepAlive(false)
	return gateway.Status(499)
}

// copyHeaders passes the upstream's header fields to the client, nginx's
// ngx_http_upstream_process_headers: hidden and hop-by-hop fields stay
// behind, Location, Refresh and Set-Cookie are rewritten.
func (x *exchange) copyHeaders() {
	c, h, r := x.c, x.h, &x.resp
	out := &c.RespHeader
	out.Grow(x.rd.hdr.Len() + 1)
	for i, f := range x.rd.hdr.Fields() {
		kind := x.kinds[i]
		if kind&hkIgnored != 0 || h.hide.has(f.Name) {
			continue
		}
		v := f.Value
		switch kind {
		case hkContentLength, hkTransferEncoding, hkConnection, hkKeepAlive:
			continue
		case hkLocation:
			if len(h.opt.Redirects) > 0 {
				v, _ = x.rewrite(h.opt.Redirects, v, 0, false)
			}
		case hkRefresh:
			if len(h.opt.Redirects) > 0 {
				if at := indexFold(v, "url="); at >= 0 {
					v, _ = x.rewrite(h.opt.Redirects, v, at+4, false)
				}
			}
		case hkSetCookie:
			if len(h.opt.CookieDomains) > 0 || len(h.opt.CookiePaths) > 0 {
				v = x.rewriteCookie(v)
			}
		case hkUpgrade:
			if c.Req.ProtoMajor >= 2 {
				continue
			}
		}
		out.Add(f.Name, v)
	}
	if r.length >= 0 && !r.chunked && r.status != 204 {
		v := r.clValue
		if len(v) > 1 && v[0] == '0' {
			v = strconv.FormatInt(r.length, 10)
		}
		out.Add("Content-Length", v)
	}
}

// accelRedirect follows X-Accel-Redirect: the answer is replaced by an
// internal redirect, keeping the fields nginx keeps for it.
func (x *exchange) accelRedirect(keep bool) (gateway.Result, NextUpstream, int) {
	c := x.c
	x.endTry(keep, false)
	for i, f := range x.rd.hdr.Fields() {
		switch x.kinds[i] {
		case hkContentType, hkSetCookie, hkContentDisposition, hkCacheControl, hkExpires, hkAcceptRanges:
			c.RespHeader.Add(f.Name, f.Value)
		}
	}
	uri := x.resp.xar
	if uri != "" && uri[0] == '@' {
		return gateway.Named(uri[1:]), 0, 0
	}
	path, args := uri, ""
	if q := indexByte(uri, '?'); q >= 0 {
		path, args = uri[:q], uri[q+1:]
	}
	path, ok := safeURI(path)
	if !ok {
		c.Logf(gateway.LevelError, "unsafe URI \"%s\" was detected", uri)
		return gateway.Status(404), 0, 0
	}
	if c.Method != "HEAD" {
		c.Method = "GET"
	}
	return gateway.Redirect(path, args), 0, 0
}

// safeURI decodes an X-Accel-Redirect path and refuses what nginx's
// ngx_http_parse_unsafe_uri refuses: ".." segments, NUL, bad escapes.
func safeURI(p string) (string, bool) {
	if p == "" {
		return "", false
	}
	if indexByte(p, '%') >= 0 {
		b := make([]byte, 0, len(p))
		for i := 0; i < len(p); i++ {
			if p[i] != '%' {
				b = append(b, p[i])
				continue
			}
			if i+2 >= len(p) || unhex(p[i+1]) < 0 || unhex(p[i+2]) < 0 {
				return "", false
			}
			b = append(b, byte(unhex(p[i+1])<<4|unhex(p[i+2])))
			i += 2
		}
		p = string(b)
	}
	for start := 0; start <= len(p); {
		end := start
		for end < len(p) && p[end] != '/' {
			if p[end] == 0 {
				return "", false
			}
			end++
		}
		if p[start:end] == ".." {
			return "", false
		}
		start = end + 1
	}
	return p, true
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func indexByte(s string, b byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return i
		}
	}
	return -1
}
