package listener

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/conf"
)

// Handler serves the connections a Set accepts, one call per connection
// in a goroutine of its own. HTTP1 is the Handler for plain HTTP.
type Handler interface {
	ServeConn(c *Conn)
}

// ErrClosed is returned by Serve once the Set is closed or shut down.
var ErrClosed = errors.New("listener: set closed")

// Set owns the listening sockets of a gateway, keyed by gateway.Listen.Key.
// Apply brings it in line with a configuration: sockets that stay are kept
// as they are (their queued and open connections are not disturbed by a
// reload), new ones are opened, removed ones closed. Serve accepts on all
// of them, including those a later Apply opens.
//
// As nginx does, a listen on a specific address ("127.0.0.1:80") shares the
// socket of a wildcard listen on the same port ("*:80") unless it asks for
// a socket of its own (Bind, ReusePort, Backlog); connections are told
// apart by their local address and carry the key of the listen that
// matches it.
//
// The zero value is an empty Set ready to use.
type Set struct {
	// ErrorLog receives accept errors; nil writes them to stderr.
	ErrorLog gateway.ErrorLogger

	mu       sync.Mutex
	socks    map[string]*socket // by bound address
	handler  Handler
	closed   bool
	done     chan struct{}
	loops    sync.WaitGroup
	draining atomic.Bool
	drained  chan struct{}
	drainMu  sync.Once
	conns    registry
}

// socket is one bound listening socket.
type socket struct {
	spec   *socketSpec
	ln     net.Listener
	routes atomic.Pointer[routes]
	closed atomic.Bool
}

// routes maps a connection's local address to the listen key it belongs
// to: def, unless a specific listen shares this wildcard socket.
type routes struct {
	def  string
	byIP map[netip.Addr]string
}

// socketSpec describes a socket to open.
type socketSpec struct {
	id      string // "0.0.0.0:80", "[::1]:80", "unix:/path": also nginx's text
	network string // "tcp4", "tcp6", "tcp" (dual-stack IPv6), "unix"
	addr    string
	listen  gateway.Listen
	routes  *routes
	// opts are the socket options of a configuration built from
	// njet.conf (rcvbuf, deferred, so_keepalive...), nil otherwise.
	opts *conf.ListenOptions
	// deferTimeout is TCP_DEFER_ACCEPT's wait: client_header_timeout.
	deferTimeout time.Duration
}

// Listens returns the listens of a prepared configuration (gateway.New and
// Config.Prepare prepare it), one per socket key, for Apply.
func Listens(cfg *gateway.Config) []gateway.Listen {
	var out []gateway.Listen
	for _, k := range cfg.ListenKeys() {
		if l, ok := cfg.ListenFor(k); ok {
			out = append(out, l)
		}
	}
	return out
}

// Apply opens, keeps and closes sockets so that the Set listens exactly on
// listens. It is all-or-nothing: when a socket cannot be opened (nginx's
// `bind() to 127.0.0.1:80 failed (98: Address already in use)`), the
// sockets it opened are closed again and the Set is left as it was.
func (s *Set) Apply(listens []gateway.Listen) error {
	specs, err := plan(listens, nil)
	if err != nil {
		return err
	}
	return s.apply(specs)
}

// ApplyConfig is Apply for the listens of cfg, with the socket options of
// its listen directives when cfg was built from njet.conf: rcvbuf,
// sndbuf, deferred, fastopen, so_keepalive and ipv6only=off.
func (s *Set) ApplyConfig(cfg *gateway.Config) error {
	var opts map[string]*socketOpts
	if ex := conf.ExtraOf(cfg); ex != nil {
		opts = map[string]*socketOpts{}
		for key, o := range ex.Listens {
			if !o.QUIC {
				opts[key] = &socketOpts{ListenOptions: o, deferTimeout: ServerSettings(cfg, cfg.DefaultServer(key)).ClientHeaderTimeout}
			}
		}
	}
	specs, err := plan(Listens(cfg), opts)
	if err != nil {
		return err
	}
	return s.apply(specs)
}

// socketOpts are the njet.conf options of one listen.
type socketOpts struct {
	*conf.ListenOptions
	deferTimeout time.Duration
}

