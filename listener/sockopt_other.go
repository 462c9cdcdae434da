//go:build !unix

package listener

import (
	"errors"
	"net"
	"syscall"

	"github.com/gonjet/gonjet/gateway"
)

const defaultBacklog = 511

func control(l gateway.Listen) func(network, address string, c syscall.RawConn) error {
	if !l.ReusePort {
		return nil
	}
	return func(string, string, syscall.RawConn) error {
		return errors.New("reuseport is not supported on this platform")
	}
}

func setBacklog(net.Listener, int) {}
