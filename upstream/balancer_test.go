package upstream

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gonjet/gonjet/gateway"
	"github.com/stretchr/testify/require"
)

const (
	a = "127.0.0.1:8081"
	b = "127.0.0.1:8082"
	c = "127.0.0.1:8083"
	d = "127.0.0.1:8084"
)

func TestRoundRobinFollowsSmoothWeightedSequence(t *testing.T) {
	tests := []struct {
		name    string
		weights []int
		want    string
	}{
		{"5 1 1 as in nginx docs", []int{5, 1, 1}, "a a b a c a a a a b a c a a"},
		{"equal weights alternate", []int{1, 1}, "a b a b a b"},
		{"3 2 1", []int{3, 2, 1}, "a b a c b a a b a c b a"},
		{"one heavy peer", []int{1, 3}, "b a b b b a b b"},
	}
	letters := map[string]string{a: "a", b: "b", c: "c"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var servers []Server
			for i, w := range tt.weights {
				servers = append(servers, Server{Addr: []string{a, b, c}[i], Weight: w})
			}
			u := mustNew(t, Config{Servers: servers})
			want := strings.Fields(tt.want)
			var got []string
			for _, n := range sequence(t, u, len(want)) {
				got = append(got, letters[n])
			}
			require.Equal(t, want, got)
		})
	}
}

func TestRoundRobinBalancesTwoPeersEvenly(t *testing.T) {
	u := mustNew(t, Config{Servers: []Server{
		{Addr: a, MaxFails: 3, FailTimeout: 10 * time.Second},
		{Addr: b, MaxFails: 3, FailTimeout: 10 * time.Second},
	}})
	require.Equal(t, map[string]int{a: 15, b: 15}, count(sequence(t, u, 30)))
}

// nginx-tests upstream.t "failures": every third connection to the first
// server fails; after three failures it is out for fail_timeout.
func TestMaxFailsTakesPeerOutUntilFailTimeout(t *testing.T) {
	clk := newClock()
	u := mustNew(t, Config{Clock: clk.Now, Servers: []Server{
		{Addr: a, MaxFails: 3, FailTimeout: 10 * time.Second},
		{Addr: b, MaxFails: 3, FailTimeout: 10 * time.Second},
	}})
	conns := 0
	outcome := func(p *Peer) attempt {
		if p.Name == a {
			conns++
			if conns%3 == 0 {
				return fail
			}
		}
		return ok
	}
	var got []string
	for i := 0; i < 30; i++ {
		got = append(got, proxy(u, outcome))
	}
	require.Equal(t, map[string]int{a: 6, b: 24}, count(got))
	require.True(t, u.Peers()[0].Unavailable())

	clk.Advance(10 * time.Second)
	require.True(t, u.Peers()[0].Unavailable(), "fail_timeout is not over at exactly 10s")
	clk.Advance(time.Second)
	require.False(t, u.Peers()[0].Unavailable())
	require.Equal(t, map[string]int{a: 1, b: 1}, count(sequence(t, u, 2)))
	require.Zero(t, u.Peers()[0].Stats().Fails, "a success after the window resets the failures")
}

func TestFailedPeerIsRetriedOnceFailTimeoutPasses(t *testing.T) {
	tests := []struct {
		name        string
		server      Server
		outAfterOne bool
	}{
		{"default max_fails=1 fail_timeout=10s", Server{Addr: a}, true},
		{"max_fails=2 needs two failures", Server{Addr: a, MaxFails: 2}, false},
		{"max_fails=0 never takes the peer out", Server{Addr: a, MaxFails: -1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			u := mustNew(t, Config{Clock: clk.Now, Servers: []Server{tt.server, {Addr: b}}})
			var tr Tried
			p, err := u.Pick(&tr, netip.Addr{}, nil)
			require.NoError(t, err)
			require.Equal(t, a, p.Name)
			require.Equal(t, tt.outAfterOne, p.Release(true))
			require.Equal(t, tt.outAfterOne, p.Unavailable())
			if tt.outAfterOne {
				require.Equal(t, []string{b, b, b}, sequence(t, u, 3))
				clk.Advance(11 * time.Second)
				// The failure zeroed its effective weight, which
				// grows back by one per round, so it comes back gradually.
				require.Equal(t, []string{b, b, a, b}, sequence(t, u, 4))
			}
		})
	}
}

