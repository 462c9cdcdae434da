package proxy

import (
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// connPair returns a pconn over a loopback TCP connection and the peer's
// end.
func connPair(t *testing.T) (*pconn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	peer := <-accepted
	require.NotNil(t, peer)
	t.Cleanup(func() { c.Close(); peer.Close() })
	p := newPconn(c)
	require.True(t, p.lazy)
	return p, peer
}

func TestPconnReadsThroughAnEarlierSocketDeadline(t *testing.T) {
	for _, tc := range []struct {
		name string
		want time.Time
	}{
		{"later deadline asked for", time.Now().Add(time.Hour)},
		{"no deadline asked for", time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, peer := connPair(t)
			// a deadline that passed stays on the socket: asking for a
			// later one (or none) does not move it...
			require.NoError(t, p.SetReadDeadline(time.Now().Add(-time.Second)))
			require.NoError(t, p.SetReadDeadline(tc.want))
			require.True(t, p.rset.Before(time.Now()))
			// ...and a read that meets it moves it and goes on
			_, err := peer.Write([]byte("ok"))
			require.NoError(t, err)
			buf := make([]byte, 8)
			n, err := p.Read(buf)
			require.NoError(t, err)
			require.Equal(t, "ok", string(buf[:n]))
			require.Equal(t, tc.want, p.rset)
			require.EqualValues(t, 2, p.recv)
		})
	}
}

func TestPconnTimesOutAtTheDeadlineAskedFor(t *testing.T) {
	p, _ := connPair(t)
	// a later deadline on the socket is replaced at once, so that a
	// timeout never comes late
	require.NoError(t, p.SetReadDeadline(time.Now().Add(time.Hour)))
	require.NoError(t, p.SetReadDeadline(time.Now().Add(-time.Second)))
	_, err := p.Read(make([]byte, 8))
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	require.True(t, isTimeout(err))

	require.NoError(t, p.SetWriteDeadline(time.Now().Add(time.Hour)))
	require.NoError(t, p.SetWriteDeadline(time.Now().Add(-time.Second)))
	_, err = p.Write([]byte("x"))
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
}

func TestPconnWritesThroughAnEarlierSocketDeadline(t *testing.T) {
	p, peer := connPair(t)
	require.NoError(t, p.SetWriteDeadline(time.Now().Add(-time.Second)))
	// the keepalive cache clears deadlines with SetDeadline
	require.NoError(t, p.SetDeadline(time.Time{}))
	n, err := p.Write([]byte("ok"))
	require.NoError(t, err)
	require.Equal(t, 2, n)
	require.EqualValues(t, 2, p.sent)
	buf := make([]byte, 8)
	n, err = peer.Read(buf)
	require.NoError(t, err)
	require.Equal(t, "ok", string(buf[:n]))
}

func TestPconnSetsDeadlinesAtOnceOnOtherConnections(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	p := newPconn(a)
	require.False(t, p.lazy)
	require.NoError(t, p.SetReadDeadline(time.Now().Add(-time.Second)))
	_, err := p.Read(make([]byte, 1))
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
}
