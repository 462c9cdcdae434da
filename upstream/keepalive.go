package upstream

import (
	"net"
	"sync"
	"time"
)

// The keepalive connection cache: nginx's
// ngx_http_upstream_keepalive_module.c. One cache per Upstream holds up to
// Config.Keepalive idle connections, shared by all peers and ordered by
// last use; a connection is handed out again only to a try on a peer with
// the same address.

// Conn is a connection as the keepalive cache returns it: the connection
// the caller dialed (and gave to Keep) with the time it was opened, from
// which keepalive_time is measured. It is a net.Conn; NetConn returns the
// connection inside.
type Conn struct {
	net.Conn
	opened time.Time
	probe  probe // the idle check's state, set up on first use
}

// NetConn returns the wrapped connection (a *net.TCPConn, a *tls.Conn, ...).
func (c *Conn) NetConn() net.Conn { return c.Conn }

// Opened is when the connection was opened (or first seen by Track or
// Keep).
func (c *Conn) Opened() time.Time { return c.opened }

// Track wraps a freshly dialed connection to one of u's peers so that its
// age counts from now. Keep wraps connections it has not seen before
// itself, but then the age of the connection counts from the end of its
// first request; calling Track right after dialing makes keepalive_time
// exact.
func (u *Upstream) Track(c net.Conn) net.Conn {
	if _, ok := c.(*Conn); ok || c == nil {
		return c
	}
	return &Conn{Conn: c, opened: u.clock()}
}

// Idle returns a cached idle connection to p's address, taking it out of
// the cache, or nil when there is none. Connections that have been idle
// longer than keepalive_timeout, or that the peer closed or wrote to
// while idle, are closed instead of being returned. The caller owns the
// returned connection: it gives it back with Keep or closes it. A request
// on a reused connection can still fail if the peer closes it at the same
// moment; nginx then tries the next peer.
func (u *Upstream) Idle(p *Peer) net.Conn { return u.idle(p, 0) }

// IdleUnchecked is Idle for a request that can be sent again on another
// connection should this one turn out to be closed (nginx's proxy retries
// such a request without counting a failure): a connection that has been
// idle for less than recent is handed out without the liveness check,
// which costs a system call. The trade-off: a peer that closed the
// connection within that time makes the request fail on it and be sent
// again; bytes it sent unasked within that time (a peer writing past the
// end of its answer) are taken for the start of the next answer. nginx
// learns both from the event loop as soon as they happen; a Go program has
// no such notice without a goroutine per idle connection, so it checks
// when it hands a connection out, and this skips the check where it is
// least likely to find anything: a connection used a moment ago, under
// load.
func (u *Upstream) IdleUnchecked(p *Peer, recent time.Duration) net.Conn {
	return u.idle(p, recent)
}

func (u *Upstream) idle(p *Peer, recent time.Duration) net.Conn {
	k := u.ka
	if k == nil {
		return nil
	}
	for {
		k.mu.Lock()
		e := k.byKey[p.cacheKey]
		if e == nil {
			k.mu.Unlock()
			return nil
		}
		k.remove(e)
		c, since := e.conn, e.since
		k.release(e)
		k.mu.Unlock()

		idle := u.clock().Sub(since)
		if idle >= k.timeout || (idle >= recent && !alive(c)) {
			c.Close()
			continue
		}
		return c
	}
}

// Keep offers a connection to p back for reuse once a request on it has
// ended cleanly (the whole response read, nothing more to read or write).
// requests is the number of requests the connection has carried,
// including the one that just ended. Keep takes ownership of c: it caches
// it and reports true, or closes it and reports false when caching is off
// (no "keepalive"), the connection has carried keepalive_requests
// requests, is older than keepalive_time, was closed or has unread data,
// or the Upstream is closed. When the cache is full the least recently
// used connection is closed to make room.
func (u *Upstream) Keep(p *Peer, c net.Conn, requests int) bool {
	if c == nil {
		return false
	}
	k := u.ka
	if k == nil {
		c.Close()
		return false
	}
	now := u.clock()
	cc, ok := c.(*Conn)
	if !ok {
		cc = &Conn{Conn: c, opened: now}
	}
	// Whether the peer closed the connection meanwhile is checked when it
	// is taken out again (Idle): checking here too would cost a system
	// call per request for a case Idle catches anyway.
	if requests >= k.requests || now.Sub(cc.opened) > k.lifetime || k.timeout <= 0 ||
		cc.SetDeadline(time.Time{}) != nil {
		cc.Close()
		return false
	}

	k.mu.Lock()
	if k.closed {
		k.mu.Unlock()
		cc.Close()
		return false
	}
	var evicted net.Conn
	if k.n >= k.max {
		e := k.tail
		k.remove(e)
		evicted = e.conn
		k.release(e)
	}
	e := k.alloc()
	e.conn, e.key, e.since = cc, p.cacheKey, now
	k.push(e)
	if !k.armed {
		k.arm(k.timeout)
	}
	k.mu.Unlock()

	if evicted != nil {
		evicted.Close()
	}
	return true
}

