package upstream

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// clock is a settable time source for fail_timeout and keepalive tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Unix(1_700_000_000, 0)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// mustNew builds an upstream or fails the test.
func mustNew(t testing.TB, cfg Config, prev ...*Upstream) *Upstream {
	t.Helper()
	var p *Upstream
	if len(prev) > 0 {
		p = prev[0]
	}
	if cfg.Name == "" {
		cfg.Name = "u"
	}
	u, err := New(context.Background(), cfg, p)
	require.NoError(t, err)
	t.Cleanup(u.Close)
	return u
}

// srv is a Server with only an address.
func srv(addrs ...string) []Server {
	s := make([]Server, len(addrs))
	for i, a := range addrs {
		s[i] = Server{Addr: a}
	}
	return s
}

// pickOne makes one request's first pick and ends it successfully,
// returning the peer name.
func pickOne(t testing.TB, u *Upstream, ip netip.Addr, key string) string {
	t.Helper()
	var tr Tried
	p, err := u.Pick(&tr, ip, []byte(key))
	require.NoError(t, err)
	p.Done(false)
	return p.Name
}

// sequence makes n sequential requests and returns the peer names.
func sequence(t testing.TB, u *Upstream, n int) []string {
	t.Helper()
	out := make([]string, n)
	for i := range out {
		out[i] = pickOne(t, u, netip.Addr{}, "")
	}
	return out
}

// count tallies names.
func count(names []string) map[string]int {
	m := map[string]int{}
	for _, n := range names {
		m[n]++
	}
	return m
}

// attempt is the outcome of one try as a test proxy sees it.
type attempt int

const (
	ok attempt = iota
	fail
)

// proxy plays nginx's upstream loop for one request: pick, ask outcome
// for the result of the try, retry failed tries while tries remain. It
// returns the peer that answered, "" when all tries failed or no peer
// was live.
func proxy(u *Upstream, outcome func(p *Peer) attempt) string {
	var tr Tried
	for tries := u.Len(); tries > 0; tries-- {
		p, err := u.Pick(&tr, netip.Addr{}, nil)
		if err != nil {
			return ""
		}
		if outcome(p) == ok {
			p.Done(false)
			return p.Name
		}
		p.Done(true)
	}
	return ""
}