func (s *Set) apply(specs []*socketSpec) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.socks == nil {
		s.socks = map[string]*socket{}
	}
	var opened []*socket
	for _, sp := range specs {
		if _, ok := s.socks[sp.id]; ok {
			continue
		}
		ln, err := openSocket(sp)
		if err != nil {
			for _, o := range opened {
				o.close()
			}
			return err
		}
		opened = append(opened, &socket{spec: sp, ln: ln})
	}
	want := make(map[string]bool, len(specs))
	for _, sp := range specs {
		want[sp.id] = true
	}
	for id, so := range s.socks {
		if !want[id] {
			so.close()
			delete(s.socks, id)
		}
	}
	for _, sp := range specs {
		if so, ok := s.socks[sp.id]; ok {
			if sp.listen.Backlog != so.spec.listen.Backlog {
				// nginx changes the backlog of a kept socket with
				// another listen(); so can we
				setBacklog(so.ln, backlogOf(sp.listen))
			}
			so.spec = sp
			so.routes.Store(sp.routes)
		}
	}
	for _, so := range opened {
		so.routes.Store(so.spec.routes)
		s.socks[so.spec.id] = so
		if s.handler != nil {
			s.startLoop(so)
		}
	}
	return nil
}

// Addrs returns the bound addresses of the open sockets by their socket
// name ("127.0.0.1:8080", "unix:/path"); with port 0 in a listen the
// address holds the port the system chose.
func (s *Set) Addrs() map[string]net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]net.Addr, len(s.socks))
	for id, so := range s.socks {
		out[id] = so.ln.Addr()
	}
	return out
}

// Serve accepts connections on every socket of the Set, now and after
// later Apply calls, and passes each to h in a new goroutine. It returns
// ErrClosed once Close or Shutdown was called.
func (s *Set) Serve(h Handler) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if s.handler != nil {
		s.mu.Unlock()
		return errors.New("listener: set already serving")
	}
	s.handler = h
	done := s.doneChan()
	for _, so := range s.socks {
		s.startLoop(so)
	}
	s.mu.Unlock()
	<-done
	return ErrClosed
}

func (s *Set) doneChan() chan struct{} {
	if s.done == nil {
		s.done = make(chan struct{})
	}
	return s.done
}

// Close closes the sockets and every connection at once.
func (s *Set) Close() error {
	s.stop()
	s.conns.each((*Conn).kill)
	return nil
}

// Shutdown stops accepting, closes idle connections (keep-alive ones and
// those that have not sent a request yet), lets the requests in flight
// finish (their answers say "Connection: close") and returns once every
// connection is closed. When ctx ends first, the remaining connections are
// closed and ctx's error returned.
func (s *Set) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.drained == nil {
		s.drained = make(chan struct{})
	}
	drained := s.drained
	h := s.handler
	s.mu.Unlock()
	s.draining.Store(true)
	if d, ok := h.(interface{ Drain() }); ok {
		d.Drain()
	}
	s.stop()
	s.conns.each(func(c *Conn) {
		if c.state.CompareAndSwap(stateIdle, stateClosed) {
			c.closeIdle()
		}
	})
	if s.conns.n.Load() == 0 {
		s.drainMu.Do(func() { close(drained) })
	}
	select {
	case <-drained:
		return nil
	case <-ctx.Done():
		s.conns.each((*Conn).kill)
		return ctx.Err()
	}
}

// stop closes the sockets, waits for the accept loops and ends Serve.
func (s *Set) stop() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		for id, so := range s.socks {
			so.close()
			delete(s.socks, id)
		}
		close(s.doneChan())
	}
	s.mu.Unlock()
	s.loops.Wait()
}

func (s *Set) startLoop(so *socket) {
	s.loops.Add(1)
	go func() {
		defer s.loops.Done()
		s.acceptLoop(so, s.handler)
	}()
}

// acceptLoop accepts until the socket is closed. On errors such as
// "too many open files" it pauses, as nginx disables accept for a while.
func (s *Set) acceptLoop(so *socket, h Handler) {
	var pause time.Duration
	for {
		nc, err := so.ln.Accept()
		if err != nil {
			if so.closed.Load() {
				return
			}
			s.logAccept(err)
			if pause == 0 {
				pause = 5 * time.Millisecond
			} else if pause < 500*time.Millisecond {
				pause *= 2
			}
			time.Sleep(pause)
			continue
		}
		pause = 0
		c := &Conn{Conn: nc, Listen: so.route(nc), set: s}
		c.refs.Store(1)
		s.conns.add(c)
		if s.draining.Load() {
			// accepted while shutting down: nothing will serve it
			s.release(c)
			nc.Close()
			continue
		}
		go serveConn(h, c)
	}
}

