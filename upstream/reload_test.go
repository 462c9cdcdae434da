package upstream

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestNewCarriesPeerStateOverFromPrev(t *testing.T) {
	clk := newClock()
	old := mustNew(t, Config{Clock: clk.Now, Servers: srv(a, b, c)})

	// a fails and is out; b has a request in flight across the reload.
	var tr Tried
	pa, err := old.Pick(&tr, netip.Addr{}, nil)
	require.NoError(t, err)
	require.Equal(t, a, pa.Name)
	require.True(t, pa.Release(true))
	var tr2 Tried
	pb, err := old.Pick(&tr2, netip.Addr{}, nil)
	require.NoError(t, err)
	require.Equal(t, b, pb.Name)

	// The new generation drops c and adds d.
	neu := mustNew(t, Config{Clock: clk.Now, Servers: srv(a, b, d)}, old)
	byName := map[string]*Peer{}
	for _, p := range neu.Peers() {
		byName[p.Name] = p
	}
	require.True(t, byName[a].Unavailable(), "a's failure survives the reload")
	require.Equal(t, PeerStats{Fails: 1, Requests: 1, Failures: 1}, byName[a].Stats())
	require.Equal(t, int64(1), byName[b].Stats().Active, "b's request in flight is counted")
	require.Equal(t, PeerStats{}, byName[d].Stats())

	// The request that started before the reload ends on the old peer and
	// is subtracted from the shared state.
	pb.Done(false)
	require.Zero(t, byName[b].Stats().Active)

	require.NotContains(t, sequence(t, neu, 4), a)
	clk.Advance(11 * time.Second)
	require.False(t, byName[a].Unavailable())
}

func TestNewCarriesMaxConnsAccountingOverFromPrev(t *testing.T) {
	old := mustNew(t, Config{Servers: []Server{{Addr: a, MaxConns: 1}, {Addr: b}}})
	var tr Tried
	p, err := old.Pick(&tr, netip.Addr{}, nil)
	require.NoError(t, err)
	require.Equal(t, a, p.Name)

	neu := mustNew(t, Config{Servers: []Server{{Addr: a, MaxConns: 1}, {Addr: b}}}, old)
	require.Equal(t, []string{b, b, b}, sequence(t, neu, 3), "a is still at max_conns")
	p.Done(false)
	require.Contains(t, sequence(t, neu, 2), a)
}

func TestNewContinuesTheRoundRobinSequenceOfPrev(t *testing.T) {
	cfg := Config{Servers: []Server{{Addr: a, Weight: 5}, {Addr: b}, {Addr: c}}}
	old := mustNew(t, cfg)
	first := sequence(t, old, 3)
	neu := mustNew(t, cfg, old)
	require.Equal(t, []string{a, a, b, a, c, a}, append(first, sequence(t, neu, 3)...))
}

func TestNewClampsTheWeightOfAPeerThatLostWeight(t *testing.T) {
	old := mustNew(t, Config{Servers: []Server{{Addr: a, Weight: 5}, {Addr: b}}})
	sequence(t, old, 3)
	neu := mustNew(t, Config{Servers: []Server{{Addr: a}, {Addr: b}}}, old)
	got := count(sequence(t, neu, 100))
	require.InDelta(t, 50, got[a], 2, "a balances with its new weight after a short transition")
}

func TestNewMatchesRepeatedAddressesInOrder(t *testing.T) {
	old := mustNew(t, Config{Servers: []Server{{Addr: a, MaxConns: 1}, {Addr: a, MaxConns: 1}, {Addr: b}}})
	var tr Tried
	p, err := old.Pick(&tr, netip.Addr{}, nil)
	require.NoError(t, err)
	require.Equal(t, a, p.Name)
	neu := mustNew(t, Config{Servers: []Server{{Addr: a, MaxConns: 1}, {Addr: a, MaxConns: 1}, {Addr: b}}}, old)
	require.Equal(t, int64(1), neu.Peers()[0].Stats().Active)
	require.Zero(t, neu.Peers()[1].Stats().Active)
	p.Done(false)
}
