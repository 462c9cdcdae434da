package vts

import (
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// DefaultZoneName is the zone "vhost_traffic_status_zone" without
// arguments uses, as OpenNJet names it (it is the sharedZones.name of the
// status document).
const DefaultZoneName = "njt_http_vhost_traffic_status"

// DefaultZoneSize is the size "vhost_traffic_status_zone" without
// arguments gives the zone: 1 MiB less one byte, as OpenNJet.
const DefaultZoneSize = 0xfffff

// Zone is the statistics store of nginx's "vhost_traffic_status_zone":
// counters per server name, per upstream peer and per filter key. A zone
// lives in a process-wide registry keyed by its name, so configurations
// that name the same zone — the one being replaced by a reload and its
// successor, a data plane and the control plane that displays it — share
// its counters, as nginx workers share a shared memory zone.
//
// Writers never take a lock: every node keeps its counters in shards
// picked at random per request, and nodes are found in a sync.Map. Like
// the shared memory zone it imitates, a zone refuses new nodes once the
// memory they take would exceed its size.
type Zone struct {
	name    string
	maxSize atomic.Int64
	shards  int
	ring    int // time samples per shard
	// base is the origin of the packed sample times.
	base time.Time

	nodes    sync.Map // key string -> *node
	used     atomic.Int64
	count    atomic.Int64
	evictMu  sync.Mutex // serialises filter_max_node evictions
	delay    *delayHist
	settings atomic.Pointer[zoneSettings]

	// views are the configurations using the zone, newest last; the
	// display takes upstream groups from the newest one that has served.
	viewMu sync.Mutex
	views  []*view
	gen    uint64

	conns connCounters

	refs int // guarded by registry.mu
}

// zoneSettings are the http{}-level settings of the configuration that
// set up the zone last.
type zoneSettings struct {
	filterMaxNode int
	maxNodeMatch  []string
}

var registry struct {
	mu    sync.Mutex
	zones map[string]*Zone
	last  *Zone
}

// OpenZone returns the zone called name, creating it with room for
// maxSize bytes of nodes when no configuration holds it yet. A zone that
// exists takes the new size (nginx keeps a zone whose size is unchanged
// across a reload; GoNJet keeps the nodes in every case). Each OpenZone
// must be paired with a Close.
func OpenZone(name string, maxSize int64) *Zone {
	z, _ := openZone(name, maxSize)
	return z
}

// openZone is OpenZone that also reports whether the zone was created.
func openZone(name string, maxSize int64) (z *Zone, created bool) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	z = registry.zones[name]
	if z == nil {
		created = true
		z = newZone(name)
		if registry.zones == nil {
			registry.zones = map[string]*Zone{}
		}
		registry.zones[name] = z
	}
	z.maxSize.Store(maxSize)
	z.refs++
	registry.last = z
	return z, created
}

// Close releases a zone returned by OpenZone; the last Close drops its
// counters from the registry.
func (z *Zone) Close() {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	z.refs--
	if z.refs > 0 {
		return
	}
	if registry.zones[z.name] == z {
		delete(registry.zones, z.name)
	}
	if registry.last == z {
		registry.last = nil
		for _, o := range registry.zones {
			registry.last = o
			break
		}
	}
}

// LookupZone returns the open zone called name, nil when there is none.
func LookupZone(name string) *Zone {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	return registry.zones[name]
}

// CurrentZone returns the zone opened last, as OpenNJet's display module
// shows the zone of the data plane without naming it; nil when no zone is
// open.
func CurrentZone() *Zone {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	return registry.last
}

func newZone(name string) *Zone {
	n := runtime.GOMAXPROCS(0)
	if n > maxShards {
		n = maxShards
	}
	shards := 1
	for shards < n {
		shards <<= 1
	}
	// Enough samples per shard that the newest queueLen requests of the
	// node are, with random shards, almost surely all kept.
	ring := 2 * queueLen / shards
	switch {
	case ring < 8:
		ring = 8
	case ring > queueLen:
		ring = queueLen
	}
	z := &Zone{name: name, shards: shards, ring: ring, base: time.Now().Add(-time.Millisecond), delay: newDelayHist(shards)}
	z.settings.Store(&zoneSettings{})
	z.conns.requests = make([]paddedCounter, shards)
	return z
}