func TestSingleServerIsNeverTakenOutByFailures(t *testing.T) {
	u := mustNew(t, Config{Servers: srv(a)})
	require.Equal(t, 1, u.Len())
	for i := 0; i < 5; i++ {
		var tr Tried
		p, err := u.Pick(&tr, netip.Addr{}, nil)
		require.NoError(t, err)
		p.Done(true)
	}
	require.False(t, u.Peers()[0].Unavailable())
	require.Equal(t, uint64(5), u.Peers()[0].Stats().Failures)
}

func TestTriedPeersAreNotPickedAgainWithinARequest(t *testing.T) {
	u := mustNew(t, Config{Servers: srv(a, b, c)})
	var tr Tried
	seen := map[string]bool{}
	for i := 0; i < 3; i++ {
		p, err := u.Pick(&tr, netip.Addr{}, nil)
		require.NoError(t, err)
		require.False(t, seen[p.Name], "picked %s twice", p.Name)
		seen[p.Name] = true
		p.Done(false)
	}
	_, err := u.Pick(&tr, netip.Addr{}, nil)
	require.ErrorIs(t, err, ErrNoLive)
}

func TestTriedHandlesMoreThan64Peers(t *testing.T) {
	var servers []Server
	for i := 0; i < 130; i++ {
		servers = append(servers, Server{Addr: fmt.Sprintf("10.0.%d.%d:80", i/256, i%256)})
	}
	u := mustNew(t, Config{Servers: servers})
	var tr Tried
	seen := map[string]bool{}
	for i := 0; i < 130; i++ {
		p, err := u.Pick(&tr, netip.Addr{}, nil)
		require.NoError(t, err)
		require.False(t, seen[p.Name])
		seen[p.Name] = true
		p.Done(false)
	}
	_, err := u.Pick(&tr, netip.Addr{}, nil)
	require.ErrorIs(t, err, ErrNoLive)
	tr.Reset()
	_, err = u.Pick(&tr, netip.Addr{}, nil)
	require.NoError(t, err)
}

func TestDownPeersAreSkippedAndNotCountedAsTries(t *testing.T) {
	u := mustNew(t, Config{Servers: []Server{{Addr: a}, {Addr: b, Down: true}}})
	require.Equal(t, 1, u.Len(), "nginx tries only the peers not marked down")
	require.Equal(t, []string{a, a, a}, sequence(t, u, 3))
}

func TestBackupServersServeOnlyWhenPrimariesAreExhausted(t *testing.T) {
	for _, m := range []Method{RoundRobin{}, LeastConn{}} {
		t.Run(m.String(), func(t *testing.T) {
			u := mustNew(t, Config{Balancer: m, Servers: []Server{{Addr: a}, {Addr: b}, {Addr: c, Backup: true}}})
			require.Equal(t, 3, u.Len())
			require.NotContains(t, sequence(t, u, 6), c)

			got := proxy(u, func(p *Peer) attempt {
				if p.Backup {
					return ok
				}
				return fail
			})
			require.Equal(t, c, got)

			// Both primaries are now out for fail_timeout: straight to backup.
			var tr Tried
			p, err := u.Pick(&tr, netip.Addr{}, nil)
			require.NoError(t, err)
			require.Equal(t, c, p.Name)
			require.True(t, tr.Backup())
			p.Done(false)
		})
	}
}