// serveConn runs a Handler on a connection. The handler may return with
// the connection parked (see Conn.park): the poller then holds a
// reference, and the connection is released when the last one goes.
func serveConn(h Handler, c *Conn) {
	defer c.unref()
	h.ServeConn(c)
}

func (s *Set) release(c *Conn) {
	if c.state.Swap(stateDetached) == stateDetached {
		return
	}
	c.forgetPoll()
	s.conns.remove(c)
	if s.conns.n.Add(-1) == 0 && s.draining.Load() {
		s.mu.Lock()
		drained := s.drained
		s.mu.Unlock()
		if drained != nil {
			s.drainMu.Do(func() { close(drained) })
		}
	}
}

func (s *Set) logAccept(err error) {
	l := s.ErrorLog
	if l == nil {
		l = stderrLog
	}
	if l.Enabled(gateway.LevelAlert) {
		msg := "accept4() failed"
		var errno syscall.Errno
		if errors.As(err, &errno) {
			msg += " (" + errnoText(errno) + ")"
		} else {
			msg += " (" + err.Error() + ")"
		}
		l.Log(gateway.LevelAlert, 0, msg)
	}
}

func (so *socket) close() {
	if so.closed.CompareAndSwap(false, true) {
		so.ln.Close()
	}
}

// route returns the listen key of a connection accepted on so.
func (so *socket) route(nc net.Conn) string {
	r := so.routes.Load()
	if len(r.byIP) > 0 {
		if ta, ok := nc.LocalAddr().(*net.TCPAddr); ok {
			if k, ok := r.byIP[ta.AddrPort().Addr().Unmap()]; ok {
				return k
			}
		}
	}
	return r.def
}

// Connection states, for graceful shutdown.
const (
	stateActive int32 = iota
	stateIdle
	stateClosed
	stateDetached
)

// Conn is a connection accepted by a Set, with the key of the listen it
// arrived on. Protocol engines report through it whether the connection
// is idle, so that Shutdown can close idle connections and wait for busy
// ones.
type Conn struct {
	net.Conn
	// Listen is the key of the listen the connection belongs to.
	Listen string

	set   *Set
	state atomic.Int32
	id    uint64
	// refs counts who holds the connection: the goroutine serving it and,
	// while it is parked, the idle poller; the Set forgets it when both
	// are done.
	refs atomic.Int32
	pl   idleLink
}

// idleOwner is the engine of a parked connection: resume serves it again
// once input arrived, in a goroutine the poller starts, with the
// connection still marked idle.
type idleOwner interface {
	resume()
}

// unref drops a reference; the last one releases the connection from its
// Set.
func (c *Conn) unref() {
	if c.refs.Add(-1) == 0 && c.set != nil {
		c.set.release(c)
	}
}

// closeIdle closes a connection that Shutdown marked closed while idle,
// taking it back from the idle poller when it was parked.
func (c *Conn) closeIdle() {
	parked := c.unpark()
	c.Conn.Close()
	if parked {
		c.unref()
	}
}

// kill closes a connection whatever it is doing (Close, or Shutdown out of
// time). Marking it closed first keeps it from being parked afterwards.
func (c *Conn) kill() {
	for {
		st := c.state.Load()
		if st == stateClosed || st == stateDetached || c.state.CompareAndSwap(st, stateClosed) {
			break
		}
	}
	c.closeIdle()
}

// NewConn wraps a connection that no Set accepted (tests, custom accept
// loops) so that a Handler can serve it.
func NewConn(nc net.Conn, listenKey string) *Conn {
	return &Conn{Conn: nc, Listen: listenKey}
}

// Idle marks the connection idle while the engine waits for the next
// request. It returns false when the Set is shutting down: the engine
// should close the connection instead of waiting.
func (c *Conn) Idle() bool {
	if !c.state.CompareAndSwap(stateActive, stateIdle) {
		return false
	}
	if c.set != nil && c.set.draining.Load() {
		c.state.CompareAndSwap(stateIdle, stateClosed)
		return false
	}
	return true
}

