//go:build !unix

package upstream

import "net"

// alive cannot peek at sockets on this platform; a connection the peer
// closed shows up as a failed request, which the proxy retries.
func alive(net.Conn) bool { return true }

// probe has nothing to keep on this platform.
type probe struct{}