// nginx-tests upstream_max_conns.t, with requests held open.
func TestMaxConnsLimitsRequestsInFlight(t *testing.T) {
	tests := []struct {
		name     string
		method   Method
		servers  []Server
		requests int
		want     string // peers in order, "-" for no live upstream
	}{
		{"backup", nil, []Server{{Addr: a, MaxConns: 2}, {Addr: b, Backup: true}}, 6, "a a b b b b"},
		{"backup limited", nil, []Server{{Addr: a, MaxConns: 2}, {Addr: b, Backup: true, MaxConns: 3}}, 6, "a a b b b -"},
		{"single", nil, []Server{{Addr: a, MaxConns: 3}}, 4, "a a a -"},
		{"all peers", nil, []Server{{Addr: a, MaxConns: 1}, {Addr: b, MaxConns: 1}}, 3, "a b -"},
		{"weight does not raise the limit", nil, []Server{{Addr: a, Weight: 2, MaxConns: 1}, {Addr: b}}, 4, "a b b b"},
		{"equal servers are separate peers", nil, []Server{{Addr: a, MaxConns: 1}, {Addr: a, MaxConns: 1}, {Addr: b}}, 4, "a a b b"},
		{"least_conn backup", LeastConn{}, []Server{{Addr: a, MaxConns: 2}, {Addr: b, Backup: true}}, 6, "a a b b b b"},
		{"least_conn backup limited", LeastConn{}, []Server{{Addr: a, MaxConns: 2}, {Addr: b, Backup: true, MaxConns: 3}}, 6, "a a b b b -"},
		{"ip_hash", IPHash{}, []Server{{Addr: a, MaxConns: 1}, {Addr: b, MaxConns: 2}}, 4, "a b b -"},
		{"hash", Hash{}, []Server{{Addr: a, MaxConns: 1}, {Addr: b, MaxConns: 2}}, 4, "a b b -"},
		{"hash consistent", Hash{Consistent: true}, []Server{{Addr: a, MaxConns: 1}, {Addr: b, MaxConns: 2}}, 4, "a b b -"},
		{"random", Random{}, []Server{{Addr: a, MaxConns: 2}, {Addr: b, MaxConns: 1}}, 4, "a a b -"},
		{"random two", Random{Two: true}, []Server{{Addr: a, MaxConns: 2}, {Addr: b, MaxConns: 1}}, 4, "a a b -"},
	}
	letters := map[string]string{a: "a", b: "b"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := mustNew(t, Config{Balancer: tt.method, Servers: tt.servers})
			var got []string
			var held []*Peer
			for i := 0; i < tt.requests; i++ {
				var tr Tried
				p, err := u.Pick(&tr, netip.MustParseAddr("127.0.0.1"), []byte("127.0.0.1"))
				if err != nil {
					require.ErrorIs(t, err, ErrNoLive)
					got = append(got, "-")
					continue
				}
				got = append(got, letters[p.Name])
				held = append(held, p)
			}
			gotCounts, wantCounts := count(got), count(strings.Fields(tt.want))
			if tt.method == nil || tt.method == (LeastConn{}) {
				require.Equal(t, tt.want, strings.Join(got, " "))
			} else {
				require.Equal(t, wantCounts, gotCounts)
			}
			for _, p := range held {
				p.Done(false)
			}
			for _, p := range u.Peers() {
				require.Zero(t, p.Stats().Active)
			}
		})
	}
}

func TestLeastConnPrefersThePeerWithFewerRequestsInFlight(t *testing.T) {
	u := mustNew(t, Config{Balancer: LeastConn{}, Servers: srv(a, b)})
	require.Equal(t, map[string]int{a: 5, b: 5}, count(sequence(t, u, 10)))

	var tr Tried
	slow, err := u.Pick(&tr, netip.Addr{}, nil)
	require.NoError(t, err)
	other := map[string]string{a: b, b: a}[slow.Name]
	require.Equal(t, strings.Fields(strings.Repeat(other+" ", 10)), sequence(t, u, 10))
	slow.Done(false)
}

func TestLeastConnWeighsRequestsInFlightByWeight(t *testing.T) {
	u := mustNew(t, Config{Balancer: LeastConn{}, Servers: []Server{{Addr: a, Weight: 2}, {Addr: b}}})
	var held []*Peer
	var got []string
	for i := 0; i < 6; i++ {
		var tr Tried
		p, err := u.Pick(&tr, netip.Addr{}, nil)
		require.NoError(t, err)
		held = append(held, p)
		got = append(got, p.Name)
	}
	require.Equal(t, map[string]int{a: 4, b: 2}, count(got))
	for _, p := range held {
		p.Done(false)
	}
}

func TestIPHashSpreadsClientNetworksAsNginx(t *testing.T) {
	tests := []struct {
		name    string
		servers []string
		want    map[string]int
	}{
		{"two peers", []string{a, b}, map[string]int{a: 15, b: 15}},
		{"three peers", []string{a, b, c}, map[string]int{a: 10, b: 10, c: 10}},
		{"single peer", []string{a}, map[string]int{a: 30}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := mustNew(t, Config{Balancer: IPHash{}, Servers: srv(tt.servers...)})
			var got []string
			for i := 1; i <= 30; i++ {
				got = append(got, pickOne(t, u, netip.MustParseAddr(fmt.Sprintf("127.0.%d.2", i)), ""))
			}
			require.Equal(t, tt.want, count(got))
		})
	}
}

