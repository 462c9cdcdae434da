package listener

import (
	"bufio"
	"errors"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/gonjet/gonjet/gateway"
)

// statusLines holds "HTTP/1.1 200 OK\r\n" for the codes nginx has a
// reason phrase for; other codes get "HTTP/1.1 NNN \r\n", as nginx sends
// them. nginx answers every HTTP/1.x request with "HTTP/1.1".
var statusLines = func() (t [600]string) {
	reasons := map[int]string{
		101: "Switching Protocols", 103: "Early Hints",
		200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 206: "Partial Content",
		301: "Moved Permanently", 302: "Moved Temporarily", 303: "See Other", 304: "Not Modified",
		307: "Temporary Redirect", 308: "Permanent Redirect",
		400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
		404: "Not Found", 405: "Not Allowed", 406: "Not Acceptable", 407: "Proxy Authentication Required",
		408: "Request Time-out", 409: "Conflict", 410: "Gone", 411: "Length Required",
		412: "Precondition Failed", 413: "Request Entity Too Large", 414: "Request-URI Too Large",
		415: "Unsupported Media Type", 416: "Requested Range Not Satisfiable", 421: "Misdirected Request",
		429: "Too Many Requests",
		500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
		503: "Service Temporarily Unavailable", 504: "Gateway Time-out", 505: "HTTP Version Not Supported",
		507: "Insufficient Storage",
	}
	for code := 100; code < len(t); code++ {
		t[code] = "HTTP/1.1 " + strconv.Itoa(code) + " " + reasons[code] + "\r\n"
	}
	return t
}()

