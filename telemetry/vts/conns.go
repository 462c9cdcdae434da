package vts

import (
	"sync/atomic"

	"github.com/gonjet/gonjet/gateway"
)

// Connections are the process's client connection counters, as nginx's
// stub_status reports them: the "connections" object of the status
// document.
type Connections struct {
	Active   uint64 // open client connections
	Reading  uint64 // connections reading a request header
	Writing  uint64 // connections writing a response
	Waiting  uint64 // idle keep-alive connections
	Accepted uint64 // connections accepted since start
	Handled  uint64 // connections handled (accepted and not refused)
	Requests uint64 // requests served since start
}

var connSource atomic.Pointer[func() Connections]

// SetConnectionsSource makes f the source of the connection counters of
// every status page: the component that owns the sockets (the listener
// set of the njet command) knows them. Without a source, the page shows
// what the zone sees: the requests it counted, the highest connection
// number as accepted and handled, and the status request itself as the
// one active, writing connection. Pass nil to remove the source.
func SetConnectionsSource(f func() Connections) {
	if f == nil {
		connSource.Store(nil)
		return
	}
	connSource.Store(&f)
}

// connCounters is the zone's own view of the connections.
type connCounters struct {
	requests []paddedCounter // one per shard
	maxConn  atomic.Uint64
}

type paddedCounter struct {
	n atomic.Uint64
	_ [56]byte
}

func (cc *connCounters) count(c *gateway.Ctx, shard int) {
	if shard < len(cc.requests) {
		cc.requests[shard].n.Add(1)
	}
	if c.Req == nil || c.Req.Conn == nil {
		return
	}
	id := c.Req.Conn.ID
	for {
		cur := cc.maxConn.Load()
		if id <= cur || cc.maxConn.CompareAndSwap(cur, id) {
			return
		}
	}
}

// connections returns the counters of the source, or the zone's own.
func (z *Zone) connections() Connections {
	if f := connSource.Load(); f != nil {
		return (*f)()
	}
	var req uint64
	for i := range z.conns.requests {
		req += z.conns.requests[i].n.Load()
	}
	n := z.conns.maxConn.Load()
	return Connections{Active: 1, Writing: 1, Accepted: n, Handled: n, Requests: req}
}
