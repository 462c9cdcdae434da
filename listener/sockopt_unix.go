//go:build unix

package listener

import (
	"net"
	"syscall"

	"github.com/gonjet/gonjet/gateway"
)

// defaultBacklog is nginx's NGX_LISTEN_BACKLOG on Linux.
const defaultBacklog = 511

// control sets the socket options of a listen before bind.
func control(l gateway.Listen) func(network, address string, c syscall.RawConn) error {
	if !l.ReusePort {
		return nil
	}
	return func(network, address string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = setReusePort(int(fd))
		})
		if err != nil {
			return err
		}
		return serr
	}
}

// setBacklog calls listen() again with the backlog nginx would use: the
// system accepts a second listen() on a listening socket and only changes
// its queue length.
func setBacklog(ln net.Listener, n int) {
	sc, ok := ln.(syscall.Conn)
	if !ok {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		syscall.Listen(int(fd), n)
	})
}
