//go:build unix

package upstream

import (
	"errors"
	"net"
	"syscall"
)

// probe peeks at an idle connection's socket without blocking. It is
// built once per connection, so the check costs no allocation per
// request.
type probe struct {
	raw  syscall.RawConn
	err  error // the last peek's error
	peek func(fd uintptr)
	ok   bool // raw is set up
}

func (p *probe) init(c net.Conn) bool {
	if p.ok {
		return true
	}
	for {
		w, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			break
		}
		c = w.NetConn()
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	p.raw, p.ok = raw, true
	p.peek = func(fd uintptr) {
		var b [1]byte
		_, _, p.err = syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	}
	return true
}

// alive reports whether an idle connection can be used for a new request:
// the peer has neither closed it nor sent anything unasked. Like nginx's
// keepalive close handler it peeks at the socket without blocking; a
// connection whose socket cannot be reached (net.Pipe in tests) counts as
// alive.
func alive(c net.Conn) bool {
	var p *probe
	if cc, ok := c.(*Conn); ok {
		p = &cc.probe
	} else {
		p = new(probe)
	}
	if !p.init(c) {
		return true
	}
	// Control, not Read: a read deadline that passed while the
	// connection was idle must not fail the check.
	if err := p.raw.Control(p.peek); err != nil {
		return false
	}
	if p.err != nil {
		return errors.Is(p.err, syscall.EAGAIN) || errors.Is(p.err, syscall.EWOULDBLOCK) || errors.Is(p.err, syscall.EINTR)
	}
	// Either the peer's FIN (0 bytes) or data nobody asked for.
	return false
}