// maxShards bounds the shards of a node: beyond it the memory a node takes
// grows faster than contention falls.
const maxShards = 16

// Name is the zone's name.
func (z *Zone) Name() string { return z.name }

// MaxSize is the zone's size in bytes.
func (z *Zone) MaxSize() int64 { return z.maxSize.Load() }

// UsedSize is the memory the zone's nodes take, in bytes.
func (z *Zone) UsedSize() int64 { return z.used.Load() }

// UsedNode is the number of nodes in the zone.
func (z *Zone) UsedNode() int64 { return z.count.Load() }

// Kind says what a node counts.
type Kind uint8

// The node kinds, in the order of nginx-module-vts's groups.
const (
	// KindServer counts a server name (serverZones), or a filter key
	// without a group.
	KindServer Kind = iota
	// KindUpstreamAlone counts a peer of an upstream without an
	// upstream{} block ("::nogroups").
	KindUpstreamAlone
	// KindUpstreamGroup counts a peer of an upstream{} block.
	KindUpstreamGroup
	// KindCache counts a cache zone.
	KindCache
	// KindFilter counts a key of a filter group (filterZones).
	KindFilter
)

var kindTags = [...]string{"NO", "UA", "UG", "CC", "FG"}

// sep separates the parts of a node key, nginx-module-vts's 0x1f.
const sep = "\x1f"

// nodeKey is the registry key of a node: the kind tag, the group (empty
// for servers and lone peers) and the name.
func nodeKey(k Kind, group, name string) string {
	if k == KindServer || k == KindUpstreamAlone || k == KindCache {
		return kindTags[k] + sep + name
	}
	return kindTags[k] + sep + group + sep + name
}

// node is one counted entity.
type node struct {
	kind   Kind
	group  string
	name   string
	size   int64
	shards []shard
	// bounds are the histogram buckets (ms) of the request that created
	// the node; they stay fixed for its life, as in nginx.
	bounds []int64
}

// The counters of a shard, by index.
const (
	cRequests = iota
	cIn
	cOut
	c1xx
	c2xx
	c3xx
	c4xx
	c5xx
	cMiss
	cBypass
	cExpired
	cStale
	cUpdating
	cRevalidated
	cHit
	cScarce
	cRequestMsec
	cResponseMsec
	cTimeout
	numCounters
)

// shard is one slice of a node's counters; a request updates one shard
// only, so concurrent requests rarely touch the same cache line.
type shard struct {
	c        [numCounters]atomic.Uint64
	reqRing  ring
	respRing ring
	reqHist  []atomic.Uint64
	respHist []atomic.Uint64
	_        [64]byte
}

// ring keeps the newest request times of a shard, each packed into one
// word so that a sample is written and read atomically: the time (ms
// since the zone's base, plus one so that zero means empty) above
// msecBits, the duration below.
type ring struct {
	pos     atomic.Uint64
	samples []atomic.Uint64
}

const (
	msecBits = 24
	msecMax  = 1<<msecBits - 1
)

func (r *ring) add(at, msec int64) {
	if msec > msecMax {
		msec = msecMax
	}
	if msec < 0 {
		msec = 0
	}
	i := r.pos.Add(1) - 1
	r.samples[i%uint64(len(r.samples))].Store(uint64(at+1)<<msecBits | uint64(msec))
}

// nodeSize estimates the memory of a node, for the zone's size limit.
func (z *Zone) nodeSize(k Kind, key string, buckets int) int64 {
	per := int64(unsafe.Sizeof(shard{})) + int64(z.ring)*8 + int64(buckets)*8
	if k == KindUpstreamGroup || k == KindUpstreamAlone {
		per += int64(z.ring)*8 + int64(buckets)*8
	}
	return int64(unsafe.Sizeof(node{})) + int64(z.shards)*per + 2*int64(len(key)) + 64
}

