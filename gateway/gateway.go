package gateway

import (
	"errors"
	"sync"
	"sync/atomic"
)

// Gateway serves requests against the current configuration snapshot.
// Load swaps snapshots atomically: a request pins the snapshot it started
// with until its log phase ends, and a retired snapshot's Closers run once
// its last request is done.
type Gateway struct {
	cur atomic.Pointer[snapshot]
	mu  sync.Mutex // serialises Load
}

type snapshot struct {
	cfg     *Config
	refs    atomic.Int64 // requests in flight + 1 while current
	closeMu sync.Once
}

func (s *snapshot) release() {
	if s.refs.Add(-1) == 0 {
		s.closeMu.Do(func() {
			for _, f := range s.cfg.Closers {
				f()
			}
		})
	}
}

// New returns a gateway serving cfg (which may be nil until Load).
func New(cfg *Config) (*Gateway, error) {
	g := &Gateway{}
	if cfg != nil {
		if err := g.Load(cfg); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// ErrNoConfig is returned when a gateway has no configuration.
var ErrNoConfig = errors.New("gateway has no configuration")

// Load prepares cfg and makes it current. Requests already running finish
// on the snapshot they started with.
func (g *Gateway) Load(cfg *Config) error {
	if cfg == nil {
		return ErrNoConfig
	}
	if err := cfg.Prepare(); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	s := &snapshot{cfg: cfg}
	s.refs.Store(1)
	old := g.cur.Swap(s)
	if old != nil {
		old.release()
	}
	return nil
}

// Config returns the current snapshot.
func (g *Gateway) Config() *Config {
	if s := g.cur.Load(); s != nil {
		return s.cfg
	}
	return nil
}

// Close retires the current snapshot.
func (g *Gateway) Close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if old := g.cur.Swap(nil); old != nil {
		old.release()
	}
}

// acquire pins the current snapshot for one request.
func (g *Gateway) acquire() *snapshot {
	for {
		s := g.cur.Load()
		if s == nil {
			return nil
		}
		n := s.refs.Load()
		if n <= 0 {
			continue // being retired; a newer one is current
		}
		if s.refs.CompareAndSwap(n, n+1) {
			return s
		}
	}
}

// Serve handles one request: the engine calls it for every request it
// parsed, and it returns when the response is complete and logged.
func (g *Gateway) Serve(req *Request, w ResponseWriter) Outcome {
	return g.serve(req, w, 0)
}

// ServeError answers a request the engine could not parse (or refused)
// with status, through the default server of its listen socket, so that
// error_page and the access log apply as nginx does.
func (g *Gateway) ServeError(req *Request, w ResponseWriter, status int) Outcome {
	return g.serve(req, w, status)
}

func (g *Gateway) serve(req *Request, w ResponseWriter, status int) Outcome {
	s := g.acquire()
	if s == nil {
		return Outcome{}
	}
	defer s.release()
	c := newCtx(req, s.cfg, w)
	defer c.recycle()
	c.run(status)
	if c.drop || c.hijacked {
		return Outcome{Drop: true}
	}
	loc := c.Loc
	if loc == nil && c.Server != nil {
		loc = c.Server.Root
	}
	out := Outcome{KeepAlive: c.keepAlive}
	if loc != nil {
		out.KeepAliveTimeout = loc.Core.KeepaliveTimeout
	}
	return out
}
