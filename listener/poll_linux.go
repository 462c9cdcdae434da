//go:build linux

package listener

import (
	"errors"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The idle poller watches the connections that wait for their next
// request (or, fresh from accept, for their first byte). Each connection's
// descriptor joins an epoll set of the package at its first wait,
// edge-triggered, and stays there until the connection closes. A waiting
// connection is either
//
//   - held: its goroutine keeps its buffers and sleeps until the poller
//     signals that input came, for at most ParkAfter; or
//   - parked: its goroutine has ended and its buffers went back to a pool
//     (nginx keeps an idle keep-alive connection for a few hundred bytes;
//     a goroutine with its reader and writer costs some 17 KiB). When
//     input comes, the poller hands it to a worker goroutine that serves
//     it again; when the keep-alive timeout passes first, it closes it.
//
// Input that arrives while the connection is busy is remembered, so that
// its next wait ends at once.
//
// Why not wait in a read on the runtime's poller, as net/http does: the
// runtime hands over the goroutines of one poll in the reverse order of
// their readiness, so under load the connection that became ready first
// is served last and the latency spread doubles. This poller wakes
// connections in the order of the kernel's ready list, as nginx's event
// loop does, and a wait costs no read that fails with EAGAIN.
//
// The epoll descriptor is itself handed to the Go runtime's poller (an
// epoll descriptor is readable while events are pending), so the loop
// that collects events is an ordinary goroutine blocked in the runtime:
// no thread sits in epoll_wait, and the nearest deadline is the read
// deadline of that descriptor. The runtime's own registration of each
// connection is not touched: the engine reads and writes through
// net.Conn as usual once it is awake.

// pollEpoch is the origin of the poller's deadlines, which are
// monotonic nanoseconds since it.
var pollEpoch = time.Now()

func pollNow() int64 { return int64(time.Since(pollEpoch)) }

// idleLink is the poller's state in a Conn; past shard, fd and no, the
// fields belong to the shard's lock.
type idleLink struct {
	shard atomic.Pointer[pollShard] // set at the first wait
	fd    int
	// no is set when the connection cannot be watched.
	no bool
	// watched: fd is in the shard's epoll set, under slot and gen.
	watched bool
	// pending: input came while the connection was not waiting.
	pending  bool
	wait     waitKind
	woken    waitKind // how it waited, once collect unlinked it
	slot     uint32
	gen      uint32
	deadline int64
	owner    idleOwner // of a parked connection
	list     *idleList
	prev     *Conn
	next     *Conn
	// wake carries the outcome of a hold to the goroutine holding
	wake chan int
}

// waitKind is how a watched connection waits.
type waitKind uint8

const (
	waitNone waitKind = iota
	waitHeld
	waitParked
)

// idleList holds the waiting connections of one timeout, in deadline
// order: they are appended as they come, so that keeping the order costs
// a step or two back from the tail when goroutines race.
type idleList struct {
	timeout    time.Duration
	head, tail *Conn
}

// pollShard is one epoll set with its lists. Connections are spread over
// shards so that parking on several cores does not contend on one lock.
type pollShard struct {
	epfd  int
	file  *os.File        // epfd, pollable by the runtime
	rc    syscall.RawConn // file's, for Read
	ready func(uintptr) bool

	mu     sync.Mutex
	slots  []*Conn // watched connections by slot, for the events; nil when free
	free   []uint32
	lists  []*idleList
	timer  int64 // the deadline file has, 0 for none
	parked int
	// gen numbers the parks, so that an event can be told from one of an
	// earlier occupant of its slot
	gen uint32

	// work hands a woken connection to an idle worker
	work chan *Conn

	// used by the loop goroutine only
	events []syscall.EpollEvent
	woken  []*Conn
}

type idlePoller struct {
	shards []*pollShard
	next   atomic.Uint32
}

var (
	pollerOnce sync.Once
	poller     *idlePoller // nil when epoll cannot be used
)

func getPoller() *idlePoller {
	pollerOnce.Do(func() { poller = newIdlePoller() })
	return poller
}

// maxPollShards bounds the shards: one per core up to this.
const maxPollShards = 8

func newIdlePoller() *idlePoller {
	n := min(max(runtime.GOMAXPROCS(0), 1), maxPollShards)
	p := &idlePoller{}
	for range n {
		sh, err := newPollShard()
		if err != nil {
			for _, s := range p.shards {
				s.file.Close()
			}
			return nil
		}
		p.shards = append(p.shards, sh)
	}
	for _, sh := range p.shards {
		go sh.loop()
	}
	return p
}

func newPollShard() (*pollShard, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	// non-blocking, so that os.NewFile hands it to the runtime's poller
	if err := syscall.SetNonblock(epfd, true); err != nil {
		syscall.Close(epfd)
		return nil, err
	}
	f := os.NewFile(uintptr(epfd), "listener-idle-epoll")
	// a descriptor the runtime cannot poll has no deadlines: then the
	// loop could not keep time, and connections are not parked
	if err := f.SetReadDeadline(time.Time{}); err != nil {
		f.Close()
		return nil, err
	}
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	sh := &pollShard{epfd: epfd, file: f, rc: rc, events: make([]syscall.EpollEvent, 128), work: make(chan *Conn)}
	sh.ready = sh.collect
	return sh, nil
}

// parkable reports whether the connection can be parked: Linux, a
// connection a Set accepted (whoever accepts connections of their own
// may close them when ServeConn returns), a socket the runtime gave a
// descriptor (not TLS or another wrapper).
func (c *Conn) parkable() bool {
	if c.pl.no {
		return false
	}
	if c.pl.shard.Load() != nil {
		return true
	}
	sc, ok := c.Conn.(syscall.Conn)
	if c.set == nil || !ok {
		c.pl.no = true
		return false
	}
	p := getPoller()
	if p == nil {
		c.pl.no = true
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		c.pl.no = true
		return false
	}
	fd := -1
	rc.Control(func(s uintptr) { fd = int(s) })
	if fd < 0 {
		c.pl.no = true
		return false
	}
	c.pl.fd = fd
	c.pl.shard.Store(p.shards[p.next.Add(1)%uint32(len(p.shards))])
	return true
}

// hold waits, the goroutine keeping its buffers, until input comes or d
// has passed since now, and says which came first. Input reported while
// the connection was busy ends the hold at once; the engine may have
// read it already, so after holdInput a read may still have to wait
// (in the runtime's poller, under the caller's deadline).
func (c *Conn) hold(now time.Time, d time.Duration) int {
	if !c.parkable() {
		return holdOff
	}
	sh := c.pl.shard.Load()
	l := &c.pl
	deadline := int64(now.Sub(pollEpoch) + d)
	sh.mu.Lock()
	// Shutdown marks idle connections closed before it unparks them:
	// checked under the lock, a connection it has taken never waits
	if c.state.Load() != stateIdle {
		sh.mu.Unlock()
		return holdClosed
	}
	if !sh.watch(c) {
		sh.mu.Unlock()
		return holdOff
	}
	if l.pending {
		l.pending = false
		sh.mu.Unlock()
		return holdInput
	}
	if l.wake == nil {
		l.wake = make(chan int, 1)
	}
	l.wait, l.deadline = waitHeld, deadline
	sh.insert(c, d)
	sh.mu.Unlock()
	return <-l.wake
}

// park hands the idle connection to the poller until input arrives
// (owner.resume runs in another goroutine) or deadline passes (the poller
// closes it). timeout groups connections with like deadlines. It
// returns false when the connection is not idle any more (Shutdown took
// it), input came already, or it cannot be watched; the caller keeps it
// then and reads. After true the caller must not touch the connection:
// it may already be served again.
func (c *Conn) park(owner idleOwner, timeout time.Duration, deadline time.Time) bool {
	if !c.parkable() {
		return false
	}
	return c.pl.shard.Load().park(c, owner, timeout, int64(deadline.Sub(pollEpoch)))
}

// unpark takes a waiting connection back from the poller for Shutdown or
// Close; true means it was parked, and the caller now holds the
// poller's reference. A held connection's goroutine is told to close it.
func (c *Conn) unpark() bool {
	sh := c.pl.shard.Load()
	if sh == nil {
		return false
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	switch c.pl.wait {
	case waitParked:
		sh.unlink(c)
		return true
	case waitHeld:
		sh.unlink(c)
		c.pl.wake <- holdClosed
	}
	return false
}

// unwatch takes the descriptor out of the epoll set, for a connection
// that leaves the engine open (an upgrade, HTTP/2). It must not be
// waiting.
func (c *Conn) unwatch() {
	sh := c.pl.shard.Load()
	if sh == nil {
		return
	}
	sh.mu.Lock()
	if c.pl.watched {
		// the descriptor is still open here, so it cannot be another
		// connection's yet
		var ev syscall.EpollEvent
		syscall.EpollCtl(sh.epfd, syscall.EPOLL_CTL_DEL, c.pl.fd, &ev)
		sh.forget(c)
	}
	sh.mu.Unlock()
}

// forgetPoll frees the slot of a connection that is closed: closing the
// descriptor took it out of the epoll set.
func (c *Conn) forgetPoll() {
	sh := c.pl.shard.Load()
	if sh == nil {
		return
	}
	sh.mu.Lock()
	if c.pl.watched {
		sh.forget(c)
	}
	sh.mu.Unlock()
}

// watch adds c's descriptor to the epoll set, edge-triggered, unless it
// is there; sh.mu is held. Input already pending is reported at once.
func (sh *pollShard) watch(c *Conn) bool {
	l := &c.pl
	if l.watched {
		return true
	}
	var slot uint32
	if n := len(sh.free); n > 0 {
		slot = sh.free[n-1]
		sh.free = sh.free[:n-1]
	} else {
		slot = uint32(len(sh.slots))
		sh.slots = append(sh.slots, nil)
	}
	// gen tells an event from one of an earlier occupant of the slot
	sh.gen++
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | epollET, Fd: int32(slot), Pad: int32(sh.gen)}
	if err := syscall.EpollCtl(sh.epfd, syscall.EPOLL_CTL_ADD, l.fd, &ev); err != nil {
		sh.free = append(sh.free, slot)
		l.no = true
		return false
	}
	l.watched, l.slot, l.gen = true, slot, sh.gen
	sh.slots[slot] = c
	return true
}

// epollET is EPOLLET as the event mask's type (the constant is negative
// in package syscall).
const epollET = 1 << 31

// forget frees c's slot; sh.mu is held.
func (sh *pollShard) forget(c *Conn) {
	l := &c.pl
	sh.slots[l.slot] = nil
	sh.free = append(sh.free, l.slot)
	l.watched, l.pending = false, false
}

func (sh *pollShard) park(c *Conn, owner idleOwner, timeout time.Duration, deadline int64) bool {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if c.state.Load() != stateIdle || !sh.watch(c) {
		return false
	}
	l := &c.pl
	if l.pending {
		l.pending = false
		return false
	}
	l.wait, l.deadline, l.owner = waitParked, deadline, owner
	sh.insert(c, timeout)
	sh.parked++
	c.refs.Add(1)
	return true
}

// insert links c into the list of its timeout, in deadline order.
func (sh *pollShard) insert(c *Conn, timeout time.Duration) {
	var l *idleList
	for _, x := range sh.lists {
		if x.timeout == timeout {
			l = x
			break
		}
	}
	if l == nil {
		l = &idleList{timeout: timeout}
		sh.lists = append(sh.lists, l)
	}
	c.pl.list = l
	at := l.tail
	for at != nil && at.pl.deadline > c.pl.deadline {
		at = at.pl.prev
	}
	// after at (nil: at the head)
	c.pl.prev = at
	if at == nil {
		c.pl.next = l.head
		l.head = c
	} else {
		c.pl.next = at.pl.next
		at.pl.next = c
	}
	if c.pl.next == nil {
		l.tail = c
	} else {
		c.pl.next.pl.prev = c
	}
	if sh.timer == 0 || c.pl.deadline < sh.timer {
		sh.setTimer(c.pl.deadline)
	}
}

// unlink takes a waiting connection out of its list.
func (sh *pollShard) unlink(c *Conn) {
	p := &c.pl
	l := p.list
	if p.prev == nil {
		l.head = p.next
	} else {
		p.prev.pl.next = p.next
	}
	if p.next == nil {
		l.tail = p.prev
	} else {
		p.next.pl.prev = p.prev
	}
	if p.wait == waitParked {
		sh.parked--
	}
	p.prev, p.next, p.list, p.wait = nil, nil, nil, waitNone
	if l.head == nil && len(sh.lists) > 16 {
		// timeouts of old configurations
		for i, x := range sh.lists {
			if x == l {
				sh.lists = append(sh.lists[:i], sh.lists[i+1:]...)
				break
			}
		}
	}
}

// setTimer sets the read deadline of the epoll descriptor, which ends the
// loop's wait when the nearest connection deadline comes.
func (sh *pollShard) setTimer(at int64) {
	sh.timer = at
	var d time.Time
	if at != 0 {
		d = pollEpoch.Add(time.Duration(at))
	}
	sh.file.SetReadDeadline(d)
}

// loop collects the events of the shard and closes the connections whose
// deadline passed.
func (sh *pollShard) loop() {
	for {
		// Read calls collect until it reports nothing more pending, then
		// waits for the epoll descriptor; it returns at the deadline
		err := sh.rc.Read(sh.ready)
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			// not expected from a descriptor nobody closes; no busy loop
			time.Sleep(10 * time.Millisecond)
		}
		sh.expire()
	}
}