// find returns the node under key, nil when there is none.
func (z *Zone) find(key string) *node {
	if v, ok := z.nodes.Load(key); ok {
		return v.(*node)
	}
	return nil
}

// get returns the node under key, creating it with the given histogram
// buckets. It returns nil when the zone is full.
func (z *Zone) get(key string, k Kind, group, name string, bounds []int64) *node {
	if v, ok := z.nodes.Load(key); ok {
		return v.(*node)
	}
	if k == KindFilter {
		z.evict(group)
	}
	size := z.nodeSize(k, key, len(bounds))
	if z.used.Add(size) > z.maxSize.Load() {
		z.used.Add(-size)
		// another request may have made it meanwhile
		if v, ok := z.nodes.Load(key); ok {
			return v.(*node)
		}
		return nil
	}
	n := &node{kind: k, group: group, name: name, size: size, bounds: bounds, shards: make([]shard, z.shards)}
	for i := range n.shards {
		s := &n.shards[i]
		s.reqRing.samples = make([]atomic.Uint64, z.ring)
		if len(bounds) > 0 {
			s.reqHist = make([]atomic.Uint64, len(bounds))
		}
		if k == KindUpstreamGroup || k == KindUpstreamAlone {
			s.respRing.samples = make([]atomic.Uint64, z.ring)
			if len(bounds) > 0 {
				s.respHist = make([]atomic.Uint64, len(bounds))
			}
		}
	}
	v, loaded := z.nodes.LoadOrStore(key, n)
	if loaded {
		z.used.Add(-size)
		return v.(*node)
	}
	z.count.Add(1)
	return n
}

// remove deletes the node under key.
func (z *Zone) remove(key string, n *node) {
	if z.nodes.CompareAndDelete(key, n) {
		z.used.Add(-n.size)
		z.count.Add(-1)
	}
}

// evict makes room for a new node of filter group group when
// vhost_traffic_status_filter_max_node limits such nodes: the node whose
// last request is oldest goes, as nginx-module-vts's LRU.
func (z *Zone) evict(group string) {
	st := z.settings.Load()
	if st.filterMaxNode <= 0 || !st.matches(group) {
		return
	}
	z.evictMu.Lock()
	defer z.evictMu.Unlock()
	var (
		count      int
		oldKey     string
		oldNode    *node
		oldest     int64 = -1
		oldestSeen bool
	)
	z.nodes.Range(func(k, v any) bool {
		n := v.(*node)
		if n.kind != KindFilter || !st.matches(n.group) {
			return true
		}
		count++
		last := n.lastRequest()
		if !oldestSeen || last < oldest {
			oldest, oldKey, oldNode, oldestSeen = last, k.(string), n, true
		}
		return true
	})
	if count >= st.filterMaxNode && oldNode != nil {
		z.remove(oldKey, oldNode)
	}
}

// matches reports whether vhost_traffic_status_filter_max_node applies to
// filter group g: every group when no prefixes were given, else the
// groups starting with one of them.
func (s *zoneSettings) matches(g string) bool {
	if len(s.maxNodeMatch) == 0 {
		return true
	}
	for _, m := range s.maxNodeMatch {
		if strings.HasPrefix(g, m) {
			return true
		}
	}
	return false
}

// lastRequest is the packed time of the node's newest sample, 0 when it
// has none.
func (n *node) lastRequest() int64 {
	var last uint64
	for i := range n.shards {
		for j := range n.shards[i].reqRing.samples {
			if v := n.shards[i].reqRing.samples[j].Load() >> msecBits; v > last {
				last = v
			}
		}
	}
	return int64(last)
}

// sortedNodes returns the zone's nodes ordered by kind, group and name.
func (z *Zone) sortedNodes() []*node {
	var out []*node
	z.nodes.Range(func(_, v any) bool {
		out = append(out, v.(*node))
		return true
	})
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.kind != b.kind {
			return a.kind < b.kind
		}
		if a.group != b.group {
			return a.group < b.group
		}
		return a.name < b.name
	})
	return out
}

// now is the zone's clock in packed sample units.
func (z *Zone) now() int64 { return time.Since(z.base).Milliseconds() }