// Active marks the connection busy again once a request starts to
// arrive. It returns false when Shutdown closed it while it was idle.
func (c *Conn) Active() bool {
	return c.state.CompareAndSwap(stateIdle, stateActive)
}

// Draining reports whether the Set is shutting down: the request in
// flight is the connection's last.
func (c *Conn) Draining() bool {
	return c.set != nil && c.set.draining.Load()
}

// Detach stops tracking the connection (after a protocol upgrade took it
// over): Shutdown no longer waits for it nor closes it.
func (c *Conn) Detach() {
	c.unwatch()
	if c.set != nil {
		c.set.release(c)
	} else {
		c.state.Store(stateDetached)
	}
}

// registry tracks the open connections of a Set in shards, so that
// accepting on several sockets does not contend on one lock.
type registry struct {
	next   atomic.Uint64
	n      atomic.Int64
	shards [16]struct {
		mu sync.Mutex
		m  map[*Conn]struct{}
	}
}

func (r *registry) add(c *Conn) {
	c.id = r.next.Add(1)
	r.n.Add(1)
	sh := &r.shards[c.id%uint64(len(r.shards))]
	sh.mu.Lock()
	if sh.m == nil {
		sh.m = map[*Conn]struct{}{}
	}
	sh.m[c] = struct{}{}
	sh.mu.Unlock()
}

func (r *registry) remove(c *Conn) {
	sh := &r.shards[c.id%uint64(len(r.shards))]
	sh.mu.Lock()
	delete(sh.m, c)
	sh.mu.Unlock()
}

func (r *registry) each(f func(c *Conn)) {
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		list := make([]*Conn, 0, len(sh.m))
		for c := range sh.m {
			list = append(list, c)
		}
		sh.mu.Unlock()
		for _, c := range list {
			f(c)
		}
	}
}

// plan turns listens into the sockets to open, one per bound address.
func plan(listens []gateway.Listen, opts map[string]*socketOpts) ([]*socketSpec, error) {
	type parsed struct {
		l        gateway.Listen
		ap       netip.AddrPort
		unix     string
		wildcard bool
	}
	ps := make([]parsed, 0, len(listens))
	wild := map[netip.AddrPort]string{} // wildcard socket -> its key
	for _, l := range listens {
		ap, unix, err := parseAddr(l.Addr)
		if err != nil {
			return nil, err
		}
		p := parsed{l: l, ap: ap, unix: unix, wildcard: unix == "" && ap.Addr().IsUnspecified()}
		if p.wildcard {
			if _, ok := wild[ap]; !ok {
				wild[ap] = l.Key()
			}
		}
		ps = append(ps, p)
	}
	var specs []*socketSpec
	byID := map[string]*socketSpec{}
	for _, p := range ps {
		key := p.l.Key()
		var id, network, addr string
		shared := false
		switch {
		case p.unix != "":
			id, network, addr = "unix:"+p.unix, "unix", p.unix
		default:
			network = "tcp4"
			unspec := netip.IPv4Unspecified()
			if p.ap.Addr().Is6() {
				network = "tcp6"
				unspec = netip.IPv6Unspecified()
				if o := opts[key]; o != nil && !o.IPv6Only {
					// ipv6only=off: the socket takes IPv4 too
					network = "tcp"
				}
			}
			w := netip.AddrPortFrom(unspec, p.ap.Port())
			if _, ok := wild[w]; ok && !p.wildcard && !ownSocket(p.l) {
				id, shared = w.String(), true
			} else {
				id = p.ap.String()
			}
			addr = id
		}
		sp := byID[id]
		if sp == nil {
			sp = &socketSpec{id: id, network: network, addr: addr, listen: p.l, routes: &routes{}}
			byID[id] = sp
			specs = append(specs, sp)
		}
		if shared {
			if sp.routes.byIP == nil {
				sp.routes.byIP = map[netip.Addr]string{}
			}
			if _, dup := sp.routes.byIP[p.ap.Addr()]; !dup {
				sp.routes.byIP[p.ap.Addr()] = key
			}
			continue
		}
		if sp.routes.def == "" {
			sp.routes.def = key
			sp.listen = p.l
			if o := opts[key]; o != nil {
				sp.opts, sp.deferTimeout = o.ListenOptions, o.deferTimeout
			}
		}
	}
	for _, sp := range specs {
		if sp.routes.def == "" {
			// only specific listens, through a wildcard of another key
			sp.routes.def = sp.listen.Key()
		}
	}
	return specs, nil
}