// collect takes the pending events, in the order the kernel queued them:
// a held connection's goroutine is signalled, a parked connection is
// handed to a worker, and input for a busy one is remembered. It returns
// false once nothing is pending, so that the runtime waits for the next.
func (sh *pollShard) collect(fd uintptr) bool {
	for {
		n, err := syscall.EpollWait(int(fd), sh.events, 0)
		if err == syscall.EINTR {
			continue
		}
		if n <= 0 {
			return false
		}
		sh.mu.Lock()
		for _, ev := range sh.events[:n] {
			slot := uint32(ev.Fd)
			if int(slot) >= len(sh.slots) {
				continue
			}
			c := sh.slots[slot]
			// an event of a connection closed meanwhile
			if c == nil || c.pl.gen != uint32(ev.Pad) {
				continue
			}
			if c.pl.wait == waitNone {
				c.pl.pending = true
				continue
			}
			// unlinked, the connection is ours to signal: unpark and
			// expire pass it by
			c.pl.woken = c.pl.wait
			sh.unlink(c)
			sh.woken = append(sh.woken, c)
		}
		sh.mu.Unlock()
		// The runtime runs the goroutine readied last first (it takes the
		// "next" slot of the run queue, pushing the one there to the
		// back), then the others in order. Readying the first connection
		// last makes the whole batch run in the kernel's order.
		if len(sh.woken) > 0 {
			for _, c := range sh.woken[1:] {
				sh.signal(c)
			}
			sh.signal(sh.woken[0])
			clear(sh.woken)
			sh.woken = sh.woken[:0]
		}
		if n < len(sh.events) {
			return false
		}
	}
}

