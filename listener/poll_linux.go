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

// The idle poller holds the connections that wait for their next request
// (or, fresh from accept, for their first byte) without a goroutine and
// without buffers: nginx keeps an idle keep-alive connection for a few
// hundred bytes, and a parked goroutine with its reader, writer and stack
// costs some 17 KiB. A parked connection is a file descriptor in an epoll
// set of our own, registered one-shot for input, and an entry in a list
// sorted by deadline. When the descriptor turns readable the poller hands
// the connection to a worker goroutine that serves it again (a worker
// that has just finished with another, or a new one); when the
// keep-alive timeout passes first, the poller closes it.
//
// The epoll descriptor is itself handed to the Go runtime's poller (an
// epoll descriptor is readable while events are pending), so the loop
// that collects events is an ordinary goroutine blocked in the runtime:
// no thread sits in epoll_wait, and the nearest deadline is the read
// deadline of that descriptor. The runtime's own registration of each
// connection is not touched: it stays registered there too, and the
// engine reads and writes through net.Conn as usual once it is awake.

// pollEpoch is the origin of the poller's deadlines, which are
// monotonic nanoseconds since it.
var pollEpoch = time.Now()

func pollNow() int64 { return int64(time.Since(pollEpoch)) }

// idleLink is the poller's state in a Conn.
type idleLink struct {
	shard atomic.Pointer[pollShard] // set at the first park
	fd    int
	owner idleOwner
	// no is set when the connection cannot be parked.
	no bool
	// armed: fd is in the shard's epoll set (disarmed after it fired:
	// one-shot), so the next park modifies the entry instead of adding it.
	armed    bool
	parked   bool
	slot     uint32
	gen      uint32
	deadline int64
	list     *idleList
	prev     *Conn
	next     *Conn
}

// idleList holds the parked connections of one timeout, in deadline
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
	slots  []*Conn // by slot, for the events: nil when free
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

// park hands the idle connection to the poller until input arrives
// (owner.resume runs in a new goroutine) or deadline passes (the poller
// closes it). timeout groups connections with like deadlines. It
// returns false when the connection is not idle any more (Shutdown took
// it) or cannot be watched; the caller keeps it then. After true the
// caller must not touch the connection: it may already be served again.
func (c *Conn) park(owner idleOwner, timeout time.Duration, deadline time.Time) bool {
	if !c.parkable() {
		return false
	}
	return c.pl.shard.Load().park(c, owner, timeout, int64(deadline.Sub(pollEpoch)))
}

// unpark takes a parked connection back from the poller for Shutdown or
// Close; true means it was parked, and the caller now holds the
// poller's reference.
func (c *Conn) unpark() bool {
	sh := c.pl.shard.Load()
	if sh == nil {
		return false
	}
	sh.mu.Lock()
	ok := c.pl.parked
	if ok {
		sh.remove(c)
	}
	sh.mu.Unlock()
	return ok
}

func (sh *pollShard) park(c *Conn, owner idleOwner, timeout time.Duration, deadline int64) bool {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	// Shutdown marks idle connections closed before it unparks them:
	// checked under the lock, a connection it has taken is never parked
	if c.state.Load() != stateIdle {
		return false
	}
	var slot uint32
	if n := len(sh.free); n > 0 {
		slot = sh.free[n-1]
		sh.free = sh.free[:n-1]
	} else {
		slot = uint32(len(sh.slots))
		sh.slots = append(sh.slots, nil)
	}
	l := &c.pl
	sh.gen++
	l.gen = sh.gen
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT, Fd: int32(slot), Pad: int32(l.gen)}
	op := syscall.EPOLL_CTL_ADD
	if l.armed {
		op = syscall.EPOLL_CTL_MOD
	}
	err := syscall.EpollCtl(sh.epfd, op, l.fd, &ev)
	switch {
	case err == syscall.ENOENT && op == syscall.EPOLL_CTL_MOD:
		err = syscall.EpollCtl(sh.epfd, syscall.EPOLL_CTL_ADD, l.fd, &ev)
	case err == syscall.EEXIST && op == syscall.EPOLL_CTL_ADD:
		err = syscall.EpollCtl(sh.epfd, syscall.EPOLL_CTL_MOD, l.fd, &ev)
	}
	if err != nil {
		sh.free = append(sh.free, slot)
		return false
	}
	l.armed, l.parked, l.slot, l.deadline, l.owner = true, true, slot, deadline, owner
	sh.slots[slot] = c
	sh.insert(c, timeout)
	sh.parked++
	c.refs.Add(1)
	if sh.timer == 0 || deadline < sh.timer {
		sh.setTimer(deadline)
	}
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
}

// remove unlinks a parked connection and frees its slot.
func (sh *pollShard) remove(c *Conn) {
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
	p.prev, p.next, p.list, p.parked = nil, nil, nil, false
	sh.slots[p.slot] = nil
	sh.free = append(sh.free, p.slot)
	sh.parked--
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

// collect takes the pending events and has each connection that turned
// readable served again. It returns false once nothing is
// pending, so that the runtime waits for the next.
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
			// an event of a connection Shutdown took meanwhile
			if c == nil || c.pl.gen != uint32(ev.Pad) {
				continue
			}
			sh.remove(c)
			sh.woken = append(sh.woken, c)
		}
		sh.mu.Unlock()
		for i, c := range sh.woken {
			select {
			case sh.work <- c:
			default:
				go sh.worker(c)
			}
			sh.woken[i] = nil
		}
		sh.woken = sh.woken[:0]
		if n < len(sh.events) {
			return false
		}
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

// expire closes the connections whose deadline passed and sets the timer
// for the next.
func (sh *pollShard) expire() {
	now := pollNow()
	sh.mu.Lock()
	next := int64(0)
	for _, l := range sh.lists {
		for l.head != nil && l.head.pl.deadline <= now {
			c := l.head
			sh.remove(c)
			sh.woken = append(sh.woken, c)
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
