package vts

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gonjet/gonjet/gateway"
	"github.com/gonjet/gonjet/gateway/proxy"
	"github.com/gonjet/gonjet/upstream"
)

// FilterKey is one vhost_traffic_status_filter_by_set_key: requests are
// counted under the value of Key, in the filter group named by the value
// of Name (filterZones), or among the server zones when Name is nil or
// evaluates to "". A request whose Key evaluates to "" is not counted.
type FilterKey struct {
	Key  *gateway.Template
	Name *gateway.Template
}

// CollectorOptions configure a Collector.
type CollectorOptions struct {
	// ServerName is the server zone requests are counted under: the
	// server's first server_name, "_" when empty.
	ServerName string
	// FilterByHost counts each request under its Host instead
	// (vhost_traffic_status_filter_by_host).
	FilterByHost bool
	// Filters are the filter keys counted for every request.
	Filters []FilterKey
	// Buckets are the histogram bounds of new nodes
	// (vhost_traffic_status_histogram_buckets); none disables histograms.
	Buckets []time.Duration
	// Upstreams are the upstream groups whose peers are counted by group
	// (upstreamZones); peers of other upstreams count under "::nogroups".
	Upstreams []*upstream.Upstream
}

// Collector is the log-phase filter that counts a request into a zone:
// under its server zone, its filter keys, and the upstream peers it was
// proxied to. Build one per location with NewCollector (or through the
// vhost_traffic_status directives) and append it to the location's
// PhaseLog filters.
type Collector struct {
	zone       *Zone
	serverKey  string
	serverName string
	filterHost bool
	filters    []FilterKey
	bounds     []int64
	view       *view
	// cacheSlot is the slot of $upstream_cache_status, -1 when no cache
	// module defines it.
	cacheSlot *int
	own       bool // the view is the collector's own (NewCollector)
}

// NewCollector returns a collector counting into z. Close it when its
// configuration is retired.
func NewCollector(z *Zone, opt CollectorOptions) *Collector {
	v := newView(opt.Upstreams)
	z.addView(v)
	slot := -1
	col := newCollector(z, v, &slot, opt.ServerName, opt.FilterByHost, opt.Filters, durationsMsec(opt.Buckets))
	col.own = true
	return col
}

// Close forgets the collector's upstream groups.
func (col *Collector) Close() {
	if col.own {
		col.zone.removeView(col.view)
	}
}

func newCollector(z *Zone, v *view, cacheSlot *int, server string, byHost bool, filters []FilterKey, bounds []int64) *Collector {
	if server == "" {
		server = "_"
	}
	return &Collector{
		zone:       z,
		serverKey:  nodeKey(KindServer, "", server),
		serverName: server,
		filterHost: byHost,
		filters:    filters,
		bounds:     bounds,
		view:       v,
		cacheSlot:  cacheSlot,
	}
}

func durationsMsec(ds []time.Duration) []int64 {
	if len(ds) == 0 {
		return nil
	}
	out := make([]int64, len(ds))
	for i, d := range ds {
		out[i] = d.Milliseconds()
	}
	return out
}

// sample is what one request adds to the nodes it is counted in.
type sample struct {
	shard  int
	at     int64 // zone clock
	msec   int64
	status int
	in     int64
	out    int64
	cache  int // counter index, -1 for none
}

// Handle counts the request. It never changes the response.
func (col *Collector) Handle(c *gateway.Ctx) gateway.Result {
	z := col.zone
	if v := col.view; v != nil && !v.served.Load() {
		v.served.Store(true)
	}
	s := sample{
		shard:  int(rand.Uint32()) & (z.shards - 1),
		at:     z.now(),
		msec:   max(c.Elapsed().Milliseconds(), 0),
		status: c.Status,
		in:     gateway.RequestLength(c),
		out:    gateway.BytesSent(c),
		cache:  -1,
	}
	if c.Upstream.Set && *col.cacheSlot >= 0 {
		if v, ok := c.Var(*col.cacheSlot); ok {
			s.cache = cacheIndex(v)
		}
	}
	z.conns.count(c, s.shard)

	key := col.serverKey
	name := col.serverName
	if col.filterHost && c.Host != "" {
		name = c.Host
		key = nodeKey(KindServer, "", name)
	}
	col.count(c, z.get(key, KindServer, "", name, col.bounds), &s, key)

	if c.Upstream.Set && c.Upstream.Addr != "" {
		col.countUpstream(c, &s)
	}
	for i := range col.filters {
		col.countFilter(c, &col.filters[i], &s)
	}
	return gateway.Continue
}

// count adds s to n, or logs that the zone is full.
func (col *Collector) count(c *gateway.Ctx, n *node, s *sample, key string) *shard {
	if n == nil {
		z := col.zone
		c.Logf(gateway.LevelError, "shm_add_node::ngx_slab_alloc_locked() failed: used_size[%d], used_node[%d]", z.UsedSize(), z.UsedNode())
		c.Logf(gateway.LevelError, "shm_add_node(\"%s\") failed", strings.ReplaceAll(key, sep, "@"))
		return nil
	}
	sh := &n.shards[s.shard]
	sh.c[cRequests].Add(1)
	sh.c[cIn].Add(uint64(s.in))
	sh.c[cOut].Add(uint64(s.out))
	sh.c[statusCounter(s.status)].Add(1)
	if s.cache >= 0 {
		sh.c[s.cache].Add(1)
	}
	sh.c[cRequestMsec].Add(uint64(s.msec))
	sh.reqRing.add(s.at, s.msec)
	observe(sh.reqHist, n.bounds, s.msec)
	return sh
}

