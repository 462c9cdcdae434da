package listener

import (
	"errors"
	"io"
	"math"

	"github.com/gonjet/gonjet/gateway"
)

// ErrBadChunk is returned by a request body whose chunked framing is
// malformed; nginx answers such requests with 400.
var ErrBadChunk = errors.New("client sent invalid chunked body")

// errBodyClosed is returned when a body is read after its request ended.
var errBodyClosed = errors.New("listener: request body read after the request ended")

// Body kinds.
const (
	bodyNone = iota
	bodyLength
	bodyChunked
)

// Chunked framing states, as nginx's ngx_http_parse_chunked.
const (
	chunkStart = iota
	chunkSize
	chunkExtension
	chunkExtensionAlmostDone
	chunkData
	chunkAfterData
	chunkAfterDataAlmostDone
	chunkLastExtension
	chunkLastExtensionAlmostDone
	chunkTrailer
	chunkTrailerAlmostDone
	chunkTrailerHeader
	chunkTrailerHeaderAlmostDone
)

// body is the request body reader of a connection. It is reused for every
// request of the connection; ended stops reads once a request is over.
type body struct {
	c      *conn
	kind   int
	remain int64 // bytes left: of the body (length) or of the chunk
	state  int   // chunked framing state
	size   int64 // chunk size being parsed
	expect bool  // "100 Continue" still to send before the first read
	read   bool  // Read was called
	eof    bool
	err    error
	ended  bool
}

func (b *body) reset(c *conn, kind int, length int64, expect bool) {
	*b = body{c: c, kind: kind, expect: expect}
	switch {
	case kind == bodyLength && length > 0:
		b.remain = length
	case kind != bodyChunked:
		b.eof = true
	}
}

// done reports whether the whole body has been received.
func (b *body) done() bool { return b.eof }

// Read reads the body with its transfer coding removed. The first Read
// answers "Expect: 100-continue".
func (b *body) Read(p []byte) (int, error) {
	if b.ended {
		return 0, errBodyClosed
	}
	b.read = true
	if b.expect {
		b.expect = false
		if err := b.c.sendContinue(); err != nil {
			b.err = err
		}
	}
	return b.readRaw(p)
}

func (b *body) readRaw(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.eof {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if b.kind == bodyChunked {
		return b.readChunked(p)
	}
	if int64(len(p)) > b.remain {
		p = p[:b.remain]
	}
	n, err := b.c.br.Read(p)
	b.remain -= int64(n)
	if b.remain == 0 {
		b.eof = true
		return n, io.EOF
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		b.err = err
	}
	return n, err
}

// readChunked returns the data of the current chunk, parsing the framing
// before it.
func (b *body) readChunked(p []byte) (int, error) {
	br := b.c.br
	for b.remain == 0 {
		ch, err := br.ReadByte()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			b.err = err
			return 0, err
		}
		if !b.chunkByte(ch) {
			b.err = ErrBadChunk
			b.c.logf(gateway.LevelError, "", "client sent invalid chunked body")
			return 0, ErrBadChunk
		}
		if b.eof {
			return 0, io.EOF
		}
	}
	if int64(len(p)) > b.remain {
		p = p[:b.remain]
	}
	n, err := br.Read(p)
	b.remain -= int64(n)
	if b.remain == 0 {
		b.state = chunkAfterData
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		b.err = err
	}
	return n, err
}

func hexVal(ch byte) (int64, bool) {
	switch {
	case ch >= '0' && ch <= '9':
		return int64(ch - '0'), true
	case ch|0x20 >= 'a' && ch|0x20 <= 'f':
		return int64(ch|0x20-'a') + 10, true
	}
	return 0, false
}

// chunkByte advances the framing state by one byte; false means the
// framing is invalid. nginx's parser requires CRLF line ends here.
func (b *body) chunkByte(ch byte) bool {
	switch b.state {
	case chunkStart:
		v, ok := hexVal(ch)
		if !ok {
			return false
		}
		b.size = v
		b.state = chunkSize
	case chunkSize:
		if b.size > math.MaxInt64/16 {
			return false
		}
		if v, ok := hexVal(ch); ok {
			b.size = b.size*16 + v
			return true
		}
		last := b.size == 0
		switch ch {
		case '\r':
			b.state = chunkExtensionAlmostDone
			if last {
				b.state = chunkLastExtensionAlmostDone
			}
		case ';', ' ', '\t':
			b.state = chunkExtension
			if last {
				b.state = chunkLastExtension
			}
		default:
			return false
		}
	case chunkExtension, chunkLastExtension:
		switch ch {
		case '\r':
			b.state++
		case '\n':
			return false
		}
	case chunkExtensionAlmostDone:
		if ch != '\n' {
			return false
		}
		b.state = chunkData
		b.remain = b.size
	case chunkAfterData:
		if ch != '\r' {
			return false
		}
		b.state = chunkAfterDataAlmostDone
	case chunkAfterDataAlmostDone:
		if ch != '\n' {
			return false
		}
		b.state = chunkStart
	case chunkLastExtensionAlmostDone:
		if ch != '\n' {
			return false
		}
		b.state = chunkTrailer
	case chunkTrailer:
		switch ch {
		case '\r':
			b.state = chunkTrailerAlmostDone
		case '\n':
			return false
		default:
			b.state = chunkTrailerHeader
		}
	case chunkTrailerAlmostDone:
		if ch != '\n' {
			return false
		}
		b.eof = true
	case chunkTrailerHeader:
		switch ch {
		case '\r':
			b.state = chunkTrailerHeaderAlmostDone
		case '\n':
			return false
		}
	case chunkTrailerHeaderAlmostDone:
		if ch != '\n' {
			return false
		}
		b.state = chunkTrailer
	default:
		return false
	}
	return true
}

// discard reads the rest of the body and throws it away; false means the
// connection cannot carry another request.
func (b *body) discard() bool {
	if b.eof {
		return true
	}
	if b.err != nil || b.ended {
		return false
	}
	if b.kind == bodyLength {
		n, err := b.c.br.Discard(int(min(b.remain, math.MaxInt32)))
		b.remain -= int64(n)
		if b.remain == 0 {
			b.eof = true
			return true
		}
		if err != nil {
			return false
		}
		return b.discard()
	}
	buf := b.c.scratchBuf()
	for {
		_, err := b.readRaw(buf)
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
	}
}