func TestIPHashKeysOnTheFirstThreeOctets(t *testing.T) {
	u := mustNew(t, Config{Balancer: IPHash{}, Servers: srv(a, b, c, d)})
	first := pickOne(t, u, netip.MustParseAddr("192.0.2.1"), "")
	for i := 2; i < 255; i += 17 {
		require.Equal(t, first, pickOne(t, u, netip.MustParseAddr(fmt.Sprintf("192.0.2.%d", i)), ""))
	}
}

func TestIPHashMovesOnFromAFailedPeer(t *testing.T) {
	u := mustNew(t, Config{Balancer: IPHash{}, Servers: srv(a, b, c)})
	ip := netip.MustParseAddr("198.51.100.7")
	home := pickOne(t, u, ip, "")
	var tr Tried
	p, err := u.Pick(&tr, ip, nil)
	require.NoError(t, err)
	require.Equal(t, home, p.Name)
	p.Done(true)
	q, err := u.Pick(&tr, ip, nil)
	require.NoError(t, err)
	require.NotEqual(t, home, q.Name)
	q.Done(false)
	// Other clients still hash as before, and the failed peer is skipped.
	require.NotEqual(t, home, pickOne(t, u, ip, ""))
}

func TestHashIsStablePerKeyAndFallsBackToRoundRobinWithoutKey(t *testing.T) {
	for _, consistent := range []bool{false, true} {
		t.Run(fmt.Sprint("consistent=", consistent), func(t *testing.T) {
			u := mustNew(t, Config{Balancer: Hash{Key: gateway.StaticTemplate("$arg_a"), Consistent: consistent}, Servers: srv(a, b, c)})
			require.Equal(t, "$arg_a", u.HashKey().Raw())
			first := pickOne(t, u, netip.Addr{}, "1")
			for i := 0; i < 10; i++ {
				require.Equal(t, first, pickOne(t, u, netip.Addr{}, "1"))
			}
			require.Equal(t, map[string]int{a: 2, b: 2, c: 2}, count(sequence(t, u, 6)))
		})
	}
}

// nginx-tests upstream_hash.t: with consistent hashing only the keys of a
// removed server move; with plain hashing others move too.
func TestConsistentHashOnlyMovesKeysOfTheRemovedServer(t *testing.T) {
	tests := []struct {
		name       string
		consistent bool
		three, two []Server
		moved      bool
	}{
		{"hash", false, srv(a, b, c), srv(a, c), true},
		{"consistent", true, srv(a, b, c), srv(a, c), false},
		{"consistent weight", true, []Server{{Addr: a}, {Addr: b}, {Addr: c, Weight: 10}}, []Server{{Addr: a}, {Addr: c, Weight: 10}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Hash{Consistent: tt.consistent}
			u3 := mustNew(t, Config{Balancer: m, Servers: tt.three})
			u2 := mustNew(t, Config{Balancer: m, Servers: tt.two})
			moved := false
			for i := 1; i <= 20; i++ {
				k := fmt.Sprint(i)
				p3, p2 := pickOne(t, u3, netip.Addr{}, k), pickOne(t, u2, netip.Addr{}, k)
				if p3 != p2 && p3 != b {
					moved = true
				}
			}
			require.Equal(t, tt.moved, moved)
		})
	}
}

func TestHashAvoidsUnavailablePeers(t *testing.T) {
	for _, consistent := range []bool{false, true} {
		t.Run(fmt.Sprint("consistent=", consistent), func(t *testing.T) {
			u := mustNew(t, Config{Balancer: Hash{Consistent: consistent}, Servers: srv(a, d)})
			got := map[string]int{}
			for i := 1; i <= 20; i++ {
				got[proxy(u, func(p *Peer) attempt {
					if p.Name == d {
						return fail
					}
					return ok
				})]++
			}
			require.Equal(t, map[string]int{a: 20}, got)

			var tr Tried
			p, err := u.Pick(&tr, netip.Addr{}, nil)
			require.NoError(t, err)
			require.Equal(t, a, p.Name)
			p.Done(true)
			_, err = u.Pick(&tr, netip.Addr{}, nil)
			require.ErrorIs(t, err, ErrNoLive, "the other peer is out after its failure")
		})
	}
}

func TestRandomPicksAmongAvailablePeersByWeight(t *testing.T) {
	u := mustNew(t, Config{Balancer: Random{}, Servers: []Server{{Addr: a}, {Addr: b, Weight: 3}, {Addr: c, Down: true}}})
	got := count(sequence(t, u, 4000))
	require.Zero(t, got[c])
	require.InDelta(t, 3.0, float64(got[b])/float64(got[a]), 0.5)
}