// statusCounter is the counter of a status class; like nginx-module-vts,
// anything below 200 is 1xx and anything from 500 up is 5xx.
func statusCounter(status int) int {
	switch {
	case status < 200:
		return c1xx
	case status < 300:
		return c2xx
	case status < 400:
		return c3xx
	case status < 500:
		return c4xx
	}
	return c5xx
}

func observe(hist []atomic.Uint64, bounds []int64, msec int64) {
	for i, b := range bounds {
		if msec <= b {
			hist[i].Add(1)
		}
	}
}

// cacheIndex maps $upstream_cache_status to its counter.
func cacheIndex(v string) int {
	switch v {
	case "MISS":
		return cMiss
	case "BYPASS":
		return cBypass
	case "EXPIRED":
		return cExpired
	case "STALE":
		return cStale
	case "UPDATING":
		return cUpdating
	case "REVALIDATED":
		return cRevalidated
	case "HIT":
		return cHit
	case "SCARCE":
		return cScarce
	}
	return -1
}

// countUpstream counts the request under the peer that answered it, as
// OpenNJet does: that peer gets the request, its bytes, status and times;
// every earlier try that timed out adds to its peer's timeout counter.
func (col *Collector) countUpstream(c *gateway.Ctx, s *sample) {
	var tb, sb, rb [4]string
	tries := splitTries(c.Upstream.Addr, tb[:0])
	statuses := splitTries(c.Upstream.Status, sb[:0])
	times := splitTries(c.Upstream.ResponseTime, rb[:0])
	last := len(tries) - 1
	if last < 0 || tries[last] == "" {
		return
	}
	g := col.groupOf(c, tries[last])

	var respMsec int64
	for _, t := range times {
		respMsec += parseMsec(t)
	}
	z := col.zone
	for i, peer := range tries {
		timedOut := i < len(statuses) && statuses[i] == "504"
		if i < last && !timedOut {
			continue
		}
		key, kind, group := col.peerKey(g, peer)
		n := z.get(key, kind, group, peer, col.bounds)
		if i < last {
			if n != nil {
				n.shards[s.shard].c[cTimeout].Add(1)
			}
			continue
		}
		sh := col.count(c, n, s, key)
		if sh == nil {
			return
		}
		sh.c[cResponseMsec].Add(uint64(respMsec))
		sh.respRing.add(s.at, respMsec)
		observe(sh.respHist, n.bounds, respMsec)
		if timedOut {
			sh.c[cTimeout].Add(1)
		}
	}
	// the delay before the request went to the upstream
	z.delay.record(s.shard, max(s.msec-respMsec, 0))
}

// groupOf finds the upstream{} block the request was proxied to: the one
// the proxy reports, or the only block holding the peer; nil for an
// upstream without a block.
func (col *Collector) groupOf(c *gateway.Ctx, peer string) *group {
	v := col.view
	if v == nil {
		return nil
	}
	if u := proxy.UpstreamOf(c); u != nil {
		return v.byName[strings.ToLower(u.Name())]
	}
	return v.byPeer[peer]
}

func (col *Collector) peerKey(g *group, peer string) (key string, kind Kind, name string) {
	if g == nil {
		return nodeKey(KindUpstreamAlone, "", peer), KindUpstreamAlone, ""
	}
	if k, ok := g.keys[peer]; ok {
		return k, KindUpstreamGroup, g.name
	}
	return nodeKey(KindUpstreamGroup, g.name, peer), KindUpstreamGroup, g.name
}

// countFilter counts the request under one filter key.
func (col *Collector) countFilter(c *gateway.Ctx, f *FilterKey, s *sample) {
	key := f.Key.Eval(c)
	if key == "" {
		return
	}
	name := ""
	if f.Name != nil {
		name = f.Name.Eval(c)
	}
	var k string
	var n *node
	if name == "" {
		k = nodeKey(KindServer, "", key)
		n = col.zone.get(k, KindServer, "", key, col.bounds)
	} else {
		k = nodeKey(KindFilter, name, key)
		n = col.zone.get(k, KindFilter, name, key, col.bounds)
	}
	col.count(c, n, s, k)
}

// splitTries appends the tries of an $upstream_* list ("a, b : c") to
// buf.
func splitTries(s string, buf []string) []string {
	for s != "" {
		i := strings.Index(s, ", ")
		if j := strings.Index(s, " : "); j >= 0 && (i < 0 || j < i) {
			i = j
		}
		if i < 0 {
			return append(buf, s)
		}
		buf = append(buf, s[:i])
		s = strings.TrimLeft(s[i+2:], " ")
	}
	return buf
}

// parseMsec reads "1.234" (seconds with three decimals) as 1234 ms; "-"
// and anything else unreadable is 0.
func parseMsec(s string) int64 {
	sec, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	ms := n * 1000
	scale := int64(100)
	for i := 0; i < len(frac) && i < 3; i++ {
		if frac[i] < '0' || frac[i] > '9' {
			return 0
		}
		ms += int64(frac[i]-'0') * scale
		scale /= 10
	}
	return ms
}
