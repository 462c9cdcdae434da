//go:build !race

// The race detector makes sync.Pool drop objects at random, so allocation
// counts mean nothing under it.

package listener

import (
	"bufio"
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/gonjet/gonjet/gateway"
	"github.com/stretchr/testify/require"
)

// Allocation budgets of one request and answer on a kept-alive
// connection, with an engine that allocates nothing itself. The
// gateway.Request, its header fields and the buffers are reused; header
// strings point into a shared arena that takes a new block every hundred
// or so requests, which rounds to nothing per request.
const (
	allocsPerRequest = 0
	// a connection that parks between requests and that the idle
	// poller's workers serve again
	allocsPerParkedRequest = 0
)

// exchanger runs request and answer exchanges with an HTTP1 engine over
// loopback.
type exchanger struct {
	c    net.Conn
	br   *bufio.Reader
	size int
}

func newExchanger(t *testing.T, h *HTTP1) *exchanger {
	var s Set
	require.NoError(t, s.Apply([]gateway.Listen{{Addr: "127.0.0.1:0"}}))
	t.Cleanup(func() { s.Close() })
	go s.Serve(h)
	c, err := net.Dial("tcp", s.Addrs()["127.0.0.1:0"].String())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	x := &exchanger{c: c, br: bufio.NewReaderSize(c, 64<<10)}
	_, err = io.WriteString(c, benchRequest)
	require.NoError(t, err)
	for {
		line, err := x.br.ReadSlice('\n')
		require.NoError(t, err)
		x.size += len(line)
		if len(line) == 2 {
			break
		}
	}
	x.size += len(helloBody)
	_, err = x.br.Discard(len(helloBody))
	require.NoError(t, err)
	return x
}

var benchRequestBytes = []byte(benchRequest)

func (x *exchanger) exchange(t *testing.T) {
	if _, err := x.c.Write(benchRequestBytes); err != nil {
		t.Fatal(err)
	}
	if _, err := x.br.Discard(x.size); err != nil {
		t.Fatal(err)
	}
}

func TestEngineStaysWithinItsAllocationBudget(t *testing.T) {
	for _, tc := range []struct {
		name      string
		parkAfter time.Duration
		budget    float64
	}{
		{"kept-alive connection", 0, allocsPerRequest},
		{"connection parked between requests", -1, allocsPerParkedRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := newExchanger(t, &HTTP1{Gateway: newHelloEngine(), ParkAfter: tc.parkAfter})
			allocs := testing.AllocsPerRun(2000, func() { x.exchange(t) })
			require.LessOrEqual(t, allocs, tc.budget)
		})
	}
}

// TestRepeatedRequestLeavesNoGarbage: a client that sends the same head
// again (a poller, a load generator) shares the previous request's copy
// instead of filling the arena, so the engine makes no garbage at all
// and the collector has nothing to do.
func TestRepeatedRequestLeavesNoGarbage(t *testing.T) {
	x := newExchanger(t, &HTTP1{Gateway: newHelloEngine()})
	for range 100 {
		x.exchange(t)
	}
	const n = 2000
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range n {
		x.exchange(t)
	}
	runtime.ReadMemStats(&after)
	// the arena took a block every hundred or so requests before: some
	// 90 bytes a request
	perRequest := float64(after.TotalAlloc-before.TotalAlloc) / n
	require.Less(t, perRequest, 16.0, "bytes allocated per request")
}
