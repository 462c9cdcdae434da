package upstream

import (
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gonjet/gonjet/gateway"
	"github.com/stretchr/testify/require"
)

var allMethods = []Method{
	RoundRobin{}, LeastConn{}, IPHash{}, Hash{Key: gateway.StaticTemplate("k")},
	Hash{Key: gateway.StaticTemplate("k"), Consistent: true}, Random{}, Random{Two: true},
}

func TestConcurrentPicksRespectMaxConnsAndBalanceTheBooks(t *testing.T) {
	for _, m := range allMethods {
		t.Run(m.String(), func(t *testing.T) {
			u := mustNew(t, Config{Balancer: m, Servers: []Server{
				{Addr: a, MaxConns: 3}, {Addr: b, MaxConns: 2, Weight: 2}, {Addr: c, MaxConns: 1},
			}})
			var inFlight [3]atomic.Int64
			index := map[string]int{a: 0, b: 1, c: 2}
			limits := [3]int64{3, 2, 1}
			var wg sync.WaitGroup
			for g := 0; g < 8; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < 300; i++ {
						var tr Tried
						key := []byte(strconv.Itoa(i))
						p, err := u.Pick(&tr, netip.AddrFrom4([4]byte{10, 0, byte(i), 1}), key)
						if err != nil {
							continue
						}
						k := index[p.Name]
						if n := inFlight[k].Add(1); n > limits[k] {
							t.Errorf("%s has %d requests in flight, max_conns is %d", p.Name, n, limits[k])
						}
						inFlight[k].Add(-1)
						p.Done(i%7 == 0)
					}
				}()
			}
			wg.Wait()
			for _, p := range u.Peers() {
				require.Zero(t, p.Stats().Active, p.Name)
			}
		})
	}
}

func BenchmarkPick(b *testing.B) {
	for _, m := range allMethods {
		b.Run(m.String(), func(b *testing.B) {
			u := mustNew(b, Config{Balancer: m, Servers: []Server{{Addr: a, Weight: 3}, {Addr: "127.0.0.1:8082"}, {Addr: c}, {Addr: d}}})
			ip := netip.MustParseAddr("192.0.2.1")
			key := []byte("/some/uri?with=args")
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					var tr Tried
					p, err := u.Pick(&tr, ip, key)
					if err != nil {
						b.Fatal(err)
					}
					p.Done(false)
				}
			})
		})
	}
}
