//go:build unix

package listener

import (
	"net"
	"os"
	"syscall"
	"time"
)

// defaultBacklog is nginx's NGX_LISTEN_BACKLOG on Linux.
const defaultBacklog = 511

// control sets the socket options that must precede bind: reuseport and
// the buffer sizes.
func control(sp *socketSpec) func(network, address string, c syscall.RawConn) error {
	o := sp.opts
	if !sp.listen.ReusePort && (o == nil || (o.RcvBuf < 0 && o.SndBuf < 0)) {
		return nil
	}
	return func(network, address string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			if sp.listen.ReusePort {
				if serr = setReusePort(int(fd)); serr != nil {
					return
				}
			}
			if o == nil {
				return
			}
			if o.RcvBuf >= 0 {
				if serr = setInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, o.RcvBuf); serr != nil {
					return
				}
			}
			if o.SndBuf >= 0 {
				serr = setInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF, o.SndBuf)
			}
		})
		if err != nil {
			return err
		}
		return serr
	}
}

func setInt(fd, level, opt, v int) error {
	if err := syscall.SetsockoptInt(fd, level, opt, v); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	return nil
}

// afterListen sets the options nginx sets on a listening socket:
// so_keepalive (inherited by accepted connections), deferred, fastopen.
func afterListen(ln net.Listener, sp *socketSpec) error {
	o := sp.opts
	if o == nil || sp.network == "unix" {
		return nil
	}
	rc, err := ln.(syscall.Conn).SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		f := int(fd)
		switch o.SoKeepalive {
		case 1:
			serr = setInt(f, syscall.SOL_SOCKET, syscall.SO_KEEPALIVE, 1)
		case 2:
			serr = setInt(f, syscall.SOL_SOCKET, syscall.SO_KEEPALIVE, 0)
		}
		if serr == nil {
			serr = setTCPOptions(f, o.KeepIdle, o.KeepIntvl, o.KeepCnt, o.Deferred, sp.deferTimeout, o.FastOpen)
		}
	})
	if err != nil {
		return err
	}
	return serr
}

// seconds rounds a duration up to whole seconds, at least 1.
func seconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return s
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