func TestRandomTwoPrefersTheLessLoadedOfTwo(t *testing.T) {
	u := mustNew(t, Config{Balancer: Random{Two: true}, Servers: srv(a, b)})
	var tr Tried
	busy, err := u.Pick(&tr, netip.Addr{}, nil)
	require.NoError(t, err)
	other := map[string]string{a: b, b: a}[busy.Name]
	for i := 0; i < 20; i++ {
		require.Equal(t, other, pickOne(t, u, netip.Addr{}, ""))
	}
	busy.Done(false)
}

func TestRandomWithOneServerAlwaysPicksIt(t *testing.T) {
	for _, m := range []Method{Random{}, Random{Two: true}} {
		u := mustNew(t, Config{Balancer: m, Servers: srv(a)})
		require.Equal(t, []string{a, a, a}, sequence(t, u, 3))
	}
}

func TestRandomSkipsFailedPeers(t *testing.T) {
	for _, m := range []Method{Random{}, Random{Two: true}} {
		t.Run(m.String(), func(t *testing.T) {
			u := mustNew(t, Config{Balancer: m, Servers: srv(a, b)})
			got := map[string]int{}
			for i := 0; i < 10; i++ {
				got[proxy(u, func(p *Peer) attempt {
					if p.Name == a {
						return fail
					}
					return ok
				})]++
			}
			require.Equal(t, map[string]int{b: 10}, got)
		})
	}
}

func TestPickCountsRequestsAndDoneEndsThem(t *testing.T) {
	u := mustNew(t, Config{Servers: srv(a)})
	var tr Tried
	p, err := u.Pick(&tr, netip.Addr{}, nil)
	require.NoError(t, err)
	require.Equal(t, PeerStats{Active: 1, Requests: 1}, p.Stats())
	p.AddTraffic(10, 20)
	p.Done(false)
	require.Equal(t, PeerStats{Requests: 1, Sent: 10, Received: 20}, p.Stats())
}

func TestNewRejectsBadConfigurations(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		err  string
	}{
		{"no servers", Config{}, "no servers are inside upstream"},
		{"only backup servers", Config{Name: "x", Servers: []Server{{Addr: a, Backup: true}}}, `no servers in upstream "x"`},
		{"negative weight", Config{Servers: []Server{{Addr: a, Weight: -1}}}, "invalid weight"},
		{"bad port", Config{Servers: srv("127.0.0.1:99999")}, `invalid port in upstream "127.0.0.1:99999"`},
		{"uri part", Config{Servers: srv("127.0.0.1:80/x")}, `invalid host in upstream "127.0.0.1:80/x"`},
		{"no host", Config{Servers: srv(":80")}, `no host in upstream ":80"`},
		{"unresolvable", Config{Resolver: fakeResolver{}, Servers: srv("nowhere.invalid:80")}, `host not found in upstream "nowhere.invalid:80"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(t.Context(), tt.cfg, nil)
			require.ErrorContains(t, err, tt.err)
		})
	}
}

func TestHostNamesResolveToOnePeerPerAddress(t *testing.T) {
	u := mustNew(t, Config{
		Resolver: fakeResolver{"backend.test": {"10.0.0.1", "10.0.0.2", "2001:db8::1"}},
		Servers:  []Server{{Addr: "backend.test:8080", Weight: 2}, {Addr: "unix:/tmp/x.sock"}, {Addr: "[::1]"}},
	})
	var names []string
	for _, p := range u.Peers() {
		names = append(names, p.Name)
		if p.Server == "backend.test:8080" {
			require.Equal(t, 2, p.Weight)
		}
	}
	require.Equal(t, []string{"10.0.0.1:8080", "10.0.0.2:8080", "[2001:db8::1]:8080", "unix:/tmp/x.sock", "[::1]:80"}, names)
	require.Equal(t, "unix", u.Peers()[3].Network)
	require.Equal(t, "/tmp/x.sock", u.Peers()[3].Addr)
	require.Equal(t, "[2001:db8::1]:8080", u.Peers()[2].Addr)
}

// fakeResolver answers from a table.
type fakeResolver map[string][]string

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	ips, ok := f[host]
	if !ok {
		return nil, fmt.Errorf("lookup %s: no such host", host)
	}
	var out []netip.Addr
	for _, s := range ips {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}