// ownSocket reports whether a listen on a specific address needs a socket
// of its own even when a wildcard listen on its port exists: "bind", or
// reuseport, which implies it (gateway/conf sets Bind for every socket
// option, as nginx).
func ownSocket(l gateway.Listen) bool {
	return l.Bind || l.ReusePort
}

// parseAddr reads a Listen.Addr: "ip:port", "[ipv6]:port", "*:port",
// "port", "host:port" (resolved now) or "unix:/path".
func parseAddr(s string) (netip.AddrPort, string, error) {
	if path, ok := strings.CutPrefix(s, "unix:"); ok {
		if path == "" {
			return netip.AddrPort{}, "", fmt.Errorf("invalid listen address \"%s\"", s)
		}
		return netip.AddrPort{}, path, nil
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		host, port = "*", s
	}
	pn, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return netip.AddrPort{}, "", fmt.Errorf("invalid port in \"%s\"", s)
	}
	var ip netip.Addr
	switch host {
	case "*", "":
		ip = netip.IPv4Unspecified()
	default:
		ip, err = netip.ParseAddr(host)
		if err != nil {
			ips, lerr := net.DefaultResolver.LookupNetIP(context.Background(), "ip", host)
			if lerr != nil || len(ips) == 0 {
				return netip.AddrPort{}, "", fmt.Errorf("host not found in \"%s\"", s)
			}
			ip = ips[0]
		}
	}
	return netip.AddrPortFrom(ip.Unmap(), uint16(pn)), "", nil
}

// ListenError is a socket that could not be opened; its text is nginx's,
// "bind() to 127.0.0.1:80 failed (98: Address already in use)".
type ListenError struct {
	// Syscall is the call that failed: "socket", "setsockopt", "bind",
	// "listen".
	Syscall string
	// Addr is the address as nginx prints it: "0.0.0.0:80", "[::]:80",
	// "unix:/path".
	Addr string
	Err  error
}

func (e *ListenError) Error() string {
	var errno syscall.Errno
	if errors.As(e.Err, &errno) {
		return e.Syscall + "() to " + e.Addr + " failed (" + errnoText(errno) + ")"
	}
	return e.Syscall + "() to " + e.Addr + " failed (" + e.Err.Error() + ")"
}

func (e *ListenError) Unwrap() error { return e.Err }

// errnoText is "98: Address already in use", as nginx prints errors.
func errnoText(e syscall.Errno) string {
	s := e.Error()
	if s != "" {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return strconv.Itoa(int(e)) + ": " + s
}

func backlogOf(l gateway.Listen) int {
	if l.Backlog != 0 {
		return l.Backlog
	}
	return defaultBacklog
}

// openSocket binds and listens.
func openSocket(sp *socketSpec) (net.Listener, error) {
	if sp.network == "unix" {
		if err := removeStaleSocket(sp.addr); err != nil {
			return nil, &ListenError{Syscall: "bind", Addr: sp.id, Err: err}
		}
	}
	lc := net.ListenConfig{KeepAlive: -1, Control: control(sp)}
	ln, err := lc.Listen(context.Background(), sp.network, sp.addr)
	if err != nil {
		call := "bind"
		var se *os.SyscallError
		if errors.As(err, &se) {
			call = se.Syscall
		}
		return nil, &ListenError{Syscall: call, Addr: sp.id, Err: err}
	}
	if sp.network == "unix" {
		// nginx makes unix sockets usable by every user
		os.Chmod(sp.addr, 0o666)
	}
	setBacklog(ln, backlogOf(sp.listen))
	if err := afterListen(ln, sp); err != nil {
		ln.Close()
		return nil, &ListenError{Syscall: "setsockopt", Addr: sp.id, Err: err}
	}
	return ln, nil
}

// removeStaleSocket removes a unix socket file nobody listens on any more
// (left by a crashed process). A live socket is left alone: bind then
// fails with "Address already in use".
func removeStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&os.ModeSocket == 0 {
		return nil
	}
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		c.Close()
		return syscall.EADDRINUSE
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT) {
		os.Remove(path)
	}
	return nil
}
