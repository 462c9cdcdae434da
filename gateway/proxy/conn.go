package proxy

import (
	"errors"
	"io"
	"net"
	"os"
	"time"
)

// after is the deadline a timeout sets from now; a zero timeout sets
// none.
func after(d time.Duration) time.Time {
	if d <= 0 {
		return time.Time{}
	}
	return time.Now().Add(d)
}

// deadline is the deadline a timeout sets from now; a zero timeout sets
// none.
func deadline(now time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return time.Time{}
	}
	return now.Add(d)
}

// pconn is an upstream connection: it counts the bytes it carries and
// the requests it served (for keepalive_requests), and keeps its read
// and write deadlines cheaply.
//
// Moving a socket deadline is not free in Go (the runtime re-arms a
// timer), and the proxy would move both of them on every request, plus
// clear them when the connection goes back to the keepalive cache. So
// for sockets that survive an expired deadline (TCP and unix
// connections: the error leaves nothing broken behind), pconn remembers
// the deadline its user asked for and leaves an earlier one on the
// socket: when that one expires first, Read or Write notice that it is
// not the one asked for, move it, and carry on. A socket deadline later
// than the one asked for, or none where one is asked for, is replaced at
// once, so that a timeout never fires late. On a connection in steady use
// the socket deadline then moves once per timeout period instead of
// several times per request.
type pconn struct {
	net.Conn
	requests   int
	sent, recv int64

	// lazy: deadlines are moved as described above; otherwise every
	// Set*Deadline goes to the connection.
	lazy bool
	// rset and wset are the deadlines the socket has, rwant and wwant
	// the ones asked for (zero: none). The read side and the write side
	// are used by different goroutines in an upgraded connection, so
	// each has its own fields.
	rset, rwant time.Time
	wset, wwant time.Time

	// header is the header block of the previous answer, as a string.
	header string
}

// headerString returns the header block of an answer as one string. An
// answer whose block is the same as the previous one on this connection
// (the same resource in the same second: only Date moves) shares that
// string: strings do not change, so whoever kept the earlier one is
// not disturbed, and the answer costs no allocation.
func (p *pconn) headerString(block []byte) string {
	if string(block) != p.header {
		p.header = string(block)
	}
	return p.header
}

func newPconn(c net.Conn) *pconn {
	p := &pconn{Conn: c}
	switch c.(type) {
	case *net.TCPConn, *net.UnixConn:
		p.lazy = true
	}
	return p
}

func (p *pconn) Read(b []byte) (int, error) {
	n, err := p.Conn.Read(b)
	for n == 0 && err != nil && p.lazy && early(err, p.rwant) {
		if err := p.Conn.SetReadDeadline(p.rwant); err != nil {
			return 0, err
		}
		p.rset = p.rwant
		n, err = p.Conn.Read(b)
	}
	p.recv += int64(n)
	return n, err
}

func (p *pconn) Write(b []byte) (int, error) {
	n, err := p.Conn.Write(b)
	for err != nil && p.lazy && early(err, p.wwant) {
		if err := p.Conn.SetWriteDeadline(p.wwant); err != nil {
			break
		}
		p.wset = p.wwant
		var m int
		m, err = p.Conn.Write(b[n:])
		n += m
	}
	p.sent += int64(n)
	return n, err
}

// early reports whether err is the expiry of a socket deadline that came
// before the one asked for (want; zero: none).
func early(err error, want time.Time) bool {
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	return want.IsZero() || time.Now().Before(want)
}

// SetReadDeadline asks for a read deadline; see pconn.
func (p *pconn) SetReadDeadline(t time.Time) error {
	p.rwant = t
	if !p.lazy {
		return p.Conn.SetReadDeadline(t)
	}
	if !t.IsZero() && (p.rset.IsZero() || p.rset.After(t)) {
		p.rset = t
		return p.Conn.SetReadDeadline(t)
	}
	return nil
}

// SetWriteDeadline asks for a write deadline; see pconn.
func (p *pconn) SetWriteDeadline(t time.Time) error {
	p.wwant = t
	if !p.lazy {
		return p.Conn.SetWriteDeadline(t)
	}
	if !t.IsZero() && (p.wset.IsZero() || p.wset.After(t)) {
		p.wset = t
		return p.Conn.SetWriteDeadline(t)
	}
	return nil
}

// SetDeadline asks for both deadlines; the keepalive cache clears them
// this way, which costs nothing here.
func (p *pconn) SetDeadline(t time.Time) error {
	if !p.lazy {
		p.rwant, p.wwant = t, t
		return p.Conn.SetDeadline(t)
	}
	if err := p.SetReadDeadline(t); err != nil {
		return err
	}
	return p.SetWriteDeadline(t)
}

// NetConn returns the connection inside, for the keepalive cache's
// liveness check.
func (p *pconn) NetConn() net.Conn { return p.Conn }

var _ io.ReadWriter = (*pconn)(nil)
