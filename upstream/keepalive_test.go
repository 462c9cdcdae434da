package upstream

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// backend is a loopback TCP server that keeps the connections it accepts
// so a test can close or write to them.
type backend struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	got   chan net.Conn
}

func newBackend(t *testing.T) *backend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &backend{ln: ln, got: make(chan net.Conn, 16)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			s.got <- c
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, c := range s.conns {
			c.Close()
		}
	})
	return s
}

func (s *backend) addr() string { return s.ln.Addr().String() }

// dial opens a client connection and returns it with the server's end.
func (s *backend) dial(t *testing.T) (client, server net.Conn) {
	t.Helper()
	c, err := net.Dial("tcp", s.addr())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c, <-s.got
}

func requireClosed(t *testing.T, c net.Conn) {
	t.Helper()
	_, err := c.Write([]byte("x"))
	require.ErrorIs(t, err, net.ErrClosed)
}

func requireOpen(t *testing.T, c net.Conn) {
	t.Helper()
	_, err := c.Write([]byte("x"))
	require.NoError(t, err)
}

// same reports whether got is want, possibly wrapped by the cache.
func same(got, want net.Conn) bool {
	if w, ok := got.(*Conn); ok {
		got = w.NetConn()
	}
	return got == want
}

func kaUpstream(t *testing.T, cfg Config, addrs ...string) (*Upstream, *clock) {
	clk := newClock()
	cfg.Clock = clk.Now
	cfg.Servers = srv(addrs...)
	return mustNew(t, cfg), clk
}

// cachedPeer is an upstream with the keepalive settings of cfg and one
// loopback backend as its only peer.
func cachedPeer(t *testing.T, cfg Config) (*backend, *Upstream, *clock, *Peer) {
	s := newBackend(t)
	u, clk := kaUpstream(t, cfg, s.addr())
	return s, u, clk, u.Peers()[0]
}

func TestKeepaliveReusesAConnectionForTheSamePeerOnly(t *testing.T) {
	s1, s2 := newBackend(t), newBackend(t)
	u, _ := kaUpstream(t, Config{Keepalive: 4}, s1.addr(), s2.addr())
	p1, p2 := u.Peers()[0], u.Peers()[1]

	require.Nil(t, u.Idle(p1))
	c, _ := s1.dial(t)
	require.True(t, u.Keep(p1, c, 1))
	require.Equal(t, 1, u.IdleLen())
	require.Nil(t, u.Idle(p2), "a connection is only reused for its own address")
	got := u.Idle(p1)
	require.True(t, same(got, c))
	require.Nil(t, u.Idle(p1), "a connection is handed out once")
	requireOpen(t, got)
}

func TestKeepaliveHandsOutTheMostRecentConnectionFirst(t *testing.T) {
	s, u, _, p := cachedPeer(t, Config{Keepalive: 4})
	c1, _ := s.dial(t)
	c2, _ := s.dial(t)
	require.True(t, u.Keep(p, c1, 1))
	require.True(t, u.Keep(p, c2, 1))
	require.True(t, same(u.Idle(p), c2))
	require.True(t, same(u.Idle(p), c1))
}

func TestKeepaliveEvictsTheLeastRecentlyUsedWhenFull(t *testing.T) {
	s, u, _, p := cachedPeer(t, Config{Keepalive: 1})
	c1, _ := s.dial(t)
	c2, _ := s.dial(t)
	require.True(t, u.Keep(p, c1, 1))
	require.True(t, u.Keep(p, c2, 1))
	requireClosed(t, c1)
	require.Equal(t, 1, u.IdleLen())
	require.True(t, same(u.Idle(p), c2))
}

func TestKeepaliveRefusesConnectionsPastTheirLimits(t *testing.T) {
	s := newBackend(t)
	tests := []struct {
		name     string
		cfg      Config
		requests int
		age      time.Duration
		keep     bool
	}{
		{"keepalive off", Config{}, 1, 0, false},
		{"below keepalive_requests", Config{Keepalive: 1, KeepaliveRequests: 3}, 2, 0, true},
		{"at keepalive_requests", Config{Keepalive: 1, KeepaliveRequests: 3}, 3, 0, false},
		{"default keepalive_requests 1000", Config{Keepalive: 1}, 1000, 0, false},
		{"keepalive_requests 0", Config{Keepalive: 1, KeepaliveRequests: -1}, 1, 0, false},
		{"within keepalive_time", Config{Keepalive: 1, KeepaliveTime: 2 * time.Second}, 1, 2 * time.Second, true},
		{"past keepalive_time", Config{Keepalive: 1, KeepaliveTime: 2 * time.Second}, 1, 2*time.Second + time.Millisecond, false},
		{"past default keepalive_time 1h", Config{Keepalive: 1}, 1, time.Hour + time.Second, false},
		{"keepalive_timeout 0", Config{Keepalive: 1, KeepaliveTimeout: -1}, 1, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, clk := kaUpstream(t, tt.cfg, s.addr())
			p := u.Peers()[0]
			raw, _ := s.dial(t)
			c := u.Track(raw)
			clk.Advance(tt.age)
			require.Equal(t, tt.keep, u.Keep(p, c, tt.requests))
			if tt.keep {
				requireOpen(t, raw)
			} else {
				requireClosed(t, raw)
			}
		})
	}
}

