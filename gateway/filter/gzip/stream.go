package gzip

import (
	"compress/gzip"
	"io"
	"sync"

	"github.com/gonjet/gonjet/gateway"
)

// writers pools gzip writers per level: a deflate state is several
// hundred kilobytes, too much to allocate for every response.
var writers [10]sync.Pool

// osUnix is the OS byte of the gzip header nginx writes.
const osUnix = 3

func getWriter(level int, w io.Writer) *gzip.Writer {
	zw, _ := writers[level].Get().(*gzip.Writer)
	if zw == nil {
		// the level was checked by New
		zw, _ = gzip.NewWriterLevel(w, level)
	} else {
		zw.Reset(w)
	}
	zw.OS = osUnix
	return zw
}

func putWriter(level int, zw *gzip.Writer) {
	// drop the reference to the request's writer chain
	zw.Reset(io.Discard)
	writers[level].Put(zw)
}

// buffers pools output buffers by size, so that filters configured
// alike share them. It is only looked up when a filter is built.
var buffers sync.Map // int -> *sync.Pool

func bufferPool(size int) *sync.Pool {
	p, _ := buffers.LoadOrStore(size, &sync.Pool{New: func() any {
		b := make([]byte, 0, size)
		return &b
	}})
	return p.(*sync.Pool)
}

// stream is the body writer of one compressed response. The gzip writer
// produces small pieces; out gathers them into buffers of the
// configured size before they go on, as nginx's gzip_buffers do.
type stream struct {
	f       *Filter
	next    gateway.BodyWriter
	zw      *gzip.Writer
	out     outBuf
	started bool
	closed  bool
	// dirty is set when data went in since the last flush.
	dirty bool
	// zin and zout are the sizes before and after compression, known
	// once the stream is closed ($gzip_ratio).
	zin, zout int64
}

// outBuf passes compressed output to the next writer in full buffers.
type outBuf struct {
	next gateway.BodyWriter
	pool *sync.Pool
	bp   *[]byte
	n    int64 // bytes received from the compressor
	err  error
}

func (s *stream) start(next gateway.BodyWriter) {
	s.started = true
	s.next = next
	s.out.next = next
	s.out.pool = s.f.bufPool
}

// Write compresses p.
func (s *stream) Write(p []byte) (int, error) {
	if s.closed {
		return 0, io.ErrClosedPipe
	}
	if s.out.err != nil {
		return 0, s.out.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if s.zw == nil {
		s.zw = getWriter(s.f.level, &s.out)
	}
	s.dirty = true
	s.zin += int64(len(p))
	if _, err := s.zw.Write(p); err != nil {
		return 0, err
	}
	return len(p), s.out.err
}

// Flush emits everything compressed so far in a form the client can
// decode (a deflate sync flush), passes it on, and flushes the next
// writer when it can. The gateway calls it when the content handler
// flushes, e.g. a proxy with buffering off.
func (s *stream) Flush() error {
	if s.closed {
		return nil
	}
	if s.dirty {
		s.dirty = false
		if err := s.zw.Flush(); err != nil {
			return err
		}
		if err := s.out.drain(); err != nil {
			return err
		}
	}
	if fl, ok := s.next.(interface{ Flush() error }); ok {
		return fl.Flush()
	}
	return nil
}

// Close ends the gzip stream (final block and trailer), passes the rest
// on, returns the pooled writer and buffer, and closes the next writer.
func (s *stream) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.zw == nil {
		// an empty body still makes a complete gzip stream
		s.zw = getWriter(s.f.level, &s.out)
	}
	err := s.zw.Close()
	if err == nil {
		err = s.out.drain()
	}
	putWriter(s.f.level, s.zw)
	s.zw = nil
	s.out.release()
	if err == nil {
		s.zout = s.out.n
	}
	if cerr := s.next.Close(); err == nil {
		err = cerr
	}
	return err
}

// Write gathers compressor output and passes on each full buffer.
func (o *outBuf) Write(p []byte) (int, error) {
	if o.err != nil {
		return 0, o.err
	}
	o.n += int64(len(p))
	if o.bp == nil {
		o.bp = o.pool.Get().(*[]byte)
	}
	n := len(p)
	for len(p) > 0 {
		b := *o.bp
		k := copy(b[len(b):cap(b)], p)
		b = b[:len(b)+k]
		*o.bp = b
		p = p[k:]
		if len(b) == cap(b) {
			if err := o.drain(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

// drain passes what is buffered on.
func (o *outBuf) drain() error {
	if o.err != nil {
		return o.err
	}
	if o.bp == nil || len(*o.bp) == 0 {
		return nil
	}
	_, o.err = o.next.Write(*o.bp)
	*o.bp = (*o.bp)[:0]
	return o.err
}

func (o *outBuf) release() {
	if o.bp != nil {
		*o.bp = (*o.bp)[:0]
		o.pool.Put(o.bp)
		o.bp = nil
	}
}
