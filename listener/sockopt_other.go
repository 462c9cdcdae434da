//go:build !unix

package listener

import (
	"errors"
	"net"
	"syscall"
)

const defaultBacklog = 511

func control(sp *socketSpec) func(network, address string, c syscall.RawConn) error {
	if !sp.listen.ReusePort {
		return nil
	}
	return func(string, string, syscall.RawConn) error {
		return errors.New("reuseport is not supported on this platform")
	}
}

func afterListen(net.Listener, *socketSpec) error { return nil }

func setBacklog(net.Listener, int) {}