// signal serves a connection whose input came: a held one's goroutine
// goes on, a parked one goes to an idle worker or a new one.
func (sh *pollShard) signal(c *Conn) {
	if c.pl.woken == waitHeld {
		c.pl.wake <- holdInput
		return
	}
	select {
	case sh.work <- c:
	default:
		go sh.worker(c)
	}
}

// wake serves a parked connection again; the poller's reference passes
// to this goroutine.
func wake(c *Conn) {
	c.pl.owner.resume()
	c.unref()
}

// workerIdle is how long a worker waits for another woken connection
// before it ends.
const workerIdle = time.Second

// worker serves woken connections: starting a goroutine for each would
// cost its stack growing anew every time.
func (sh *pollShard) worker(c *Conn) {
	t := time.NewTimer(workerIdle)
	defer t.Stop()
	for {
		wake(c)
		c = nil
		t.Reset(workerIdle)
		select {
		case c = <-sh.work:
		case <-t.C:
			return
		}
	}
}

// expire ends the waits whose deadline passed (a held goroutine is told,
// a parked connection is closed) and sets the timer for the next.
func (sh *pollShard) expire() {
	now := pollNow()
	sh.mu.Lock()
	next := int64(0)
	for _, l := range sh.lists {
		for l.head != nil && l.head.pl.deadline <= now {
			c := l.head
			held := c.pl.wait == waitHeld
			sh.unlink(c)
			if held {
				c.pl.wake <- holdTimeout
			} else {
				sh.woken = append(sh.woken, c)
			}
		}
		if l.head != nil && (next == 0 || l.head.pl.deadline < next) {
			next = l.head.pl.deadline
		}
	}
	if next != sh.timer {
		sh.setTimer(next)
	}
	sh.mu.Unlock()
	for i, c := range sh.woken {
		// keepalive_timeout: nginx closes without a word
		c.state.CompareAndSwap(stateIdle, stateClosed)
		c.Conn.Close()
		c.unref()
		sh.woken[i] = nil
	}
	sh.woken = sh.woken[:0]
}
