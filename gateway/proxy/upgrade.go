package proxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gonjet/gonjet/gateway"
)

// upgradeConn passes a 101 answer to the client and then joins the two
// connections (WebSocket and other Upgrade protocols), nginx's
// ngx_http_upstream_upgrade: bytes flow both ways until either side
// closes, or nothing comes from the upstream for proxy_read_timeout
// while the client is quiet as well.
func (x *exchange) upgradeConn() gateway.Result {
	c := x.c
	x.copyHeaders()
	c.Status = 101
	c.SetKeepAlive(false)
	x.rd.publish(c)
	if err := c.SendHeader(); err != nil {
		x.endTry(false, false)
		return x.clientGone(err)
	}
	if err := c.Flush(); err != nil {
		x.endTry(false, false)
		return x.clientGone(err)
	}
	client, rw, err := c.Hijack()
	if err != nil {
		x.logf(gateway.LevelError, actUpgraded, nil, "connection upgrade is not possible: %v", err)
		x.endTry(false, false)
		return gateway.Status(499)
	}
	if rw != nil && rw.Writer != nil {
		rw.Writer.Flush()
	}
	var fromClient io.Reader = client
	if rw != nil && rw.Reader != nil && rw.Reader.Buffered() > 0 {
		fromClient = rw.Reader
	}

	s := &splice{x: x, client: client}
	s.last.Store(time.Now().UnixNano())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.clientToUpstream(fromClient)
	}()
	toClient := s.upstreamToClient()
	wg.Wait()
	client.Close()

	c.BodyBytesSent += toClient
	if c.BytesSent > 0 {
		// the engine counted the header; otherwise $bytes_sent is
		// rebuilt from the header and BodyBytesSent
		c.BytesSent += toClient
	}
	x.endTry(false, false)
	return gateway.Done()
}

// splice is an upgraded connection pair.
type splice struct {
	x      *exchange
	client net.Conn
	last   atomic.Int64 // unix nanoseconds of the last byte from the client
	once   sync.Once
}

// stop closes both connections, which ends both copy loops.
func (s *splice) stop() {
	s.once.Do(func() {
		s.client.Close()
		s.x.conn.Conn.Close()
	})
}

// upstreamToClient copies the upstream's bytes (starting with what was
// read along with the 101 header) and returns how many reached the
// client.
func (s *splice) upstreamToClient() int64 {
	x := s.x
	defer s.stop()
	readTimeout := x.h.opt.ReadTimeout
	sendTimeout := x.c.Loc.Core.SendTimeout
	br := x.br
	var n int64
	for {
		if br.Buffered() > 0 {
			p, _ := br.Peek(br.Buffered())
			if sendTimeout > 0 {
				s.client.SetWriteDeadline(after(sendTimeout))
			}
			w, err := s.client.Write(p)
			n += int64(w)
			br.Discard(w)
			if err != nil {
				return n
			}
			continue
		}
		x.conn.SetReadDeadline(after(readTimeout))
		_, err := br.Peek(1)
		if err == nil {
			continue
		}
		if isTimeout(err) {
			// the client side may have kept the pair busy
			idle := time.Since(time.Unix(0, s.last.Load()))
			if idle < readTimeout {
				continue
			}
			x.logf(gateway.LevelError, actUpgraded, errTimedOut, "upstream timed out")
		} else if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
			x.logf(gateway.LevelError, actUpgraded, err, "recv() failed")
		}
		return n
	}
}

// clientToUpstream copies the client's bytes to the upstream.
func (s *splice) clientToUpstream(from io.Reader) {
	defer s.stop()
	up := s.x.conn
	sendTimeout := s.x.h.opt.SendTimeout
	bp := splicePool.Get().(*[]byte)
	defer splicePool.Put(bp)
	buf := *bp
	for {
		n, err := from.Read(buf)
		if n > 0 {
			s.last.Store(time.Now().UnixNano())
			up.SetWriteDeadline(after(sendTimeout))
			if _, werr := up.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
		if r, ok := from.(*bufio.Reader); ok && r.Buffered() == 0 {
			// pipelined bytes are passed; read the socket itself now
			from = s.client
		}
	}
}

var splicePool = sync.Pool{New: func() any {
	b := make([]byte, 16<<10)
	return &b
}}
