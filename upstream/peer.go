package upstream

import (
	"sync/atomic"
	"time"
)

// peerState is the runtime state of one peer. It is shared by the peers of
// successive Upstream generations that have the same address, so
// it outlives a configuration reload.
//
// currentWeight and effectiveWeight are only touched with the Upstream's
// selection mutex held (that mutex is shared by the generations that share
// states, see New); everything else is atomic because the hash, ip_hash and
// random methods and Done work without the mutex.
type peerState struct {
	currentWeight   int
	effectiveWeight int

	conns    atomic.Int64 // requests in flight (nginx peer->conns)
	fails    atomic.Int64
	accessed atomic.Int64 // unix seconds of the last failure
	checked  atomic.Int64 // unix seconds of the last check (see Done)

	requests atomic.Uint64
	failures atomic.Uint64
	sent     atomic.Uint64
	received atomic.Uint64
}

// Peer is one resolved address of one Server line. Its exported fields are
// configuration and must not be modified; its counters are safe for
// concurrent use.
type Peer struct {
	// Name is the printable address, "127.0.0.1:8081", "[::1]:8081" or
	// "unix:/path" — what nginx shows in $upstream_addr.
	Name string
	// Server is the Server.Addr this peer came from, as written.
	Server string
	// Network and Addr are the arguments for net.Dial: "tcp" with
	// "host:port", or "unix" with the socket path.
	Network string
	Addr    string

	// The Server's settings, nginx's defaults applied.
	Weight      int
	MaxFails    int           // 0: failure accounting off
	FailTimeout time.Duration // whole seconds
	MaxConns    int           // 0: unlimited
	Backup      bool
	Down        bool

	up          *Upstream
	st          *peerState
	index       int    // position in its set (primary or backup)
	serverID    int    // equal for peers whose Server text is equal
	failTimeout int64  // seconds
	cacheKey    string // keepalive cache key: Network and Addr
}

// PeerStats is a snapshot of a peer's counters.
type PeerStats struct {
	Active   int64  // requests in flight
	Fails    int64  // failures counted in the current fail_timeout window
	Requests uint64 // times the peer was picked
	Failures uint64 // attempts reported failed, ever
	Sent     uint64 // bytes sent to the peer, as reported by AddTraffic
	Received uint64 // bytes received from the peer, as reported by AddTraffic
}

// Stats returns the peer's counters.
func (p *Peer) Stats() PeerStats {
	st := p.st
	return PeerStats{
		Active:   st.conns.Load(),
		Fails:    st.fails.Load(),
		Requests: st.requests.Load(),
		Failures: st.failures.Load(),
		Sent:     st.sent.Load(),
		Received: st.received.Load(),
	}
}

// Unavailable reports whether the peer is currently out of rotation: marked
// down, failed MaxFails times within FailTimeout, or at MaxConns.
func (p *Peer) Unavailable() bool {
	return p.unavailable(p.up.nowSec())
}

// AddTraffic adds to the peer's byte counters; the proxy reports what it
// sent and received per attempt so status pages can show it per peer.
func (p *Peer) AddTraffic(sent, received int64) {
	if sent > 0 {
		p.st.sent.Add(uint64(sent))
	}
	if received > 0 {
		p.st.received.Add(uint64(received))
	}
}

// unavailable is the availability test every nginx balancer repeats.
func (p *Peer) unavailable(now int64) bool {
	if p.Down {
		return true
	}
	st := p.st
	if p.MaxFails > 0 && st.fails.Load() >= int64(p.MaxFails) &&
		now-st.checked.Load() <= p.failTimeout {
		return true
	}
	return p.MaxConns > 0 && st.conns.Load() >= int64(p.MaxConns)
}

// acquire counts one more request in flight unless that would exceed
// MaxConns; the compare-and-swap keeps the limit exact for the methods that
// pick without the selection mutex.
func (p *Peer) acquire() bool {
	c := &p.st.conns
	for {
		n := c.Load()
		if p.MaxConns > 0 && n >= int64(p.MaxConns) {
			return false
		}
		if c.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// markChecked starts a new fail_timeout window once the previous one is
// over; a success after that resets the failure count (see Done).
func (p *Peer) markChecked(now int64) {
	if now-p.st.checked.Load() > p.failTimeout {
		p.st.checked.Store(now)
	}
}

// Done reports the end of an attempt on a peer returned by Pick: it ends
// the request in flight and does nginx's failure accounting. failed means
// the attempt counts as a failure for max_fails: an error, a timeout or an
// invalid header, or an answer listed in proxy_next_upstream other than
// http_403 and http_404. A successful attempt after the fail_timeout
// window has passed clears the failure count.
//
// Done, or Release, must be called exactly once per successful Pick.
func (p *Peer) Done(failed bool) { p.Release(failed) }

// Release is Done that also reports whether this failure made the peer
// reach MaxFails, taking it out of rotation for FailTimeout; nginx logs
// "upstream server temporarily disabled" then.
func (p *Peer) Release(failed bool) (disabled bool) {
	u, st := p.up, p.st

	if u.primary.single {
		// A lone server is never taken out of rotation.
		if st.fails.Load() != 0 {
			st.fails.Store(0)
		}
		if failed {
			st.failures.Add(1)
		}
		st.conns.Add(-1)
		return false
	}

	if failed {
		now := u.nowSec()
		st.failures.Add(1)
		fails := st.fails.Add(1)
		st.accessed.Store(now)
		st.checked.Store(now)

		u.mu.Lock()
		if p.MaxFails > 0 {
			st.effectiveWeight -= p.Weight / p.MaxFails
			disabled = fails >= int64(p.MaxFails)
		}
		if st.effectiveWeight < 0 {
			st.effectiveWeight = 0
		}
		u.mu.Unlock()
	} else if st.accessed.Load() < st.checked.Load() {
		// The peer was picked in a new fail_timeout window and worked.
		st.fails.Store(0)
	}

	st.conns.Add(-1)
	return disabled
}