func writeStatusLine(bw *bufio.Writer, status int) {
	if status >= 100 && status < len(statusLines) {
		bw.WriteString(statusLines[status])
		return
	}
	var buf [32]byte
	b := append(buf[:0], "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, " \r\n"...)
	bw.Write(b)
}

// response is the gateway.ResponseWriter of a connection, reused for each
// request. It frames the body: chunked for HTTP/1.1 answers of unknown
// length, nothing for HEAD, 1xx, 204 and 304, close-delimited for
// HTTP/1.0 answers of unknown length, and no header at all for HTTP/0.9.
type response struct {
	c   *conn
	req *gateway.Request

	headerSent  bool
	bodyAllowed bool
	chunked     bool
	hasLength   bool
	keepAlive   bool
	hijacked    bool
	length      int64
	written     int64
	status      int
	err         error
}

var (
	errHeaderSent = errors.New("listener: response header already sent")
	errNoHeader   = errors.New("listener: response body written before the header")
	errHijacked   = errors.New("listener: connection has been hijacked")
)

func (r *response) reset(c *conn, req *gateway.Request) {
	*r = response{c: c, req: req}
}

// WriteHeader sends the status line and header, adding Connection and
// Transfer-Encoding, as nginx's header filter does.
func (r *response) WriteHeader(status int, h *gateway.Header, keepAlive bool) error {
	if r.hijacked {
		return errHijacked
	}
	if r.headerSent {
		return errHeaderSent
	}
	if r.err != nil {
		return r.err
	}
	c := r.c
	b := &c.body
	if status >= 100 && status < 200 && status != 101 {
		return r.writeInterim(status, h)
	}
	r.headerSent = true
	r.status = status
	r.bodyAllowed = r.req.Method != "HEAD" && status >= 200 && status != 204 && status != 304
	if b.expect && !b.read {
		// nginx sends "100 Continue" when it discards the body of a
		// normal answer, never before an error page
		b.expect = false
		if status < 300 {
			c.bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
		}
	}
	if r.req.ProtoMajor == 0 {
		// HTTP/0.9: the body alone, then close
		r.keepAlive = false
		return nil
	}
	keep := keepAlive && c.mayKeepAlive()
	hasLength := false
	for _, f := range h.Fields() {
		if len(f.Name) == len("Content-Length") && strings.EqualFold(f.Name, "Content-Length") {
			if n, ok := parseContentLength(f.Value); ok {
				hasLength, r.length = true, n
			}
		}
	}
	r.hasLength = hasLength && r.bodyAllowed
	if r.bodyAllowed && !hasLength {
		if r.req.ProtoMinor >= 1 && c.st.ChunkedTransfer {
			r.chunked = true
		} else {
			keep = false
		}
	}
	r.keepAlive = keep
	bw := c.bw
	writeStatusLine(bw, status)
	writeFields(bw, h)
	if r.chunked {
		bw.WriteString("Transfer-Encoding: chunked\r\n")
	}
	switch {
	case status == 101:
		bw.WriteString("Connection: upgrade\r\n\r\n")
	case keep:
		bw.WriteString("Connection: keep-alive\r\n")
		if t := c.st.KeepaliveHeader; t > 0 {
			var buf [48]byte
			b := append(buf[:0], "Keep-Alive: timeout="...)
			b = strconv.AppendInt(b, int64(t/time.Second), 10)
			b = append(b, "\r\n\r\n"...)
			bw.Write(b)
		} else {
			bw.WriteString("\r\n")
		}
	default:
		bw.WriteString("Connection: close\r\n\r\n")
	}
	return nil
}

// writeInterim sends a 1xx answer (103 Early Hints) before the final one.
func (r *response) writeInterim(status int, h *gateway.Header) error {
	if r.req.ProtoMajor == 0 || r.req.ProtoMinor == 0 {
		return nil
	}
	writeStatusLine(r.c.bw, status)
	writeFields(r.c.bw, h)
	r.c.bw.WriteString("\r\n")
	return nil
}

// writeFields writes the header fields except the framing ones the engine
// owns.
func writeFields(bw *bufio.Writer, h *gateway.Header) {
	for _, f := range h.Fields() {
		switch len(f.Name) {
		case len("Connection"):
			if strings.EqualFold(f.Name, "Connection") {
				continue
			}
		case len("Transfer-Encoding"):
			if strings.EqualFold(f.Name, "Transfer-Encoding") {
				continue
			}
		}
		bw.WriteString(f.Name)
		bw.WriteString(": ")
		bw.WriteString(f.Value)
		bw.WriteString("\r\n")
	}
}

// Write sends body bytes, in a chunk when the answer is chunked. Bytes
// beyond the announced Content-Length are dropped and the connection is
// closed after the answer, so that they cannot pass for the next answer.
func (r *response) Write(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if !r.headerSent {
		if r.hijacked {
			return 0, errHijacked
		}
		return 0, errNoHeader
	}
	if !r.bodyAllowed || len(p) == 0 {
		return len(p), nil
	}
	total := len(p)
	if r.hasLength {
		if left := r.length - r.written; int64(len(p)) > left {
			p = p[:left]
			r.keepAlive = false
		}
	}
	bw := r.c.bw
	if r.chunked {
		var buf [20]byte
		sz := strconv.AppendUint(buf[:0], uint64(len(p)), 16)
		sz = append(sz, '\r', '\n')
		bw.Write(sz)
	}
	n, err := bw.Write(p)
	if r.chunked && err == nil {
		_, err = bw.WriteString("\r\n")
	}
	r.written += int64(n)
	if err != nil {
		r.err = err
		return n, err
	}
	return total, nil
}

// Flush pushes the buffered answer to the client.
func (r *response) Flush() error {
	if r.err != nil {
		return r.err
	}
	if r.hijacked {
		return errHijacked
	}
	if err := r.c.bw.Flush(); err != nil {
		r.err = err
		return err
	}
	return nil
}

// Hijack hands the connection over, for WebSocket and other upgrades:
// the engine forgets it, and the caller reads what the client sent after
// the request from the returned reader.
func (r *response) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if r.hijacked {
		return nil, nil, errHijacked
	}
	c := r.c
	if err := c.bw.Flush(); err != nil {
		return nil, nil, err
	}
	r.hijacked = true
	c.body.ended = true
	// the new owner sets its own deadlines
	c.rd.deadline, c.rd.timeout, c.rd.flush = time.Time{}, 0, false
	c.wr.timeout = 0
	c.nc.SetDeadline(time.Time{})
	c.rd.set, c.wr.set = time.Time{}, time.Time{}
	c.lc.Detach()
	return c.nc, bufio.NewReadWriter(c.br, c.bw), nil
}

// finish ends the body: the last chunk, and whether the connection can
// carry another request.
func (r *response) finish() {
	if !r.headerSent || r.err != nil {
		r.keepAlive = false
		return
	}
	if r.chunked {
		if _, err := r.c.bw.WriteString("0\r\n\r\n"); err != nil {
			r.err = err
		}
	}
	if r.hasLength && r.written < r.length {
		// the client waits for bytes that will not come
		r.keepAlive = false
	}
}

// parseContentLength reads a Content-Length value as nginx's ngx_atoof:
// digits only, no sign, no overflow.
func parseContentLength(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch < '0' || ch > '9' {
			return 0, false
		}
		d := int64(ch - '0')
		if n > (1<<63-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}