// IdleLen is the number of connections in the keepalive cache.
func (u *Upstream) IdleLen() int {
	k := u.ka
	if k == nil {
		return 0
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.n
}

// Close closes the cached idle connections and stops caching: Keep closes
// what it is given from then on. Call it when the configuration snapshot
// holding u is retired. Picking peers keeps working.
func (u *Upstream) Close() {
	k := u.ka
	if k == nil {
		return
	}
	k.mu.Lock()
	k.closed = true
	if k.timer != nil {
		k.timer.Stop()
	}
	var conns []net.Conn
	for e := k.head; e != nil; e = e.next {
		conns = append(conns, e.conn)
	}
	k.head, k.tail, k.n, k.byKey = nil, nil, 0, map[string]*idleConn{}
	k.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// idleConn is a cache entry. Entries sit on the LRU list (head is the most
// recently cached) and on the list of their address (byKey points to its
// most recent entry).
type idleConn struct {
	conn         net.Conn
	key          string
	since        time.Time
	prev, next   *idleConn
	kprev, knext *idleConn
}

type keepalive struct {
	max      int
	requests int
	timeout  time.Duration
	lifetime time.Duration
	clock    func() time.Time

	mu         sync.Mutex
	head, tail *idleConn
	n          int
	byKey      map[string]*idleConn
	free       *idleConn
	timer      *time.Timer
	armed      bool
	closed     bool
}

func newKeepalive(cfg *Config, clock func() time.Time) *keepalive {
	if cfg.Keepalive <= 0 {
		return nil
	}
	return &keepalive{
		max:      cfg.Keepalive,
		requests: setting(cfg.KeepaliveRequests, DefaultKeepaliveRequests),
		timeout:  setting(cfg.KeepaliveTimeout, DefaultKeepaliveTimeout),
		lifetime: setting(cfg.KeepaliveTime, DefaultKeepaliveTime),
		clock:    clock,
		byKey:    map[string]*idleConn{},
	}
}

func (k *keepalive) alloc() *idleConn {
	if e := k.free; e != nil {
		k.free = e.next
		e.next = nil
		return e
	}
	return &idleConn{}
}

func (k *keepalive) release(e *idleConn) {
	*e = idleConn{next: k.free}
	k.free = e
}

func (k *keepalive) push(e *idleConn) {
	e.next = k.head
	if k.head != nil {
		k.head.prev = e
	} else {
		k.tail = e
	}
	k.head = e
	if first := k.byKey[e.key]; first != nil {
		first.kprev = e
		e.knext = first
	}
	k.byKey[e.key] = e
	k.n++
}

func (k *keepalive) remove(e *idleConn) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		k.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		k.tail = e.prev
	}
	if e.kprev != nil {
		e.kprev.knext = e.knext
	} else if e.knext != nil {
		k.byKey[e.key] = e.knext
	} else {
		delete(k.byKey, e.key)
	}
	if e.knext != nil {
		e.knext.kprev = e.kprev
	}
	e.prev, e.next, e.kprev, e.knext = nil, nil, nil, nil
	k.n--
}

// arm schedules a sweep; k.mu is held.
func (k *keepalive) arm(d time.Duration) {
	k.armed = true
	if k.timer == nil {
		k.timer = time.AfterFunc(d, k.sweep)
		return
	}
	k.timer.Reset(d)
}

// sweep closes the connections idle for keepalive_timeout, the oldest
// being at the tail, and schedules itself for the next one to expire.
func (k *keepalive) sweep() {
	var expired []net.Conn
	k.mu.Lock()
	k.armed = false
	now := k.clock()
	for e := k.tail; e != nil && now.Sub(e.since) >= k.timeout; e = k.tail {
		k.remove(e)
		expired = append(expired, e.conn)
		k.release(e)
	}
	if k.tail != nil && !k.closed {
		k.arm(k.tail.since.Add(k.timeout).Sub(now))
	}
	k.mu.Unlock()
	for _, c := range expired {
		c.Close()
	}
}
