package proxy

import (
	"bytes"
	"errors"
	"io"

	"github.com/gonjet/gonjet/gateway"
)

// errChunked is a malformed chunked answer.
var errChunked = errors.New("invalid chunked response")

// clientError wraps a failed write to the client, to tell it from the
// upstream's failures.
type clientError struct{ err error }

func (e clientError) Error() string { return e.err.Error() }

// copyBody streams the answer's body to the client: by Content-Length,
// dechunked, or until the upstream closes. Bytes already read with the
// header are written straight from the read buffer.
func (x *exchange) copyBody() gateway.Result {
	r := &x.resp
	var err error
	switch {
	case r.chunked:
		err = x.copyChunked()
	default:
		err = x.copyN(r.length)
	}
	if err != nil {
		x.endTry(false, false)
		var ce clientError
		if errors.As(err, &ce) {
			return x.clientGone(ce.err)
		}
		switch {
		case err == errChunked:
			x.logf(gateway.LevelError, actReadBody, nil, "upstream sent invalid chunked response")
		default:
			x.readFailed(err, actReadBody)
		}
		return x.abort()
	}
	keep := x.keepable() && (r.chunked || r.length >= 0)
	if keep && x.br.Buffered() > 0 {
		if r.chunked {
			x.logf(gateway.LevelWarn, actReadBody, nil, "upstream sent data after final chunk")
		} else {
			x.logf(gateway.LevelWarn, actReadBody, nil, "upstream sent more data than specified in \"Content-Length\" header")
		}
		keep = false
	}
	x.endTry(keep, false)
	return gateway.Done()
}

// more reads more of the answer into the buffer, flushing what the client
// has not got yet first, so that a slow upstream never holds back data.
func (x *exchange) more() error {
	if x.unflushed {
		x.unflushed = false
		if err := x.c.Flush(); err != nil {
			return clientError{err}
		}
	}
	x.conn.SetReadDeadline(after(x.h.opt.ReadTimeout))
	_, err := x.br.Peek(x.br.Buffered() + 1)
	return err
}

// write passes body bytes to the client.
func (x *exchange) write(p []byte) error {
	x.st.length += int64(len(p))
	if _, err := x.c.Write(p); err != nil {
		return clientError{err}
	}
	if x.unbuffered() {
		if err := x.c.Flush(); err != nil {
			return clientError{err}
		}
		return nil
	}
	x.unflushed = true
	return nil
}

// unbuffered reports whether the answer goes to the client as it comes
// (proxy_buffering off, or X-Accel-Buffering: no).
func (x *exchange) unbuffered() bool {
	return x.resp.buffering < 0 || (!x.h.opt.Buffering && x.resp.buffering == 0)
}

// copyN copies n bytes, or everything until the upstream closes for
// n < 0.
func (x *exchange) copyN(n int64) error {
	br := x.br
	for n != 0 {
		if br.Buffered() == 0 {
			if err := x.more(); err != nil {
				if n < 0 && err == io.EOF {
					return nil
				}
				return err
			}
		}
		k := br.Buffered()
		if n >= 0 && int64(k) > n {
			k = int(n)
		}
		p, _ := br.Peek(k)
		if err := x.write(p); err != nil {
			return err
		}
		br.Discard(k)
		if n > 0 {
			n -= int64(k)
		}
	}
	return nil
}

// copyChunked decodes a chunked body onto the client, nginx's
// ngx_http_parse_chunked: hex size, extensions ignored, CRLF or LF line
// ends, trailers read and dropped.
func (x *exchange) copyChunked() error {
	for {
		line, err := x.line()
		if err != nil {
			return err
		}
		size, ok := chunkSize(line)
		if !ok {
			return errChunked
		}
		if size == 0 {
			for {
				// trailer fields until the empty line
				t, err := x.line()
				if err != nil {
					return err
				}
				if len(bytes.TrimRight(t, "\r\n")) == 0 {
					return nil
				}
			}
		}
		if err := x.copyN(size); err != nil {
			if err == io.EOF {
				return io.ErrUnexpectedEOF
			}
			return err
		}
		crlf, err := x.line()
		if err != nil {
			return err
		}
		if len(bytes.TrimRight(crlf, "\r\n")) != 0 {
			return errChunked
		}
	}
}

// line returns the next line of the answer, LF included. The slice is
// valid until the next read.
func (x *exchange) line() ([]byte, error) {
	br := x.br
	for {
		buf, _ := br.Peek(br.Buffered())
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			br.Discard(i + 1)
			return buf[:i+1], nil
		}
		if len(buf) >= 4096 {
			return nil, errChunked
		}
		if err := x.more(); err != nil {
			if err == io.EOF {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}

// chunkSize parses a chunk-size line: hex digits, then optional
// extensions after ';' (or spaces), then CRLF.
func chunkSize(line []byte) (int64, bool) {
	var n int64
	i := 0
	for ; i < len(line); i++ {
		c := line[i]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			goto end
		}
		if n > (1<<63-1-15)/16 {
			return 0, false
		}
		n = n*16 + int64(d)
	}
end:
	if i == 0 {
		return 0, false
	}
	switch rest := line[i:]; {
	case len(rest) == 0:
		return 0, false
	case rest[0] == '\n' || (rest[0] == '\r' && len(rest) == 2):
		return n, true
	case rest[0] == ';' || rest[0] == ' ' || rest[0] == '\t':
		return n, true
	}
	return 0, false
}