func TestKeepaliveTimeCountsFromTheFirstKeepWithoutTrack(t *testing.T) {
	s, u, clk, p := cachedPeer(t, Config{Keepalive: 1, KeepaliveTime: 2 * time.Second})
	raw, _ := s.dial(t)
	require.True(t, u.Keep(p, raw, 1))
	clk.Advance(time.Second)
	c := u.Idle(p)
	require.NotNil(t, c)
	require.True(t, u.Keep(p, c, 2))
	clk.Advance(time.Second + time.Millisecond)
	c = u.Idle(p)
	require.NotNil(t, c)
	require.False(t, u.Keep(p, c, 3), "the connection is older than keepalive_time")
	requireClosed(t, raw)
}

func TestKeepaliveTimeoutClosesIdleConnections(t *testing.T) {
	s, u, clk, p := cachedPeer(t, Config{Keepalive: 2, KeepaliveTimeout: 2 * time.Second})
	c1, _ := s.dial(t)
	c2, _ := s.dial(t)
	require.True(t, u.Keep(p, c1, 1))
	clk.Advance(time.Second)
	require.True(t, u.Keep(p, c2, 1))
	clk.Advance(time.Second)

	// The sweep closes what has been idle for keepalive_timeout...
	u.ka.sweep()
	requireClosed(t, c1)
	requireOpen(t, c2)
	require.Equal(t, 1, u.IdleLen())

	// ...and Idle never hands out an expired one, swept or not.
	clk.Advance(time.Second)
	require.Nil(t, u.Idle(p))
	requireClosed(t, c2)
}

func TestKeepaliveDropsConnectionsThePeerClosed(t *testing.T) {
	s, u, _, p := cachedPeer(t, Config{Keepalive: 2})
	c, sc := s.dial(t)
	require.True(t, u.Keep(p, c, 1))

	require.NoError(t, sc.Close())
	require.Eventually(t, func() bool { return !alive(c) }, 5*time.Second, time.Millisecond)
	require.Nil(t, u.Idle(p))
	requireClosed(t, c)
}

func TestKeepaliveDropsConnectionsWithUnreadData(t *testing.T) {
	s, u, _, p := cachedPeer(t, Config{Keepalive: 2})
	c, sc := s.dial(t)
	_, err := sc.Write([]byte("HTTP/1.1 200 OK\r\n"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return !alive(c) }, 5*time.Second, time.Millisecond)
	// Keep takes it (checking costs a system call per request); Idle
	// finds the unread data and never hands the connection out.
	require.True(t, u.Keep(p, c, 1))
	require.Nil(t, u.Idle(p))
	requireClosed(t, c)
}

func TestKeepaliveClearsDeadlinesOfCachedConnections(t *testing.T) {
	s, u, _, p := cachedPeer(t, Config{Keepalive: 1})
	c, _ := s.dial(t)
	require.NoError(t, c.SetDeadline(time.Now().Add(-time.Second)))
	require.True(t, u.Keep(p, c, 1))
	got := u.Idle(p)
	require.NotNil(t, got)
	requireOpen(t, got)
}

func TestCloseEmptiesTheCacheAndStopsCaching(t *testing.T) {
	s, u, _, p := cachedPeer(t, Config{Keepalive: 2})
	c1, _ := s.dial(t)
	c2, _ := s.dial(t)
	require.True(t, u.Keep(p, c1, 1))
	u.Close()
	requireClosed(t, c1)
	require.Zero(t, u.IdleLen())
	require.False(t, u.Keep(p, c2, 1))
	requireClosed(t, c2)
	require.Nil(t, u.Idle(p))
}

func TestKeepaliveWorksOverUnixSockets(t *testing.T) {
	path := t.TempDir() + "/up.sock"
	ln, err := net.Listen("unix", path)
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	u, _ := kaUpstream(t, Config{Keepalive: 1}, "unix:"+path)
	p := u.Peers()[0]
	c, err := net.Dial(p.Network, p.Addr)
	require.NoError(t, err)
	defer c.Close()
	require.True(t, u.Keep(p, c, 1))
	require.True(t, same(u.Idle(p), c))
}

func TestIdleUncheckedTrustsOnlyRecentConnections(t *testing.T) {
	s, u, clk, p := cachedPeer(t, Config{Keepalive: 2})
	c1, sc1 := s.dial(t)
	c2, sc2 := s.dial(t)
	require.NoError(t, sc1.Close())
	require.NoError(t, sc2.Close())
	require.Eventually(t, func() bool { return !alive(c1) && !alive(c2) }, 5*time.Second, time.Millisecond)

	// used a moment ago: handed out without a look at the socket, the
	// caller finds out when it sends its request
	require.True(t, u.Keep(p, c1, 1))
	require.True(t, same(u.IdleUnchecked(p, time.Second), c1))

	// idle for longer: checked, found closed, closed here
	require.True(t, u.Keep(p, c2, 1))
	clk.Advance(time.Second)
	require.Nil(t, u.IdleUnchecked(p, time.Second))
	requireClosed(t, c2)
}

func TestIdleChecksConnectionsWhoseReadDeadlinePassed(t *testing.T) {
	s, u, _, p := cachedPeer(t, Config{Keepalive: 1})
	c, _ := s.dial(t)
	require.True(t, u.Keep(p, c, 1))
	// the cached connection's owner may leave an expired deadline on it;
	// the liveness check does not read through the deadline
	require.NoError(t, c.SetReadDeadline(time.Now().Add(-time.Second)))
	require.True(t, same(u.Idle(p), c))
}
